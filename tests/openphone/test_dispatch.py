"""From stored to queued: the receiver raises a flag, one dispatcher queues every stored event once."""
from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from crm.celery import app as celery_app
from crm.redis_client import redis_client
from openphone import services
from openphone.models import DispatchFlag, WebhookEvent, WebhookEventStatus
from openphone.tasks import dispatch_webhook_events
from tests.postgres import second_connection

from .conftest import route_webhook_tasks_to_queue
from .sender import deliver, load_event

pytestmark = pytest.mark.django_db

needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis: set REDIS_URL (CI does)")
# The flag is raised in the delivery's own statement on PostgreSQL; elsewhere every delivery dispatches.
needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the dispatch flag lives in PostgreSQL")

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
    route_webhook_tasks_to_queue(monkeypatch, queue)
    yield Broker(queue)
    redis_client().delete(queue)


def _deliver(client, capture, event_id: str) -> None:
    with capture(execute=True):
        assert deliver(client, load_event("message.received", id=event_id)).status_code == 202


def _flag_raised_at():
    return DispatchFlag.objects.get(pk=services.FLAG_PK).raised_at


@needs_postgres
@needs_redis
def test_a_burst_of_deliveries_queues_one_dispatcher_which_queues_each_event_once(
    client, broker, django_capture_on_commit_callbacks
):
    for n in range(3):
        _deliver(client, django_capture_on_commit_callbacks, f"EVburst{n}")
    assert broker.tasks() == [(DISPATCH, [])]
    assert WebhookEvent.objects.filter(queued_at__isnull=True).count() == 3
    assert _flag_raised_at() is not None

    # The worker runs the dispatcher: it lowers the flag and queues each stored event's processing.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhook_events_dispatch() == 3
    pks = sorted(WebhookEvent.objects.values_list("pk", flat=True))
    assert broker.tasks() == [(DISPATCH, []), *[(PROCESS, [pk]) for pk in pks]]
    assert not WebhookEvent.objects.filter(queued_at__isnull=True).exists()
    assert _flag_raised_at() is None

    # The flag is down again: the next delivery queues a dispatcher of its own.
    _deliver(client, django_capture_on_commit_callbacks, "EVafter")
    assert broker.tasks()[-1] == (DISPATCH, [])
    assert len(broker.tasks()) == 5


@needs_postgres
@needs_redis
def test_a_flag_left_up_too_long_is_raised_again_by_the_next_delivery(
    client, broker, django_capture_on_commit_callbacks
):
    # Its dispatcher was lost (worker killed, message dropped): after the TTL the flag counts as down.
    DispatchFlag.objects.filter(pk=services.FLAG_PK).update(
        raised_at=timezone.now() - timedelta(seconds=services.DISPATCH_FLAG_TTL_SECONDS + 1)
    )
    _deliver(client, django_capture_on_commit_callbacks, "EVafterloss")
    assert broker.tasks() == [(DISPATCH, [])]
    assert timezone.now() - _flag_raised_at() < timedelta(seconds=5)


@needs_postgres
@needs_redis
def test_a_dispatcher_that_cannot_be_queued_lowers_the_flag_for_the_next_delivery(
    client, broker, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as BrokerDown

    with mock.patch.object(dispatch_webhook_events, "apply_async", side_effect=BrokerDown("Error 111 connecting")):
        _deliver(client, django_capture_on_commit_callbacks, "EVbrokerdown")
    assert _flag_raised_at() is None
    _deliver(client, django_capture_on_commit_callbacks, "EVbrokerback")
    assert broker.tasks() == [(DISPATCH, [])]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_missing_flag_row_never_silences_deliveries(client):
    DispatchFlag.objects.all().delete()  # as a flushed table would be
    # Autocommit and in-process tasks: the dispatcher the delivery queued has run by the answer.
    assert deliver(client, load_event("message.received")).status_code == 202
    assert WebhookEvent.objects.get().status == WebhookEventStatus.PROCESSED
    assert DispatchFlag.objects.get(pk=services.FLAG_PK).raised_at is None  # the dispatcher put the row back


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_lowering_the_flag_waits_for_a_delivery_between_its_read_and_its_commit():
    # A delivery holds the shared dispatch lock from before it reads the flag until it commits.
    DispatchFlag.objects.get_or_create(pk=services.FLAG_PK)
    with second_connection() as delivery:
        delivery.execute(f"SELECT pg_advisory_xact_lock_shared({services.DISPATCH_LOCK})")
        lowered = threading.Event()

        def dispatcher():
            try:
                services._dispatch_flag_lower()
                lowered.set()
            finally:
                connections.close_all()

        thread = threading.Thread(target=dispatcher)
        thread.start()
        assert not lowered.wait(0.5)  # waiting for the delivery's commit
        delivery.commit()
        thread.join(10)
    assert lowered.is_set()


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


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_delivery_reads_the_flag_only_after_a_dispatcher_lowering_it_is_done(client):
    # The dispatcher holds the exclusive dispatch lock while it lowers the flag: a delivery arriving
    # meanwhile waits, then finds the flag down and queues a dispatcher of its own.
    DispatchFlag.objects.update_or_create(pk=services.FLAG_PK, defaults={"raised_at": timezone.now()})
    answered = threading.Event()
    with second_connection() as dispatcher:
        dispatcher.execute(f"SELECT pg_advisory_xact_lock({services.DISPATCH_LOCK})")
        dispatcher.execute("UPDATE openphone_dispatchflag SET raised_at = NULL")

        def delivery():
            try:
                assert deliver(client, load_event("message.received")).status_code == 202
                answered.set()
            finally:
                connections.close_all()

        thread = threading.Thread(target=delivery)
        thread.start()
        assert not answered.wait(0.5)  # waiting for the dispatcher's commit
        dispatcher.commit()
        thread.join(10)
    assert answered.is_set()
    # It raised the flag again and (tasks in-process here) its dispatcher ran and lowered it.
    assert WebhookEvent.objects.get().status == WebhookEventStatus.PROCESSED
