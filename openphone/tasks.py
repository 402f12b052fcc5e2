"""Celery tasks for inbound OpenPhone events: process one stored event; sweep up the ones left pending."""
from __future__ import annotations

from celery import shared_task

from . import services

# Retries of one queued run for a passing failure, with exponential backoff capped at
# RETRY_BACKOFF_MAX seconds (1, 2, 4, ... 600 s: about an hour in all). The event's own
# `attempts` counter (services.MAX_ATTEMPTS) bounds the total across runs and sweeps.
MAX_RETRIES = 7
RETRY_BACKOFF_MAX = 600


# ignore_result: the outcome is recorded on the WebhookEvent row, not in a result table row per event.
@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def process_webhook_event(self, event_pk: int) -> str:
    """Process one stored WebhookEvent (idempotent: a processed event is skipped)."""
    return services.webhook_event_process(event_pk=event_pk)


# A dispatcher that fails for a passing reason (database unavailable) tries again soon; the next
# delivery or the sweep would start another anyway.
DISPATCH_MAX_RETRIES = 3


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=DISPATCH_MAX_RETRIES,
)
def dispatch_webhook_events() -> int:
    """Queue one processing task per stored event not queued yet (the receiver queues this task)."""
    return services.webhook_events_dispatch()


@shared_task(acks_late=True, ignore_result=True)
def sweep_pending_webhook_events() -> int:
    """Queue the events no dispatcher queued, and again those still pending long after (django-celery-beat)."""
    return services.webhook_events_dispatch() + services.webhook_events_requeue_stale()


# The copy of texted photos lives with its fetcher (openphone/media.py), which imports neither these
# tasks nor the event services, so the webhook handlers can queue it without an import cycle.
from .media import copy_activity_media  # noqa: E402,F401
