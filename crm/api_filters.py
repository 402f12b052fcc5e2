"""Query-parameter filters shared by the API's FilterSets."""
from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

# The widest integer column either database has (PostgreSQL bigint, SQLite INTEGER).
_BIGINT = 2**63 - 1


class IntegerFilter(filters.NumberFilter):
    """A whole number (an id, a year, dollars): anything else, or one too big to store, is a 400.

    django-filter's NumberFilter takes decimals such as 1e91, which reach the database and
    overflow it; Django skips a whole number outside a column's range by itself.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -_BIGINT)
        kwargs.setdefault("max_value", _BIGINT)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, handed to the database in UTC.

    PostgreSQL refuses UTC offsets beyond ±15:59 that ISO 8601 allows ("+17:11"); in UTC
    every valid time is fine, and one that falls outside years 1-9999 is a 400.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError("This time is out of range.", code="invalid") from None


class DateTimeFilter(filters.IsoDateTimeFilter):
    """`?updated_since=2026-03-01T12:00:00-05:00` and the like (ISO 8601)."""

    field_class = UtcIsoDateTimeField
