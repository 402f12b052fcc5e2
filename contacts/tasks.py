"""Celery tasks of the contacts app: send the scheduled texts whose time has come."""
from __future__ import annotations

from celery import shared_task

from .services import scheduled_texts_send_due


# No automatic retry: a claimed text is never sent twice, and the next run (a minute later) takes
# whatever this one did not reach.
@shared_task(acks_late=True, ignore_result=True)
def send_due_scheduled_texts() -> dict:
    """Send every scheduled text that is due (celery-beat, every minute)."""
    return scheduled_texts_send_due()
