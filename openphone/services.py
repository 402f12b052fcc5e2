"""Writes for inbound OpenPhone events: store a delivery, process it once, re-queue what was left behind.

Also where a call's separate events (call, recording, summary, transcript) meet, in any order.
"""
from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from crm.queueing import task_named

from .errors import TransientEventError
from .handlers import handler_for
from .models import DispatchFlag, WebhookEvent, WebhookEventStatus

logger = logging.getLogger(__name__)

# An event failing for a passing reason (database hiccup, OpenPhone 5xx) is tried this many
# times in all before it is marked failed; Celery's backoff spreads them over about an hour.
MAX_ATTEMPTS = 8
# An event queued this long ago and still pending lost its queue message (or its worker died):
# well past the first retries of a healthy queue, short enough that a reply is not noticed late.
SWEEP_PENDING_AFTER = timedelta(minutes=10)
# Events re-queued by one sweep; the next sweep takes the rest.
SWEEP_BATCH_SIZE = 500


# Errors worth retrying: the database or a service was unavailable, not the event's fault.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, TransientEventError)

# Tries to store one delivery: a second on a new connection when the kept one was dropped.
INSERT_ATTEMPTS = 2
# Events handed to the queue per dispatcher transaction: one SELECT ... FOR UPDATE and one UPDATE
# each, so a backlog of thousands after an outage goes out in a few quick transactions.
DISPATCH_BATCH_SIZE = 500
# How long a raised dispatch flag lasts if its dispatcher never runs (worker down, message lost).
# After it, the next delivery queues a dispatcher again; the sweep catches the rest meanwhile.
DISPATCH_FLAG_TTL_SECONDS = 60


def _queue(event_pk: int) -> None:
    process_webhook_event = task_named("openphone.tasks.process_webhook_event")
    # No publish retries: with the broker down the caller fails fast; the event is stored and the
    # sweep queues it again. No queue declaration per message either: Redis needs none.
    process_webhook_event.apply_async((event_pk,), retry=False, declare=[])


def _queue_on_commit(event_pk: int) -> None:
    # robust: if the broker is down the event is already stored and the sweep queues it later.
    # (A named function, not a partial: Django names the callback when it logs a robust failure.)
    def queue_processing() -> None:
        _queue(event_pk)

    transaction.on_commit(queue_processing, robust=True)


# --- Dispatch: from "stored" to "queued" ----------------------------------------------------------
#
# A delivery is answered as soon as it is stored. Queueing a Celery task costs more CPU than the
# insert (~0.5 ms), and every extra round trip costs a busy machine far more than its own work, so a
# delivery neither queues a task of its own nor asks anyone else: the statement that stores it also
# raises a flag (one row, DispatchFlag) if it is down, and only the delivery that raised it queues a
# dispatcher task. The dispatcher lowers the flag first and then queues every stored event not yet
# queued, one processing task per event; under load one dispatcher queues hundreds of events.
#
# No event may be stored after the dispatcher has looked and still find the flag up. So a delivery
# takes a shared advisory lock before the statement that reads the flag (its own snapshot is taken
# after the lock), and the dispatcher lowers the flag under the exclusive lock: it waits for the
# deliveries in flight, whose events its next read then sees, and deliveries after it find the flag
# down and raise it again.

# The advisory lock (per database) between deliveries (shared) and a dispatcher lowering the flag,
# named like the importer's batch lock (properties/importers/merge.py) so the keys stay apart.
DISPATCH_LOCK = "hashtext('crm.openphone.webhook-dispatch')"
FLAG_PK = 1


def _dispatch_soon() -> None:
    """Queue a dispatcher; if that fails, lower the flag so the next delivery tries again."""
    try:
        task_named("openphone.tasks.dispatch_webhook_events").apply_async(retry=False, declare=[])
    except Exception:
        DispatchFlag.objects.filter(pk=FLAG_PK).update(raised_at=None)
        raise


def _dispatch_on_commit() -> None:
    # robust: with the broker down the event is stored; the sweep dispatches it.
    def dispatch_stored_events() -> None:
        _dispatch_soon()

    transaction.on_commit(dispatch_stored_events, robust=True)


