"""Celery tasks of campaigns: the periodic dispatcher run (scheduled by celery-beat, see migration 0004)."""
from __future__ import annotations

from celery import shared_task

from .services import campaign_dispatch


@shared_task(name="campaigns.tasks.dispatch_campaign_batches", acks_late=True)
def dispatch_campaign_batches(campaign_id: int | None = None) -> dict:
    """Run one dispatch (reconcile, then each running campaign's batch) and return its summary.

    No automatic retry: a run that fails leaves every membership pending or `sending`
    (reconciled next time), and beat starts the next run ten minutes later anyway.
    Overlapping runs are safe (SKIP LOCKED claims, caps counted under a lock).
    """
    return campaign_dispatch(campaign_id=campaign_id).as_dict()
