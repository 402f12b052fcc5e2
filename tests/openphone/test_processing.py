"""Processing stored events: status and error bookkeeping, retries, locking, the sweep and its schedule."""
from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from contacts.models import Activity, Conversation
from crm.celery import app as celery_app
from openphone import handlers, services
from openphone.models import CallDetails, WebhookEvent, WebhookEventStatus
from openphone.tasks import process_webhook_event, sweep_pending_webhook_events
from tests.factories import ContactFactory

from .sender import load_event

needs_row_locks = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks (FOR UPDATE, lock_timeout) need PostgreSQL"
)


def _stored(name: str, **changes) -> WebhookEvent:
    payload = load_event(name, **changes)
    return WebhookEvent.objects.create(event_id=payload["id"], type=payload["type"], payload=payload)


@pytest.fixture
def eager_retries(monkeypatch):
    """Let eager runs go through Celery's retries (a propagated Retry would stop them); a worker spaces them with backoff."""
    # Settings reach Celery under the CELERY_ namespace: that is the key to change.
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_EAGER_PROPAGATES", False)


@pytest.fixture
def flaky_handler(monkeypatch, eager_retries):
    """Registers a handler for type `test.flaky` failing transiently `failures` times, then succeeding."""
    calls = []

    def install(failures: int):
        def handler(payload):
            calls.append(payload["id"])
            if len(calls) <= failures:
                raise services.TransientEventError("OpenPhone answered 503")

        monkeypatch.setitem(handlers.HANDLERS, "test.flaky", handler)
        return calls

    return install


@pytest.mark.django_db
def test_handler_error_marks_failed_with_traceback_and_counts_the_attempt(fake_openphone):
    event = _stored("call.completed.no-participants")  # and OpenPhone has no such call: 404
    assert process_webhook_event.apply(args=[event.pk]).get() == "failed"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.processed_at) == (WebhookEventStatus.FAILED, 1, None)
    assert event.last_error.startswith("Traceback (most recent call last)")
    assert "PayloadError" in event.last_error


@pytest.mark.django_db
def test_failed_event_can_succeed_later_and_clears_its_error(fake_openphone):
    event = _stored("call.completed.no-participants")  # and OpenPhone has no such call: 404
    process_webhook_event.apply(args=[event.pk])
    payload = event.payload
    payload["data"]["object"]["participants"] = ["+16175550123", "+16175550100"]
    WebhookEvent.objects.filter(pk=event.pk).update(payload=payload)
    services.webhook_events_requeue(events=WebhookEvent.objects.filter(pk=event.pk))
    process_webhook_event.apply(args=[event.pk])
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (WebhookEventStatus.PROCESSED, 2, "")
    assert Activity.objects.get().openphone_id == "ACf00dfeed000000000000000000000004"


@pytest.mark.django_db
def test_transient_failure_is_retried_with_the_attempt_recorded(flaky_handler):
    calls = flaky_handler(failures=2)
    event = WebhookEvent.objects.create(event_id="EVflaky1", type="test.flaky", payload={"id": "EVflaky1"})
    assert process_webhook_event.apply(args=[event.pk]).get() == "processed"
    event.refresh_from_db()
    assert (event.status, event.attempts, len(calls)) == (WebhookEventStatus.PROCESSED, 3, 3)


@pytest.mark.django_db
def test_transient_failure_gives_up_after_max_attempts(flaky_handler):
    calls = flaky_handler(failures=100)
    event = WebhookEvent.objects.create(event_id="EVflaky2", type="test.flaky", payload={"id": "EVflaky2"})
    assert process_webhook_event.apply(args=[event.pk]).get() == "failed"
    event.refresh_from_db()
    assert (event.status, event.attempts, len(calls)) == (WebhookEventStatus.FAILED, services.MAX_ATTEMPTS, 8)
    assert "TransientEventError: OpenPhone answered 503" in event.last_error


@pytest.mark.django_db
def test_transient_failure_leaves_the_event_pending_for_the_next_try(flaky_handler):
    flaky_handler(failures=1)
    event = WebhookEvent.objects.create(event_id="EVflaky3", type="test.flaky", payload={"id": "EVflaky3"})
    with pytest.raises(services.TransientEventError):
        services.webhook_event_process(event_pk=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookEventStatus.PENDING, 1)
    assert "TransientEventError" in event.last_error


@pytest.mark.django_db
def test_processed_event_is_skipped():
    event = _stored("message.received")
    assert services.webhook_event_process(event_pk=event.pk) == "processed"
    assert services.webhook_event_process(event_pk=event.pk) == "already processed"
    event.refresh_from_db()
    assert event.attempts == 1