def _dispatch_flag_lower() -> None:
    """Lower the flag once no delivery is between reading it and committing (PostgreSQL)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT pg_advisory_xact_lock({DISPATCH_LOCK})")
        if not DispatchFlag.objects.filter(pk=FLAG_PK).update(raised_at=None):
            DispatchFlag.objects.get_or_create(pk=FLAG_PK)  # a flushed table (tests): back to one row


def _insert_sql(table: str, names: str, marks: str, pk: str, key: str) -> str:
    """The delivery's statements, sent as one message (a transaction of their own in autocommit).

    Several statements in one message need the simple query protocol, which Django's default
    client-side binding uses (DATABASES OPTIONS without `server_side_binding`).

    PostgreSQL: take the shared dispatch lock, then insert and, if this delivery is new and the flag
    is down (or raised so long ago that its dispatcher was lost), raise it. The answer row: the new
    id (or NULL), whether this delivery raised the flag, whether the flag row is missing.
    """
    qn = connection.ops.quote_name
    flag = qn(DispatchFlag._meta.db_table)
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING RETURNING {pk}"  # noqa: S608
    if connection.vendor != "postgresql":
        return insert
    # Identifiers from model metadata and integer constants only.
    return (
        f"SELECT pg_advisory_xact_lock_shared({DISPATCH_LOCK}); "  # noqa: S608
        f"WITH ins AS ({insert}), raised AS ("
        f"UPDATE {flag} SET raised_at = now() WHERE id = {FLAG_PK} AND EXISTS (SELECT 1 FROM ins) "
        f"AND (raised_at IS NULL OR raised_at < now() - make_interval(secs => {DISPATCH_FLAG_TTL_SECONDS})) "
        f"RETURNING 1) "
        f"SELECT (SELECT {pk} FROM ins), EXISTS (SELECT 1 FROM raised), "
        f"NOT EXISTS (SELECT 1 FROM {flag} WHERE id = {FLAG_PK})"
    )


def _insert_event_if_new(
    *, event_id: str, type: str, payload: dict, payload_text: str | None
) -> tuple[int | None, bool]:
    """Insert the event unless its id is stored already: (new primary key or None, queue a dispatcher?).

    One round trip on the hot path (see _insert_sql), a transaction by itself in autocommit mode,
    and a redelivery raises no error to roll back. `payload_text` (the body as received) is stored
    as it is instead of serializing `payload` again. Without PostgreSQL every new event queues a
    dispatcher (tasks run in-process there).
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
    # Only quoted identifiers from the models' own metadata and constants are interpolated; values
    # are parameters.
    sql = _insert_sql(
        qn(meta.db_table), ", ".join(qn(f.column) for f in columns), ", ".join(["%s"] * len(columns)),
        qn(meta.pk.column), qn(meta.get_field("event_id").column),
    )
    params = [
        payload_text if f.name == "payload" and payload_text is not None else f.get_db_prep_save(values[f.name], connection)
        for f in columns
    ]
    if not connection.in_atomic_block:
        # Django's per-request health check (CONN_HEALTH_CHECKS: a `SELECT 1` before the first query)
        # would cost every delivery a second round trip; this insert recovers from a dropped
        # connection by itself, below.
        connection.health_check_done = True
    attempt = 1
    while True:
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                if connection.vendor != "postgresql":
                    row = cursor.fetchone()
                    return (row[0], True) if row else (None, False)
                cursor.nextset()  # past the lock's empty result
                pk, raised, flag_missing = cursor.fetchone()
                return pk, pk is not None and (raised or flag_missing)
        except (OperationalError, InterfaceError):
            # A kept connection the database dropped (restart, failover) fails its first statement.
            # The insert is idempotent: try once more on a new connection, unless a caller's
            # transaction is open (its earlier work would be lost with the connection).
            if attempt >= INSERT_ATTEMPTS or connection.in_atomic_block:
                raise
            logger.warning("OpenPhone webhook: database connection lost; storing again on a new one")
            connection.close()
            attempt += 1


def webhook_event_record(*, event_id: str, type: str, payload: dict, payload_text: str | None = None) -> int | None:
    """Store a delivery and, once committed, see that a dispatcher queues it; the new event's pk.

    `payload_text`: the same event as JSON text, when the caller has it (the request body).
    A redelivery of a stored event id creates nothing, queues nothing and returns None.
    """
    pk, queue_dispatcher = _insert_event_if_new(
        event_id=event_id, type=type, payload=payload, payload_text=payload_text
    )
    if queue_dispatcher:
        _dispatch_on_commit()
    return pk


def _pending_events_queue(*, limit: int, **filters) -> int:
    """Lock up to `limit` pending events matching `filters` (oldest first, skipping rows another
    transaction holds), stamp them queued and queue their processing on commit; returns how many."""
    with transaction.atomic():
        pks = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(status=WebhookEventStatus.PENDING, **filters)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        WebhookEvent.objects.filter(pk__in=pks).update(queued_at=timezone.now())
        for pk in pks:
            _queue_on_commit(pk)
    return len(pks)


def webhook_events_dispatch(*, batch_size: int = DISPATCH_BATCH_SIZE) -> int:
    """Queue processing for every stored event not queued yet, oldest first; returns how many.

    Safe to run concurrently: each batch locks its rows (SKIP LOCKED), marks them queued and queues
    their tasks when it commits, so no event is queued by two dispatchers.
    """
    _dispatch_flag_lower()  # before reading: an event stored later raises the flag again
    total = 0
    while True:
        queued = _pending_events_queue(limit=batch_size, queued_at__isnull=True)
        total += queued
        if queued < batch_size:
            return total


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
        WebhookEvent.objects.filter(pk__in=pks).update(queued_at=timezone.now())
        for pk in pks:
            _queue_on_commit(pk)
    return len(pks)


def webhook_events_requeue_stale(
    *, older_than: timedelta = SWEEP_PENDING_AFTER, limit: int = SWEEP_BATCH_SIZE
) -> int:
    """Queue again the events queued more than `older_than` ago and still pending, oldest first.

    Their queue message was lost or their worker died (or their retries are still running: the
    task skips an event another worker holds and leaves a processed one alone).
    """
    queued = _pending_events_queue(limit=limit, queued_at__lt=timezone.now() - older_than)
    if queued:
        logger.warning("Re-queued %d OpenPhone webhook event(s) left pending", queued)
    return queued


# --- Processing ----------------------------------------------------------------------------------

def webhook_event_process(*, event_pk: int) -> str:
    """Run the handler for one stored event, at most one worker at a time; returns what happened.

    The event row stays locked while its handler runs, in the same transaction as the handler's
    writes: the handler's work and the event's new status are committed together or not at all.
    An event another worker holds is skipped ("busy"); one already processed or ignored is left
    alone. A handler error marks the event failed with its traceback; a transient error keeps it
    pending (failed after MAX_ATTEMPTS) and is raised again so the task retries with backoff.
    """
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


