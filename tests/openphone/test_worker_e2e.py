"""End to end with a real Celery worker over Redis: signed webhook in, worker processes it, activity on the timeline."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

from contacts.models import Activity, Contact
from crm.celery import app as celery_app
from openphone.models import WebhookEvent, WebhookEventStatus

from .conftest import route_webhook_tasks_to_queue
from .sender import deliver, load_event

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis as the broker: set REDIS_URL (CI does)"),
]

# Generous: the worker shares two cores with the rest of the suite. Not a speed assertion.
PROCESSING_DEADLINE_SECONDS = 60


RUNS: list[tuple[str, bool, str]] = []


def _after_task(task=None, **kwargs):
    RUNS.append((task.name, bool(task.request.is_eager), threading.current_thread().name))
    # Runs in the worker thread: leave no connection open to the test database, which is dropped at the end.
    connections.close_all()


@pytest.fixture
def worker_queue(monkeypatch):
    """A queue of this test's own, so workers of parallel test runs sharing the Redis database never steal its tasks."""
    queue = f"test-webhook-{uuid.uuid4().hex[:12]}"
    RUNS.clear()
    route_webhook_tasks_to_queue(monkeypatch, queue)
    task_postrun.connect(_after_task)
    try:
        with start_worker(
            celery_app, queues=[queue], pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
        ):
            yield queue
    finally:
        task_postrun.disconnect(_after_task)


@pytest.mark.django_db(transaction=True)
def test_signed_webhook_is_processed_by_a_real_worker(client, worker_queue):
    payload = load_event("message.received")
    response = deliver(client, payload)
    assert response.status_code == 202

    deadline = time.monotonic() + PROCESSING_DEADLINE_SECONDS
    event = WebhookEvent.objects.get(event_id=payload["id"])
    while event.status == WebhookEventStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.1)
        event.refresh_from_db()

    assert event.status == WebhookEventStatus.PROCESSED, event.last_error
    # The request raised the dispatch flag in Redis and queued the dispatcher, which queued the
    # event's processing: both ran in the worker's thread from the Redis queue, not inside the request.
    worker_thread = RUNS[0][2]
    assert RUNS == [
        ("openphone.tasks.dispatch_webhook_events", False, worker_thread),
        ("openphone.tasks.process_webhook_event", False, worker_thread),
    ]
    assert worker_thread != threading.current_thread().name
    assert event.attempts == 1
    activity = Activity.objects.get(openphone_id=payload["data"]["object"]["id"])
    assert activity.contact == Contact.objects.get(phone="+16175550123")
    assert (activity.direction, activity.body) == ("incoming", "Yes, please call me about the estimate")
