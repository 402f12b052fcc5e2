"""Suite-wide fixtures: which database we run on, a clean SMS outbox, staff users."""
from __future__ import annotations

import pytest
from django.conf import settings

from crm import sms

# `fake_openphone`: a real loopback HTTP server speaking OpenPhone's API, for any test that needs it.
pytest_plugins = ["tests.openphone.fake_openphone"]


def _database_description() -> str:
    db = settings.DATABASES["default"]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    redis = settings.REDIS_URL or "not configured (tasks eager, local-memory cache)"
    return f"database: {engine} ({db.get('NAME')}); redis: {redis}"


def pytest_report_header(config):
    return f"Attack-a-Crack CRM tests on {_database_description()}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    terminalreporter.write_line(f"Ran on {_database_description()}")


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.reset_outbox()
    yield
    sms.reset_outbox()


@pytest.fixture
def outbox():
    """Texts sent through the locmem backend during the test."""
    return sms.outbox
