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


# Tries of one media copy for a passing failure (network, 5xx), 30 s, 60 s, ... apart; then the
# copy is shown as failed with the last reason.
MEDIA_COPY_MAX_RETRIES = 4


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MEDIA_COPY_MAX_RETRIES)
def copy_activity_media(self, media_id: int) -> str:
    """Copy one texted photo (or audio, video) into our storage; refusals and failures are recorded on its row."""
    from contacts.models import ActivityMedia, MediaStatus
    from contacts.services import activity_media_refuse, activity_media_store_copy

    from .media import MediaFetchFailed, MediaRefused, media_fetch

    media = ActivityMedia.objects.filter(pk=media_id).only("source_url", "status").first()
    if media is None or media.status == MediaStatus.COPIED:
        return "skipped"
    try:
        fetched = media_fetch(media.source_url)
    except MediaRefused as exc:
        activity_media_refuse(media_id=media_id, error=str(exc))
        return "refused"
    except MediaFetchFailed as exc:
        if exc.retryable and self.request.retries < self.max_retries and not self.request.is_eager:
            raise self.retry(countdown=30 * 2 ** self.request.retries) from exc
        activity_media_refuse(media_id=media_id, error=str(exc), failed=True)
        return "failed"
    activity_media_store_copy(media_id=media_id, content=fetched.content, content_type=fetched.content_type)
    return "copied"