@pytest.mark.django_db
def test_unknown_event_pk_is_harmless():
    assert services.webhook_event_process(event_pk=987654) == "busy"


# --- Sweep ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_sweep_queues_events_never_queued_and_again_those_queued_long_ago_still_pending(
    django_capture_on_commit_callbacks,
):
    long_ago = timezone.now() - services.SWEEP_PENDING_AFTER - datetime.timedelta(seconds=1)
    never_queued = _stored("message.received")
    lost = _stored("message.received", id="EVlostlongago")
    recent = _stored("message.delivered")
    failed = _stored("call.completed.no-participants", id="EVfailedold")
    WebhookEvent.objects.filter(pk=failed.pk).update(status=WebhookEventStatus.FAILED, queued_at=long_ago)
    WebhookEvent.objects.filter(pk=lost.pk).update(queued_at=long_ago)
    WebhookEvent.objects.filter(pk=recent.pk).update(queued_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_pending_webhook_events.apply().get() == 2
    statuses = dict(WebhookEvent.objects.values_list("pk", "status"))
    assert statuses == {never_queued.pk: "processed", lost.pk: "processed", recent.pk: "pending", failed.pk: "failed"}


@pytest.mark.django_db
def test_sweep_is_scheduled_in_the_database_and_editable():
    task = PeriodicTask.objects.get(task="openphone.tasks.sweep_pending_webhook_events")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")
    celery_app.loader.import_default_modules()
    assert task.task in celery_app.tasks


# --- Concurrency (real row locks) ---------------------------------------------------------------------

def _in_thread(target, *args):
    errors = []

    def run():
        try:
            target(*args)
        except Exception as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_event_held_by_another_worker_is_skipped_not_waited_for():
    event = _stored("message.received")
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            WebhookEvent.objects.select_for_update().get(pk=event.pk)
            locked.set()
            release.wait(10)

    thread, errors = _in_thread(hold)
    assert locked.wait(10)
    try:
        assert services.webhook_event_process(event_pk=event.pk) == "busy"
    finally:
        release.set()
        thread.join()
    assert errors == []
    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookEventStatus.PENDING, 0)
    assert services.webhook_event_process(event_pk=event.pk) == "processed"


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_lock_timeout_is_a_transient_failure_retried_then_recorded(eager_retries):
    """A real PostgreSQL lock timeout while the conversation row is held elsewhere."""
    ContactFactory(phone="+16175550123")
    event = _stored("message.received")
    services.webhook_event_process(event_pk=event.pk)  # creates the conversation
    second = _stored("message.received", id="EVsecondtext")
    second.payload["data"]["object"].update(id="ACsecondtext", createdAt="2026-01-01T00:05:00Z")
    WebhookEvent.objects.filter(pk=second.pk).update(payload=second.payload)
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            Conversation.objects.select_for_update().get()
            locked.set()
            release.wait(20)

    thread, errors = _in_thread(hold)
    assert locked.wait(10)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '50ms'")
        process_webhook_event.apply(args=[second.pk])
        second.refresh_from_db()
        assert (second.status, second.attempts) == (WebhookEventStatus.FAILED, services.MAX_ATTEMPTS)
        assert "LockNotAvailable" in second.last_error
        assert not Activity.objects.filter(openphone_id="ACsecondtext").exists()
    finally:
        release.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert errors == []
    services.webhook_events_requeue(events=WebhookEvent.objects.filter(pk=second.pk))
    second.refresh_from_db()
    assert second.status == WebhookEventStatus.PROCESSED  # queued on commit, run eagerly
    assert Activity.objects.filter(openphone_id="ACsecondtext").exists()


@needs_row_locks
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_call_events_processed_at_the_same_time_meet(round_):
    call_id = f"ACconcurrent{round_}"
    events = []
    for name in ["call.completed", "call.recording.completed", "call.summary.completed", "call.transcript.completed"]:
        payload = load_event(name, id=f"EV{round_}{name}")
        key = "id" if name in ("call.completed", "call.recording.completed") else "callId"
        payload["data"]["object"][key] = call_id
        events.append(WebhookEvent.objects.create(event_id=payload["id"], type=name, payload=payload))
    start = threading.Barrier(len(events))

    def process(pk):
        start.wait(10)
        services.webhook_event_process(event_pk=pk)

    threads = [_in_thread(process, event.pk) for event in events]
    for thread, _ in threads:
        thread.join()
    assert [e for _, errors in threads for e in errors] == []
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"processed"}
    activity = Activity.objects.get(openphone_id=call_id)
    assert activity.recording_url and activity.summary and activity.transcript and activity.duration_seconds == 76
    assert CallDetails.objects.get(call_id=call_id).activity == activity
