"""Writes for inbound OpenPhone events: store a delivery, process it once, re-queue what was left behind.

Also where a call's separate events (call, recording, summary, transcript) meet, in any order.
"""
from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from contacts.models import Activity, Contact
from contacts.services import activity_record

from .models import CallDetails, WebhookEvent, WebhookEventStatus

logger = logging.getLogger(__name__)

# An event failing for a passing reason (database hiccup, OpenPhone 5xx) is tried this many
# times in all before it is marked failed; Celery's backoff spreads them over about an hour.
MAX_ATTEMPTS = 8
# A pending event older than this was lost on its way through the queue (or its worker died):
# well past the retry backoff of a healthy queue, short enough that a reply is not noticed late.
SWEEP_PENDING_AFTER = timedelta(minutes=10)
# Events re-queued by one sweep; the next sweep takes the rest.
SWEEP_BATCH_SIZE = 500


class TransientEventError(Exception):
    """Processing failed for a reason that may pass (OpenPhone unreachable, ...): try again later."""


# Errors worth retrying: the database or a service was unavailable, not the event's fault.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, TransientEventError)


def _queue(event_pk: int) -> None:
    from .tasks import process_webhook_event

    # No publish retries: with the broker down the caller (a webhook delivery waiting for its
    # answer) fails fast; the event is stored and the sweep queues it again.
    process_webhook_event.apply_async((event_pk,), retry=False)


def _queue_on_commit(event_pk: int) -> None:
    # robust: if the broker is down the event is already stored and the sweep queues it later;
    # the delivery must still be acknowledged. (A named function, not a partial: Django names the
    # callback when it logs a robust failure.)
    def queue_processing() -> None:
        _queue(event_pk)

    transaction.on_commit(queue_processing, robust=True)


# --- Receiving -----------------------------------------------------------------------------------

