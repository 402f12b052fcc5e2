"""Suite-wide fixtures: which database we run on, a clean SMS outbox, staff users."""
from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connections

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
    if _on_ci() and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(
            f"CI=1: {len(terminalreporter.stats['skipped'])} test(s) skipped; CI runs every test, so the run fails.",
            red=True,
        )


# --- CI cannot skip ---------------------------------------------------------------------------
#
# Tests that need PostgreSQL, Redis or Chromium skip when run without them (`make test` on SQLite).
# `.ci/run` sets CI=1 and provides all three, so there a skip can only mean a missing service or a
# broken setup: the skipped test is reported as failed, and the run fails if anything skipped.


def _on_ci() -> bool:
    return os.environ.get("CI", "") not in ("", "0", "false")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if _on_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = (
            f"CI=1: this test skipped ({reason}). CI must run it: check DATABASE_URL (PostgreSQL), "
            f"REDIS_URL and {CHROMIUM}."
        )


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if _on_ci() and reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    sms.reset_outbox()
    yield
    sms.reset_outbox()


@pytest.fixture(autouse=True)
def _own_line_labels_cache(monkeypatch):
    """Each test its own cache key for the lines' names (contacts.selectors.line_labels): one test's
    lines, or another xdist worker's, must never name another test's lines (Redis is shared)."""
    import uuid

    from contacts import selectors

    monkeypatch.setattr(selectors, "LINE_LABELS_CACHE_KEY", f"contacts:line-labels:test-{uuid.uuid4().hex}")


@pytest.fixture
def outbox():
    """Texts sent through the locmem backend during the test."""
    return sms.outbox


# --- Browser tests: Debian's Chromium driven by Playwright (never Playwright's own download) ---------

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps calling home, which this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium for the test; on CI a missing Chromium fails the test instead of skipping it."""
    if not os.path.exists(CHROMIUM):
        if _on_ci():
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # While Playwright runs, the test's ORM calls get a database connection of their own
        # (Django keeps connections per context, and Playwright switches it); close it here, in
        # that context, or it stays open and pytest cannot drop the test database at the end.
        connections.close_all()


@pytest.fixture
def page(browser):
    """A fresh page, desktop sized."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    yield page
    page.close()
