"""OpenPhone tests use `fake_openphone` (tests/openphone/fake_openphone.py), registered suite-wide in tests/conftest.py."""
from __future__ import annotations

import uuid

import pytest

from crm.celery import app as celery_app
from openphone.tasks import dispatch_webhook_events, process_webhook_event


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """A fresh cache namespace per test: our lines' numbers (openphone.lines) are cached, and one test's
    fake lines must not leak into the next (a new prefix, not a flush: Redis is shared with other workers)."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"crm-test-{uuid.uuid4().hex}"
    settings.CACHES = caches


def route_webhook_tasks_to_queue(monkeypatch, queue: str) -> None:
    """Publish the dispatcher and processing tasks to a real Redis queue of the test's own, not in-process."""
    # Settings reach Celery under the CELERY_ namespace: that is the key to change.
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    for task in (dispatch_webhook_events, process_webhook_event):
        monkeypatch.setattr(task, "queue", queue, raising=False)
        monkeypatch.setattr(task, "_exec_options", None)  # recomputed with the queue above


