"""Office hours arithmetic: "answer within 2 business hours" and speed to lead count only these.

Monday to Friday, BUSINESS_HOURS_START to BUSINESS_HOURS_END in the business time zone.
"""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime] | None:
    if day.weekday() >= 5:
        return None
    zone = _zone()
    return (
        datetime.datetime.combine(day, datetime.time(settings.BUSINESS_HOURS_START), zone),
        datetime.datetime.combine(day, datetime.time(settings.BUSINESS_HOURS_END), zone),
    )


def business_seconds_between(start: datetime.datetime, end: datetime.datetime) -> float:
    """Seconds of office hours between two moments (0 when end is not after start)."""
    if end <= start:
        return 0.0
    zone = _zone()
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    total = 0.0
    while day <= last:
        bounds = _day_bounds(day)
        if bounds:
            lo, hi = max(start, bounds[0]), min(end, bounds[1])
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += datetime.timedelta(days=1)
    return total


def add_business_hours(start: datetime.datetime, hours: float) -> datetime.datetime:
    """The moment `hours` of office hours after `start`."""
    remaining = datetime.timedelta(hours=hours)
    zone = _zone()
    day = start.astimezone(zone).date()
    while True:
        bounds = _day_bounds(day)
        if bounds:
            lo = max(start, bounds[0])
            if bounds[1] > lo:
                available = bounds[1] - lo
                if remaining <= available:
                    return lo + remaining
                remaining -= available
        day += datetime.timedelta(days=1)
