"""When a homeowner may be texted: the legal hours and days of their state, in their own time zone.

The federal rule allows 8:00–21:00 local time every day (47 CFR 64.1200(c)(1); the FTC's 16 CFR
310.4(c) says the same). Some states are stricter: shorter hours, no Sundays, a later Sunday
start, no legal holidays, at most 3 texts per person per 24 hours. `STATE_RULES` below is the one
place those rules live, each with the section it comes from.

Where a person's state or zone is uncertain, every candidate must allow the text, so doubt
always means "not now": a person whose property, mailing address and phone number point at
different states is held to every one of those states' rules, each in its own zones, and a
person with a zone but no known state gets the strictest rule of all (`STRICTEST_RULE`).

Not legal advice. Readings that were unsure take the stricter side and say so beside the rule.
Reviewed December 2026; re-check each citation when a state amends its act.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars
import phonenumbers
from phonenumbers import geocoder
from phonenumbers import timezone as phone_timezone

Hours = tuple[datetime.time, datetime.time]


def _h(start: int, end: int, start_minute: int = 0) -> Hours:
    return datetime.time(start, start_minute), datetime.time(end, 0)


_SAME = object()  # "the weekday hours" for saturday/sunday


@dataclass(frozen=True)
class CallingRule:
    """One jurisdiction's texting rule: hours by day, holidays, and a per-person cap.

    `saturday`/`sunday`: hours on that day, None when no text may be sent that day; default the
    weekday hours. `holidays_closed`: no texts on the state's legal holidays (python-holidays'
    calendar for the state, which moves a Saturday/Sunday holiday to the observed weekday too).
    `per_day_cap`: most texts to one person in any 24 hours (on one subject: every text of this
    business is about one subject, crack repair, so all its texts count).
    """

    weekdays: Hours
    citation: str
    saturday: Hours | None | object = _SAME
    sunday: Hours | None | object = _SAME
    holidays_closed: bool = False
    per_day_cap: int | None = None
    note: str = ""

    def hours_on(self, day: datetime.date, state: str | None) -> Hours | None:
        """Local hours texting is allowed on `day` in `state`; None when not at all that day."""
        if self.holidays_closed and is_legal_holiday(state, day):
            return None
        weekday = day.weekday()
        if weekday == 5 and self.saturday is not _SAME:
            return self.saturday  # type: ignore[return-value]
        if weekday == 6 and self.sunday is not _SAME:
            return self.sunday  # type: ignore[return-value]
        return self.weekdays


FEDERAL_RULE = CallingRule(_h(8, 21), citation="47 CFR 64.1200(c)(1); 16 CFR 310.4(c)")

# States whose own telemarketing/texting laws are stricter than the federal rule. Keep this table
# reviewed: it is the only place these rules live. Citations are to the section that sets the rule.
STATE_RULES: dict[str, CallingRule] = {
    "AL": CallingRule(
        _h(8, 20), sunday=None, holidays_closed=True,
        citation="Ala. Admin. Code ch. 770-X-6 (Public Service Commission telephone solicitation rules); "
        "holidays: Ala. Code 1-3-8",
        note="Unsure: the PSC rule may bind only carriers it regulates; applied to us (stricter reading). "
        "The exact rule number was not verified.",
    ),
    "CT": CallingRule(_h(9, 20), citation="Conn. Gen. Stat. 42-288a (as amended by P.A. 23-98)"),
    "FL": CallingRule(
        _h(8, 20), per_day_cap=3,
        citation="Fla. Stat. 501.616(6)(a) (hours), 501.616(6)(b) (3 per 24 hours on one subject)",
    ),
    "KY": CallingRule(
        _h(10, 21), citation="Ky. Rev. Stat. 367.46955(14)",
        note="Unsure whether the 10:00 start covers texts; applied (stricter reading).",
    ),
    "LA": CallingRule(
        _h(8, 20), sunday=None, holidays_closed=True,
        citation="La. R.S. 45:811; La. Pub. Serv. Comm'n Gen. Order R-29617 V(A)(2)",
        note="Texts also stop during a declared state of emergency (La. R.S. 45:844.31): pause campaigns then.",
    ),
    "MA": CallingRule(_h(8, 20), citation="201 CMR 12.02(2) (under G.L. c. 159C)"),
    "MD": CallingRule(
        _h(8, 20), per_day_cap=3, citation="Md. Code, Com. Law 14-4503 (Stop the Spam Calls Act of 2023)",
        note="Section number within 14-4501 to 14-4508 not verified.",
    ),
    "MI": CallingRule(
        _h(9, 21), citation="Mich. Comp. Laws 445.111b",
        note="Unsure: the 9:00 start may cover only some calls; applied to all texts (stricter reading).",
    ),
    "MN": CallingRule(
        _h(9, 21), citation="Minn. Stat. 325E.27",
        note="The statute names automatic dialing-announcing devices; applied to all texts (stricter reading).",
    ),
    "MS": CallingRule(
        _h(8, 20), sunday=None, citation="Miss. Code Ann. 77-3-723(1) (no Sundays); 77-3-603(a) (8:00-21:00)",
        note="77-3-603 allows until 21:00; the PSC's former rule said 20:00, kept (stricter reading). Legal "
        "holidays are no longer barred since the PSC rules were repealed in 2023.",
    ),
    "NV": CallingRule(
        _h(9, 20), citation="Nev. Rev. Stat. 228.590",
        note="Section number not verified; the 9:00-20:00 hours are applied (stricter reading).",
    ),
    "NM": CallingRule(
        _h(9, 21), citation="N.M. Stat. 57-12-22",
        note="Section number not verified; the 9:00 start is applied (stricter reading).",
    ),
    "OK": CallingRule(
        _h(8, 20), per_day_cap=3, citation="Okla. Stat. tit. 15, 775C.4 (Telephone Solicitation Act of 2022)",
    ),
    "PA": CallingRule(
        _h(8, 21), sunday=_h(13, 21, 30), holidays_closed=True,
        citation="73 P.S. 2245.2 (Telemarketer Registration Act)",
        note="Unsure: the Sunday hours (13:30-21:00) and the holiday bar come from compliance summaries; "
        "both applied (stricter reading).",
    ),
    "RI": CallingRule(
        _h(9, 18), saturday=_h(10, 17), sunday=None, holidays_closed=True,
        citation="R.I. Gen. Laws 5-61-3.6 with 5-61-2 (\"hours of operation\": Mon-Fri except a state or "
        "federal holiday 9:00-18:00, Saturday 10:00-17:00)",
        note="A holiday falling on a Saturday is also closed (stricter reading).",
    ),
    "TX": CallingRule(
        _h(9, 21), sunday=_h(12, 21), citation="Tex. Bus. & Com. Code 301.051",
        note="No Texas holiday bar was found (304.151 is not one); none applied.",
    ),
    "UT": CallingRule(
        _h(8, 21), sunday=None, holidays_closed=True,
        citation="Utah Code 13-25a-103(3) (not 21:00-8:00, not on a Sunday, not on a legal holiday)",
    ),
    "WA": CallingRule(_h(8, 20), citation="Rev. Code Wash. 80.36.390(2)"),
}


def _strictest(rules) -> CallingRule:
    """A rule at least as strict as every one given: latest start, earliest end, any closed day closed."""
    def merge(hours_list) -> Hours | None:
        if any(h is None for h in hours_list):
            return None
        start, end = max(h[0] for h in hours_list), min(h[1] for h in hours_list)
        return (start, end) if start < end else None

    rules = list(rules)
    caps = [r.per_day_cap for r in rules if r.per_day_cap]
    return CallingRule(
        weekdays=merge([r.weekdays for r in rules]),
        saturday=merge([r.weekdays if r.saturday is _SAME else r.saturday for r in rules]),
        sunday=merge([r.weekdays if r.sunday is _SAME else r.sunday for r in rules]),
        holidays_closed=any(r.holidays_closed for r in rules),
        per_day_cap=min(caps) if caps else None,
        citation="the strictest of all the rules above (the person's state is unknown)",
    )


# Used when we cannot tell which state a person is in.
STRICTEST_RULE = _strictest([FEDERAL_RULE, *STATE_RULES.values()])
# Kept for callers that only need hours: the weekday hours of the federal rule and the strictest.
FEDERAL_WINDOW = FEDERAL_RULE.weekdays
STRICTEST_WINDOW = STRICTEST_RULE.weekdays


def rule_for(state: str | None) -> CallingRule:
    """The rule that governs a person in `state`; the strictest when the state is unknown."""
    if state is None:
        return STRICTEST_RULE
    return STATE_RULES.get(state, FEDERAL_RULE)


@lru_cache(maxsize=256)
def _holiday_calendar(state: str | None, year: int):
    if state and state in holiday_calendars.US.subdivisions:
        return holiday_calendars.US(subdiv=state, years=year)
    return holiday_calendars.US(years=year)  # unknown state: the federal holidays


def is_legal_holiday(state: str | None, day: datetime.date) -> bool:
    """True when `day` is a legal holiday in `state` (federal holidays when the state is unknown)."""
    return day in _holiday_calendar(state, day.year)


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
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA", "Washington": "WA", "Washington State": "WA",
    "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Puerto Rico": "PR",
}


@dataclass(frozen=True)
class RecipientLocale:
    """Where we believe a recipient is: a state (None when unknown) and every zone they may be in.

    `others`: further (state, zones) places their records point at (e.g. the phone's area code in
    another state than their property); every place's rule must allow a text.
    """

    state: str | None
    zones: tuple[str, ...]
    basis: str
    """How we know: "property", "mailing address", "phone number" or "unknown"."""
    others: tuple[tuple[str | None, tuple[str, ...]], ...] = ()

    def places(self) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
        return ((self.state, self.zones), *self.others)

    @property
    def states(self) -> tuple[str | None, ...]:
        return tuple(state for state, _ in self.places())


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


def recipient_locale(
    *, phone: str | None, property_state: str = "", mailing_state: str = "", property_states=()
) -> RecipientLocale:
    """The recipient's state and zones: from their property, else mailing address, else phone number.

    Every other state their records name (another property, the mailing address, the phone's area
    code) is kept in `others`, so the stricter rule of all of them applies. A phone number whose
    area code gives a zone but no state adds nothing once a state is known from an address.
    """
    places: list[tuple[str, tuple[str, ...], str]] = []
    candidates = [(property_state, "property"), *((s, "property") for s in property_states),
                  (mailing_state, "mailing address")]
    for state, basis in candidates:
        state = (state or "").strip().upper()
        if state in STATE_ZONES and state not in [p[0] for p in places]:
            places.append((state, STATE_ZONES[state], basis))
    from_phone = _locale_from_phone(phone) if phone else RecipientLocale(None, (), "unknown")
    if not places:
        return from_phone
    if from_phone.state and from_phone.state not in [p[0] for p in places]:
        places.append((from_phone.state, from_phone.zones, "phone number"))
    (state, zones, basis), rest = places[0], places[1:]
    return RecipientLocale(state, zones, basis, tuple((s, z) for s, z, _ in rest))


def legal_window(state: str | None, day: datetime.date | None = None) -> Hours | None:
    """Local hours the law allows texting in `state` on `day` (a weekday when not given); None: not that day."""
    rule = rule_for(state)
    return rule.weekdays if day is None else rule.hours_on(day, state)


def allowed_window(
    locale: RecipientLocale, campaign_window: Hours | None = None, day: datetime.date | None = None
) -> Hours | None:
    """The legal window of the locale's main state intersected with a campaign's own window (local time)."""
    hours = legal_window(locale.state, day)
    if hours is None:
        return None
    start, end = hours
    if campaign_window:
        start, end = max(start, campaign_window[0]), min(end, campaign_window[1])
    return start, end


def why_not_now(
    locale: RecipientLocale, at: datetime.datetime, campaign_window: Hours | None = None
) -> str:
    """Empty when `at` falls inside the allowed hours of every place and zone the recipient may be in;
    else why not, in plain words (with the rule's citation).

    A recipient with no known zone is never inside a window: we cannot know their local time.
    """
    if not locale.zones:
        return "their time zone is unknown"
    for state, zones in locale.places():
        rule = rule_for(state)
        where = state or "an unknown state"
        for zone in zones:
            local = at.astimezone(ZoneInfo(zone))
            hours = rule.hours_on(local.date(), state)
            if hours is None:
                what = "a legal holiday" if rule.holidays_closed and is_legal_holiday(state, local.date()) else (
                    local.strftime("%A"))
                return f"no texts on {what} in {where} ({rule.citation})"
            start, end = hours
            if campaign_window:
                start, end = max(start, campaign_window[0]), min(end, campaign_window[1])
            if not (start <= local.time() < end):
                return (f"it is {local:%H:%M} there; texts to {where} go out {start:%H:%M}-{end:%H:%M} "
                        f"({rule.citation})")
    return ""


def is_within_window(
    locale: RecipientLocale, at: datetime.datetime, campaign_window: Hours | None = None
) -> bool:
    """True when `at` falls inside the allowed hours and days in every place and zone the recipient may be in."""
    return not why_not_now(locale, at, campaign_window)


def per_day_cap(locale: RecipientLocale) -> tuple[int, str] | None:
    """The most texts one person may get in any 24 hours under their states' rules, with the citation."""
    capped = [rule_for(state) for state in locale.states if rule_for(state).per_day_cap]
    if not capped:
        return None
    rule = min(capped, key=lambda r: r.per_day_cap)
    return rule.per_day_cap, rule.citation


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
