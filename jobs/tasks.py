"""Periodic jobs of jobs/: the follow-up rules and the reminder texts (schedules in migration 0002)."""
from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def follow_up_rules_run() -> dict:
    result = services.follow_up_rules_run()
    return {"created": result.created, "closed": result.closed}


@shared_task(acks_late=True)
def appointment_reminders_send() -> dict:
    result = services.appointment_reminders_send()
    return {"sent": result.sent, "refused": result.refused, "postponed": result.postponed}
