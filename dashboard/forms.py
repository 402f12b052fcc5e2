"""The date-range selector of the dashboard's period figures."""
from __future__ import annotations

import datetime as dt

from django import forms

from .selectors import Period

# A year of days keeps the chart readable and the aggregate cheap.
MAX_RANGE_DAYS = 366


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["end"].widget.attrs["max"] = today.isoformat()
        self.fields["start"].widget.attrs["max"] = today.isoformat()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError("“From” must be on or before “To”.", code="reversed")
            if end > self.today:
                self.add_error("end", f"“To” cannot be after today ({self.today:%b %-d, %Y}).")
            elif (end - start).days + 1 > MAX_RANGE_DAYS:
                raise forms.ValidationError(
                    f"Choose at most {MAX_RANGE_DAYS} days; this range has {(end - start).days + 1}.",
                    code="too_long",
                )
        return cleaned

    def period(self) -> Period:
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        return Period(start=start, end=end, label=f"{start:%b %-d, %Y} – {end:%b %-d, %Y}")
