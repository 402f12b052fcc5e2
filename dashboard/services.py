"""Writes of the dashboard: storing a month's report."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import MonthlyReport
from .reports import monthly_report_csv
from .selectors import monthly_figures


def monthly_report_store(*, month: dt.date) -> MonthlyReport:
    """Compute the month's figures and keep them as CSV; running it again replaces the stored copy."""
    first = month.replace(day=1)
    content = monthly_report_csv(monthly_figures(month=first))
    with transaction.atomic():
        report, _ = MonthlyReport.objects.update_or_create(
            month=first, defaults={"generated_at": timezone.now(), "csv_content": content}
        )
    return report
