"""The reminder text before a visit: when it is due (6 PM the day before, the homeowner's time) and its words.

Merge fields use the campaigns' `{name|fallback}` syntax; only REMINDER_MERGE_FIELDS are allowed.
"""
from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError

# Local hour on the day before the visit at which the reminder goes out.
REMINDER_HOUR = 18

REMINDER_MERGE_FIELDS: dict[str, str] = {
    "first_name": "the homeowner's first name",
    "day": "the visit's day, e.g. “Tuesday, March 10”",
    "time_window": "the visit's time window, e.g. “9:00–10:00 AM”",
    "address": "the street address of the house",
}
DEFAULT_REMINDER = (
    "Hi {first_name|there}, this is Attack-a-Crack: a reminder of your foundation estimate on {day}, "
    "{time_window}, at {address|your home}. Reply C to confirm or call us to change it. Reply STOP to opt out."
)
DEFAULT_JOB_REMINDER = (
    "Hi {first_name|there}, this is Attack-a-Crack: our crew comes for your foundation repair on {day}, "
    "{time_window}, at {address|your home}. Reply STOP to opt out."
)

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def reminder_template_check(body: str) -> None:
    """ValidationError on `body` naming every unknown merge field."""
    unknown = []
    for match in _PLACEHOLDER.finditer(body or ""):
        name = match.group(1).partition("|")[0].strip()
        if name not in REMINDER_MERGE_FIELDS:
            unknown.append(f"“{{{name}}}” at character {match.start() + 1}")
    if unknown:
        raise ValidationError(
            {"body": "Unknown merge field " + ", ".join(unknown) + ". Use: " + ", ".join(
                f"{{{k}}}" for k in REMINDER_MERGE_FIELDS) + "."}
        )


def homeowner_zone(locale) -> ZoneInfo:
    """The homeowner's zone from their locale (contacts.send_window), else the business's."""
    return ZoneInfo(locale.zones[0] if locale.zones else settings.TIME_ZONE)


def _clock(moment: datetime.datetime) -> str:
    return moment.strftime("%I:%M").lstrip("0")


def time_window(starts_at: datetime.datetime, ends_at: datetime.datetime, zone: ZoneInfo) -> str:
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.strftime("%p") == end.strftime("%p"):
        return f"{_clock(start)}–{_clock(end)} {end.strftime('%p')}"
    return f"{_clock(start)} {start.strftime('%p')}–{_clock(end)} {end.strftime('%p')}"


def reminder_due_at(starts_at: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """6 PM, homeowner's time, on the day before the visit (as seen in their zone)."""
    day_before = starts_at.astimezone(zone).date() - datetime.timedelta(days=1)
    return datetime.datetime.combine(day_before, datetime.time(REMINDER_HOUR), zone)


def reminder_render(*, body: str, first_name: str, address: str, starts_at, ends_at, zone: ZoneInfo) -> str:
    start = starts_at.astimezone(zone)
    values = {
        "first_name": first_name,
        "day": f"{start:%A}, {start:%B} {start.day}",
        "time_window": time_window(starts_at, ends_at, zone),
        "address": address,
    }

    def fill(match: re.Match) -> str:
        name, _, fallback = match.group(1).partition("|")
        return (values.get(name.strip()) or "").strip() or fallback.strip()

    return _PLACEHOLDER.sub(fill, body)
