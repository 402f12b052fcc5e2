"""OpenPhone tests use `fake_openphone` (tests/openphone/fake_openphone.py), registered suite-wide in tests/conftest.py."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """A fresh cache namespace per test: our lines' numbers (openphone.lines) are cached, and one test's
    fake lines must not leak into the next (a new prefix, not a flush: Redis is shared with other workers)."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"crm-test-{uuid.uuid4().hex}"
    settings.CACHES = caches
