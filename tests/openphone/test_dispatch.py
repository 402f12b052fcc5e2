"""From stored to queued: the receiver raises a flag, one dispatcher queues every stored event once."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone

from crm.celery import app as celery_app
from crm.redis_client import redis_client
from openphone import services
from openphone.models import WebhookEvent, WebhookEventStatus
from openphone.tasks import dispatch_webhook_events, process_webhook_event

from .sender import deliver, load_event

pytestmark = pytest.mark.django_db

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis: set REDIS_URL (CI does)")

DISPATCH = "openphone.tasks.dispatch_webhook_events"
PROCESS = "openphone.tasks.process_webhook_event"


class Broker:
    """The real Redis queue the tasks are published to, read the way a worker would find it."""

    def __init__(self, queue: str):
        self.queue = queue

    def tasks(self) -> list[tuple[str, list]]:
        # kombu pushes on the left and workers pop on the right: oldest last in the list.
        messages = [json.loads(raw) for raw in reversed(redis_client().lrange(self.queue, 0, -1))]
        return [(m["headers"]["task"], json.loads(_body(m))[0]) for m in messages]


def _body(message: dict) -> str:
    return base64.b64decode(message["body"]).decode()


@pytest.fixture
def broker(monkeypatch):
    """Tasks published to a real Redis queue of this test's own instead of running in-process."""
    queue = f"test-dispatch-{uuid.uuid4().hex[:12]}"
    # Settings reach Celery under the CELERY_ namespace: that is the key to change.
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    for task in (dispatch_webhook_events, process_webhook_event):
        monkeypatch.setattr(task, "queue", queue, raising=False)
        monkeypatch.setattr(task, "_exec_options", None)  # recomputed with the queue above
    redis_client().delete(services._dispatch_flag_key())
    yield Broker(queue)
    redis_client().delete(queue, services._dispatch_flag_key())


def _deliver(client, capture, event_id: str) -> None:
    with capture(execute=True):
        assert deliver(client, load_event("message.received", id=event_id)).status_code == 202


@needs_redis
def test_a_burst_of_deliveries_queues_one_dispatcher_which_queues_each_event_once(
    client, broker, django_capture_on_commit_callbacks
):
    for n in range(3):
        _deliver(client, django_capture_on_commit_callbacks, f"EVburst{n}")
    assert broker.tasks() == [(DISPATCH, [])]
    assert WebhookEvent.objects.filter(queued_at__isnull=True).count() == 3

    # The worker runs the dispatcher: it lowers the flag and queues each stored event's processing.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhook_events_dispatch() == 3
    pks = sorted(WebhookEvent.objects.values_list("pk", flat=True))
    assert broker.tasks() == [(DISPATCH, []), *[(PROCESS, [pk]) for pk in pks]]
    assert not WebhookEvent.objects.filter(queued_at__isnull=True).exists()

    # The flag is down again: the next delivery queues a dispatcher of its own.
    _deliver(client, django_capture_on_commit_callbacks, "EVafter")
    assert broker.tasks()[-1] == (DISPATCH, [])
    assert len(broker.tasks()) == 5


@needs_redis
def test_the_flag_expires_so_a_lost_dispatcher_does_not_silence_later_deliveries(
    client, broker, django_capture_on_commit_callbacks
):
    _deliver(client, django_capture_on_commit_callbacks, "EVflag")
    ttl = redis_client().ttl(services._dispatch_flag_key())
    assert 0 < ttl <= services.DISPATCH_FLAG_TTL_SECONDS


@needs_redis
def test_a_dispatcher_that_cannot_be_queued_lowers_the_flag_for_the_next_delivery(
    client, broker, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as BrokerDown

    with mock.patch.object(dispatch_webhook_events, "apply_async", side_effect=BrokerDown("Error 111 connecting")):
        _deliver(client, django_capture_on_commit_callbacks, "EVbrokerdown")
    assert not redis_client().exists(services._dispatch_flag_key())
    _deliver(client, django_capture_on_commit_callbacks, "EVbrokerback")
    assert broker.tasks() == [(DISPATCH, [])]


def test_the_dispatcher_queues_every_waiting_event_once_in_batches(django_capture_on_commit_callbacks):
    events = [
        WebhookEvent.objects.create(event_id=f"EVwaiting{n}", type="message.received", payload={}) for n in range(5)
    ]
    done = WebhookEvent.objects.create(
        event_id="EVdone", type="message.received", payload={}, status=WebhookEventStatus.PROCESSED
    )
    with django_capture_on_commit_callbacks() as queued:
        assert services.webhook_events_dispatch(batch_size=2) == 5
    assert len(queued) == 5
    assert set(WebhookEvent.objects.filter(queued_at__isnull=False).values_list("pk", flat=True)) == {
        event.pk for event in events
    }
    done.refresh_from_db()
    assert done.queued_at is None
    with django_capture_on_commit_callbacks() as queued_again:
        assert services.webhook_events_dispatch() == 0
    assert queued_again == []


def test_reprocessing_marks_the_event_queued_now(django_capture_on_commit_callbacks):
    event = WebhookEvent.objects.create(
        event_id="EVre", type="call.ringing", payload={}, status=WebhookEventStatus.IGNORED,
        queued_at=timezone.now() - timedelta(days=1),
    )
    with django_capture_on_commit_callbacks():
        services.webhook_events_requeue(events=WebhookEvent.objects.filter(pk=event.pk))
    event.refresh_from_db()
    assert event.status == WebhookEventStatus.PENDING
    assert timezone.now() - event.queued_at < timedelta(minutes=1)


def test_a_dispatcher_that_meets_a_database_hiccup_runs_again(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    # Eager runs go through Celery's retries (a propagated Retry would stop them).
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_EAGER_PROPAGATES", False)
    event = WebhookEvent.objects.create(event_id="EVhiccup", type="call.ringing", payload={})
    real_dispatch, calls = services.webhook_events_dispatch, []

    def hiccup_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_dispatch(**kwargs)

    monkeypatch.setattr(services, "webhook_events_dispatch", hiccup_once)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_webhook_events.apply()
    assert len(calls) == 2
    event.refresh_from_db()
    assert event.status == WebhookEventStatus.IGNORED and event.queued_at is not None
