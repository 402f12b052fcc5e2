"""Periodic work of the dashboard: the monthly report (scheduled by migration 0002 on the 1st)."""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from .reports import parse_month, previous_month
from .selectors import business_today
from .services import monthly_report_store

logger = logging.getLogger(__name__)


@shared_task(
    name="dashboard.tasks.monthly_report_generate",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def monthly_report_generate(month: str | None = None) -> str:
    """Store the report for `month` (YYYY-MM), by default the month that just ended in the business zone."""
    first = parse_month(month) if month else previous_month(business_today())
    report = monthly_report_store(month=first)
    logger.info("Stored monthly report for %s", f"{report.month:%Y-%m}")
    return f"{report.month:%Y-%m}"
