"""Stored monthly reports: the CSV produced on the first of each month, kept for download."""
from __future__ import annotations

from django.db import models


class MonthlyReport(models.Model):
    """One month's figures per campaign and overall, as the CSV managers download."""

    month = models.DateField(unique=True, help_text="First day of the month the report covers.")
    generated_at = models.DateTimeField(help_text="When the figures were computed; a rerun replaces them.")
    csv_content = models.TextField(help_text="The report as CSV (UTF-8), exactly as downloaded.")

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"Monthly report {self.month:%Y-%m}"

    @property
    def filename(self) -> str:
        return f"attack-a-crack-report-{self.month:%Y-%m}.csv"
