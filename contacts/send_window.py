"""When a homeowner may be texted: the legal window of their state, in their own time zone.

The federal rule allows 8:00–21:00 local time; some states are stricter. The table below is
the one place those hours live. Where a person's state or zone is uncertain, every
candidate must allow the text, so doubt always means "not now".
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import geocoder
from phonenumbers import timezone as phone_timezone

FEDERAL_WINDOW = (datetime.time(8, 0), datetime.time(21, 0))

# States whose own telemarketing/texting laws end (or start) the day sooner than the federal rule.
# Keep this table small and reviewed: it is the only place these hours live.
STATE_WINDOWS: dict[str, tuple[datetime.time, datetime.time]] = {
    "MA": (datetime.time(8, 0), datetime.time(20, 0)),
    "FL": (datetime.time(8, 0), datetime.time(20, 0)),
    "OK": (datetime.time(8, 0), datetime.time(20, 0)),
    "MD": (datetime.time(8, 0), datetime.time(20, 0)),
    "WA": (datetime.time(8, 0), datetime.time(20, 0)),
    "CT": (datetime.time(9, 0), datetime.time(20, 0)),
}
# The strictest of all: used when we cannot tell which state a person is in.
STRICTEST_WINDOW = (
    max(w[0] for w in (FEDERAL_WINDOW, *STATE_WINDOWS.values())),
    min(w[1] for w in (FEDERAL_WINDOW, *STATE_WINDOWS.values())),
)

# IANA zones a state's homes may be in (several where a state straddles a zone line).
STATE_ZONES: dict[str, tuple[str, ...]] = {
    "AL": ("America/Chicago",), "AK": ("America/Anchorage", "America/Adak"), "AZ": ("America/Phoenix",),
    "AR": ("America/Chicago",), "CA": ("America/Los_Angeles",), "CO": ("America/Denver",),
    "CT": ("America/New_York",), "DE": ("America/New_York",), "DC": ("America/New_York",),
    "FL": ("America/New_York", "America/Chicago"), "GA": ("America/New_York",), "HI": ("Pacific/Honolulu",),
    "ID": ("America/Boise", "America/Los_Angeles"), "IL": ("America/Chicago",),
    "IN": ("America/Indiana/Indianapolis", "America/Chicago"), "IA": ("America/Chicago",),
    "KS": ("America/Chicago", "America/Denver"), "KY": ("America/New_York", "America/Chicago"),
    "LA": ("America/Chicago",), "ME": ("America/New_York",), "MD": ("America/New_York",),
    "MA": ("America/New_York",), "MI": ("America/Detroit", "America/Menominee"), "MN": ("America/Chicago",),
    "MS": ("America/Chicago",), "MO": ("America/Chicago",), "MT": ("America/Denver",),
    "NE": ("America/Chicago", "America/Denver"), "NV": ("America/Los_Angeles",), "NH": ("America/New_York",),
    "NJ": ("America/New_York",), "NM": ("America/Denver",), "NY": ("America/New_York",),
    "NC": ("America/New_York",), "ND": ("America/Chicago", "America/Denver"), "OH": ("America/New_York",),
    "OK": ("America/Chicago",), "OR": ("America/Los_Angeles", "America/Boise"), "PA": ("America/New_York",),
    "RI": ("America/New_York",), "SC": ("America/New_York",), "SD": ("America/Chicago", "America/Denver"),
    "TN": ("America/Chicago", "America/New_York"), "TX": ("America/Chicago", "America/Denver"),
    "UT": ("America/Denver",), "VT": ("America/New_York",), "VA": ("America/New_York",),
    "WA": ("America/Los_Angeles",), "WV": ("America/New_York",), "WI": ("America/Chicago",),
    "WY": ("America/Denver",), "PR": ("America/Puerto_Rico",),
}
_STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Washington D.C.": "DC", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS",
    "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA",
    "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT",
    "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM",
    "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA",
    "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Puerto Rico": "PR",
}


@dataclass(frozen=True)
class RecipientLocale:
    """Where we believe a recipient is: a state (None when unknown) and every zone they may be in."""

    state: str | None
    zones: tuple[str, ...]
    basis: str
    """How we know: "property", "mailing address", "phone number" or "unknown"."""


@lru_cache(maxsize=65536)
def _locale_from_phone(e164: str) -> RecipientLocale:
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return RecipientLocale(None, (), "unknown")
    description = geocoder.description_for_number(parsed, "en")
    state = _STATE_NAMES.get(description)
    if state is None and ", " in description:
        state = description.rsplit(", ", 1)[1] if description.rsplit(", ", 1)[1] in STATE_ZONES else None
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")
    if state and not zones:
        zones = STATE_ZONES[state]
    return RecipientLocale(state, zones, "phone number" if (state or zones) else "unknown")


def recipient_locale(*, phone: str | None, property_state: str = "", mailing_state: str = "") -> RecipientLocale:
    """The recipient's state and zones: from their property, else mailing address, else phone number."""
    for state, basis in ((property_state, "property"), (mailing_state, "mailing address")):
        state = (state or "").strip().upper()
        if state in STATE_ZONES:
            return RecipientLocale(state, STATE_ZONES[state], basis)
    if phone:
        return _locale_from_phone(phone)
    return RecipientLocale(None, (), "unknown")


def legal_window(state: str | None) -> tuple[datetime.time, datetime.time]:
    """Local hours the law allows texting in `state`; the strictest known when the state is unknown."""
    if state is None:
        return STRICTEST_WINDOW
    return STATE_WINDOWS.get(state, FEDERAL_WINDOW)


def allowed_window(
    locale: RecipientLocale, campaign_window: tuple[datetime.time, datetime.time] | None = None
) -> tuple[datetime.time, datetime.time]:
    """The legal window intersected with a campaign's own window (both in the recipient's local time)."""
    start, end = legal_window(locale.state)
    if campaign_window:
        start, end = max(start, campaign_window[0]), min(end, campaign_window[1])
    return start, end


def is_within_window(
    locale: RecipientLocale,
    at: datetime.datetime,
    campaign_window: tuple[datetime.time, datetime.time] | None = None,
) -> bool:
    """True when `at` falls inside the allowed window in every zone the recipient may be in.

    A recipient with no known zone is never inside a window: we cannot know their local time.
    """
    if not locale.zones:
        return False
    start, end = allowed_window(locale, campaign_window)
    if start >= end:
        return False
    for zone in locale.zones:
        local = at.astimezone(ZoneInfo(zone)).time()
        if not (start <= local < end):
            return False
    return True


def next_window_opening(
    locale: RecipientLocale, after: datetime.datetime, days_ahead: int = 8
) -> datetime.datetime | None:
    """The first moment at or after `after` inside the recipient's window in every zone they may be in.

    `after` itself when it already is; otherwise the latest zone's opening that day or the next
    (8:00 AM their time for most states). None when their zone is unknown: we cannot tell.
    """
    if not locale.zones:
        return None
    if is_within_window(locale, after):
        return after
    start, _ = allowed_window(locale)
    candidates = []
    for zone in locale.zones:
        local_day = after.astimezone(ZoneInfo(zone)).date()
        for offset in range(days_ahead):
            day = local_day + datetime.timedelta(days=offset)
            candidates.append(datetime.datetime.combine(day, start, tzinfo=ZoneInfo(zone)))
    for moment in sorted(c for c in candidates if c > after):
        if is_within_window(locale, moment):
            return moment.astimezone(datetime.UTC)
    return None
