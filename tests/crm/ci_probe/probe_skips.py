"""Run only by tests/crm/test_ci_cannot_skip.py: one test that passes, one that skips like a test
needing a missing PostgreSQL, Redis or Chromium."""
import pytest


def test_passes():
    assert True


def test_needs_a_service():
    pytest.skip("needs Redis: set REDIS_URL (CI does)")