def _insert_event_if_new(*, event_id: str, type: str, payload: dict) -> int | None:
    """Insert the event unless its id is stored already; its new primary key, or None for a redelivery.

    One statement (INSERT ... ON CONFLICT DO NOTHING RETURNING), so it is a transaction by itself in
    autocommit mode: one round trip on the hot path, and a redelivery raises no error to roll back.
    """
    meta = WebhookEvent._meta
    values = {
        "event_id": event_id,
        "type": type,
        "payload": payload,
        "received_at": timezone.now(),
        "status": WebhookEventStatus.PENDING,
        "attempts": 0,
        "last_error": "",
    }
    qn = connection.ops.quote_name
    columns = [meta.get_field(name) for name in values]
    # Only quoted identifiers from the model's own metadata are interpolated; values are parameters.
    table, pk, key = qn(meta.db_table), qn(meta.pk.column), qn(meta.get_field("event_id").column)
    names, marks = ", ".join(qn(f.column) for f in columns), ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING RETURNING {pk}"  # noqa: S608
    params = [f.get_db_prep_save(values[f.name], connection) for f in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def webhook_event_record(*, event_id: str, type: str, payload: dict) -> tuple[WebhookEvent | None, bool]:
    """Store a delivery and queue its processing once committed; returns (event, created).

    A redelivery of a stored event id creates nothing and queues nothing: (None, False).
    """
    pk = _insert_event_if_new(event_id=event_id, type=type, payload=payload)
    if pk is None:
        return None, False
    _queue_on_commit(pk)
    return WebhookEvent(pk=pk, event_id=event_id, type=type, payload=payload), True


def webhook_events_requeue(*, events: QuerySet[WebhookEvent]) -> int:
    """Queue the events again through the normal task (admin "Reprocess"); returns how many.

    Processed, failed and ignored events go back to pending first, so the task runs their
    handler again (handlers are idempotent); attempts and the last error are kept.
    """
    with transaction.atomic():
        pks = list(events.values_list("pk", flat=True))
        WebhookEvent.objects.filter(pk__in=pks).exclude(status=WebhookEventStatus.PENDING).update(
            status=WebhookEventStatus.PENDING, processed_at=None
        )
        for pk in pks:
            _queue_on_commit(pk)
    return len(pks)


def webhook_events_requeue_stale(
    *, older_than: timedelta = SWEEP_PENDING_AFTER, limit: int = SWEEP_BATCH_SIZE
) -> int:
    """Queue again the events still pending `older_than` after they arrived, oldest first."""
    cutoff = timezone.now() - older_than
    pks = list(
        WebhookEvent.objects.filter(status=WebhookEventStatus.PENDING, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pks:
        _queue(pk)
    if pks:
        logger.warning("Re-queued %d OpenPhone webhook event(s) left pending", len(pks))
    return len(pks)


# --- Processing ----------------------------------------------------------------------------------

def webhook_event_process(*, event_pk: int) -> str:
    """Run the handler for one stored event, at most one worker at a time; returns what happened.

    The event row stays locked while its handler runs, in the same transaction as the handler's
    writes: the handler's work and the event's new status are committed together or not at all.
    An event another worker holds is skipped ("busy"); one already processed or ignored is left
    alone. A handler error marks the event failed with its traceback; a transient error keeps it
    pending (failed after MAX_ATTEMPTS) and is raised again so the task retries with backoff.
    """
    from .handlers import handler_for

    transient: Exception | None = None
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=event_pk).first()
        if event is None:
            return "busy"
        if event.status in (WebhookEventStatus.PROCESSED, WebhookEventStatus.IGNORED):
            return f"already {event.status}"
        event.attempts += 1
        handler = handler_for(event.type)
        if handler is None:
            event.status = WebhookEventStatus.IGNORED
            event.processed_at = timezone.now()
            event.last_error = ""
        else:
            try:
                with transaction.atomic():
                    handler(event.payload)
            except TRANSIENT_ERRORS as exc:
                transient = exc
                event.last_error = traceback.format_exc()
                gave_up = event.attempts >= MAX_ATTEMPTS
                event.status = WebhookEventStatus.FAILED if gave_up else WebhookEventStatus.PENDING
                logger.warning(
                    "OpenPhone event %s (%s) attempt %d failed for now: %s",
                    event.event_id, event.type, event.attempts, exc.__class__.__name__,
                )
                if gave_up:
                    transient = None
            except Exception as exc:
                event.status = WebhookEventStatus.FAILED
                event.last_error = traceback.format_exc()
                # Only the error's class: its message may quote a phone number or a text; the
                # full error is on the event row for the admin.
                logger.warning(
                    "OpenPhone event %s (%s) failed: %s", event.event_id, event.type, exc.__class__.__name__
                )
            else:
                event.status = WebhookEventStatus.PROCESSED
                event.processed_at = timezone.now()
                event.last_error = ""
        event.save(update_fields=["status", "attempts", "last_error", "processed_at"])
    if transient is not None:
        raise transient
    return event.status


# --- Calls: the call and its recording, summary and transcript, in any order ----------------------

def _call_details_locked(call_id: str) -> CallDetails:
    """The call's meeting row, created if needed and locked until the caller's transaction ends."""
    details, _ = CallDetails.objects.select_for_update().get_or_create(call_id=call_id)
    return details


def _activity_fill(activity: Activity, **details) -> Activity:
    """Record details on an existing call activity through the shared service (fills only what is empty)."""
    details = {name: value for name, value in details.items() if value}
    if not details:
        return activity
    line = activity.conversation.phone_number_id if activity.conversation_id else settings.OPENPHONE_PHONE_NUMBER_ID
    updated, _ = activity_record(
        contact=activity.contact,
        kind=activity.kind,
        direction=activity.direction,
        openphone_id=activity.openphone_id,
        occurred_at=activity.occurred_at,
        phone_number_id=line,
        **details,
    )
    return updated


def call_record(
    *,
    call_id: str,
    contact: Contact,
    kind: str,
    direction: str,
    occurred_at: datetime,
    phone_number_id: str,
    status: str,
    duration_seconds: int | None,
    recording_url: str = "",
    openphone_conversation_id: str | None = None,
) -> tuple[Activity, bool]:
    """Record a finished call (or voicemail) with whatever recording, summary, transcript was held for it."""
    with transaction.atomic():
        details = _call_details_locked(call_id)
        activity, created = activity_record(
            contact=contact,
            kind=kind,
            direction=direction,
            openphone_id=call_id,
            occurred_at=occurred_at,
            phone_number_id=phone_number_id,
            status=status,
            duration_seconds=duration_seconds,
            recording_url=recording_url or details.recording_url or None,
            summary=details.summary or None,
            transcript=details.transcript or None,
            openphone_conversation_id=openphone_conversation_id,
        )
        if details.activity_id != activity.pk:
            details.activity = activity
            details.save(update_fields=["activity", "updated_at"])
    return activity, created


def call_details_attach(
    *, call_id: str, recording_url: str = "", summary: str = "", transcript: str = ""
) -> Activity | None:
    """Attach a recording, summary or transcript to the call; held until the call is recorded.

    Returns the call activity when it already exists (and now carries the details), else None.
    """
    with transaction.atomic():
        details = _call_details_locked(call_id)
        changed = []
        for name, value in (("recording_url", recording_url), ("summary", summary), ("transcript", transcript)):
            if value and not getattr(details, name):
                setattr(details, name, value)
                changed.append(name)
        activity = details.activity
        if activity is None:
            # The call may have been recorded by another path (history sync) without this row.
            activity = Activity.objects.filter(openphone_id=call_id).select_related("conversation").first()
            if activity is not None:
                details.activity = activity
                changed.append("activity")
        if changed:
            details.save(update_fields=[*changed, "updated_at"])
        if activity is None:
            return None
        return _activity_fill(activity, recording_url=recording_url, summary=summary, transcript=transcript)
