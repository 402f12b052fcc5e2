"""Every state's calling rule, the federal default, the strictest fallback, zones without daylight
saving, legal holidays and both daylight-saving change days, all through the campaign dispatcher
under a frozen clock (contacts/send_window.py holds the rules and their citations).

Each case enrolls one homeowner whose phone's area code and mailing address are in the state, runs
the dispatcher at a given local time and checks whether they were texted.
"""
import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaigns.models import CampaignStatus, MembershipStatus
from campaigns.services import campaign_dispatch
from contacts.models import Activity, ActivityKind, Direction
from contacts.send_window import STATE_RULES, STATE_ZONES
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory, PropertyContactFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC

# A number in each state (area code) and the zone it is in.
NUMBERS = {
    "AL": ("+12055550123", "America/Chicago"), "CT": ("+12035550123", "America/New_York"),
    "FL": ("+13055550123", "America/New_York"), "KY": ("+15025550123", "America/New_York"),
    "LA": ("+15045550123", "America/Chicago"), "MA": ("+16175550123", "America/New_York"),
    "MD": ("+14105550123", "America/New_York"), "MI": ("+13135550123", "America/New_York"),
    "MN": ("+16125550123", "America/Chicago"), "MS": ("+16015550123", "America/Chicago"),
    "NV": ("+17025550123", "America/Los_Angeles"), "NM": ("+15055550123", "America/Denver"),
    "OK": ("+14055550123", "America/Chicago"), "PA": ("+12155550123", "America/New_York"),
    "RI": ("+14015550123", "America/New_York"), "TX": ("+12145550123", "America/Chicago"),
    "UT": ("+18015550123", "America/Denver"), "WA": ("+12065550123", "America/Los_Angeles"),
    "NY": ("+12125550123", "America/New_York"), "CA": ("+14155550123", "America/Los_Angeles"),
    "AZ": ("+16025550123", "America/Phoenix"), "HI": ("+18085550123", "Pacific/Honolulu"),
}
_LINE = itertools.count(100)


def number(area_number: str) -> str:
    """A fresh number in the same area code (each homeowner needs their own)."""
    return f"{area_number[:-4]}{next(_LINE):04d}"


TUESDAY, SATURDAY, SUNDAY = datetime.date(2026, 3, 10), datetime.date(2026, 3, 14), datetime.date(2026, 3, 15)


def zones_of(state: str, day: datetime.date) -> tuple[str, str]:
    """The (westernmost, easternmost) zone a homeowner of `state` may be in. Where a state straddles
    a zone line, every zone must allow the text: it opens by the western clock, closes by the eastern."""
    zones = {NUMBERS[state][1], *STATE_ZONES[state]}
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=UTC)
    by_offset = sorted(zones, key=lambda z: noon.astimezone(ZoneInfo(z)).utcoffset())
    return by_offset[0], by_offset[-1]


def texted_at(
    state: str, day: datetime.date, hour: int, minute: int = 0, *, mailing_state: str | None = None,
    zone: str | None = None,
) -> bool:
    """Enroll a homeowner of `state`, run the dispatcher at hour:minute on `day` by the clock of `zone`
    (default: the westernmost zone of the state, where the day starts last); texted?"""
    phone = NUMBERS[state][0]
    zone = zone or zones_of(state, day)[0]
    campaign = CampaignFactory(
        status=CampaignStatus.RUNNING, send_window_start=datetime.time(0, 0), send_window_end=datetime.time(23, 59)
    )
    member = CampaignMembershipFactory(
        campaign=campaign,
        contact=ContactFactory(phone=number(phone), mailing_state=state if mailing_state is None else mailing_state),
    )
    at = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZoneInfo(zone))
    with time_machine.travel(at, tick=False):
        campaign_dispatch(campaign_id=campaign.pk)
    member.refresh_from_db()
    assert member.status in (MembershipStatus.SENT, MembershipStatus.PENDING), member.last_error
    return member.status == MembershipStatus.SENT


# (state, first allowed minute, first refused minute) on a weekday, from STATE_RULES / federal rule.
WEEKDAY_HOURS = [
    ("AL", (8, 0), (20, 0)), ("CT", (9, 0), (20, 0)), ("FL", (8, 0), (20, 0)), ("KY", (10, 0), (21, 0)),
    ("LA", (8, 0), (20, 0)), ("MA", (8, 0), (20, 0)), ("MD", (8, 0), (20, 0)), ("MI", (9, 0), (21, 0)),
    ("MN", (9, 0), (21, 0)), ("MS", (8, 0), (20, 0)), ("NV", (9, 0), (20, 0)), ("NM", (9, 0), (21, 0)),
    ("OK", (8, 0), (20, 0)), ("PA", (8, 0), (21, 0)), ("RI", (9, 0), (18, 0)), ("TX", (9, 0), (21, 0)),
    ("UT", (8, 0), (21, 0)), ("WA", (8, 0), (20, 0)),
    # No state rule: the federal 8:00-21:00 (47 CFR 64.1200(c)(1)).
    ("NY", (8, 0), (21, 0)), ("CA", (8, 0), (21, 0)),
]


def test_the_table_covers_every_state_rule():
    assert {state for state, *_ in WEEKDAY_HOURS} >= set(STATE_RULES)
    for state, rule in STATE_RULES.items():
        assert rule.citation, f"{state} has no citation"


@pytest.mark.parametrize(("state", "opens", "closes"), WEEKDAY_HOURS, ids=[s for s, *_ in WEEKDAY_HOURS])
def test_weekday_hours_of_each_state(state, opens, closes):
    west, east = zones_of(state, TUESDAY)
    before_open = (datetime.datetime.combine(TUESDAY, datetime.time(*opens)) - datetime.timedelta(minutes=1)).time()
    last = (datetime.datetime.combine(TUESDAY, datetime.time(*closes)) - datetime.timedelta(minutes=1)).time()
    assert not texted_at(state, TUESDAY, before_open.hour, before_open.minute, zone=west)
    assert texted_at(state, TUESDAY, *opens, zone=west)
    assert texted_at(state, TUESDAY, last.hour, last.minute, zone=east)
    assert not texted_at(state, TUESDAY, *closes, zone=east)


@pytest.mark.parametrize("state", ["AL", "LA", "MS", "RI", "UT"])
def test_no_texts_on_sunday(state):
    assert not texted_at(state, SUNDAY, 12, 0)
    assert texted_at(state, SATURDAY, 12, 0)


def test_texas_sunday_starts_at_noon():
    assert not texted_at("TX", SUNDAY, 11, 59)
    assert texted_at("TX", SUNDAY, 12, 0)
    assert not texted_at("TX", SATURDAY, 8, 59) and texted_at("TX", SATURDAY, 9, 0)


def test_pennsylvania_sunday_starts_at_half_past_one():
    assert not texted_at("PA", SUNDAY, 13, 29)
    assert texted_at("PA", SUNDAY, 13, 30)


def test_rhode_island_saturday_is_ten_to_five():
    assert not texted_at("RI", SATURDAY, 9, 59)
    assert texted_at("RI", SATURDAY, 10, 0) and texted_at("RI", SATURDAY, 16, 59)
    assert not texted_at("RI", SATURDAY, 17, 0)


@pytest.mark.parametrize("state", ["MA", "NY", "CA", "FL"])
def test_states_without_a_day_rule_text_on_sunday(state):
    assert texted_at(state, SUNDAY, 12, 0)


# --- legal holidays ----------------------------------------------------------------------------

INDEPENDENCE_DAY_OBSERVED = datetime.date(2026, 7, 3)  # Friday: July 4th falls on a Saturday


@pytest.mark.parametrize("state", ["AL", "LA", "PA", "RI", "UT"])
def test_no_texts_on_a_legal_holiday(state):
    assert not texted_at(state, INDEPENDENCE_DAY_OBSERVED, 12, 0)
    assert texted_at(state, datetime.date(2026, 7, 2), 12, 0)


@pytest.mark.parametrize(
    ("state", "day"),
    [("UT", datetime.date(2026, 7, 24)), ("RI", datetime.date(2026, 8, 10)), ("LA", datetime.date(2026, 2, 17))],
    ids=["Utah Pioneer Day", "Rhode Island Victory Day", "Louisiana Mardi Gras"],
)
def test_state_only_holidays(state, day):
    assert not texted_at(state, day, 12, 0)
    assert texted_at("MA", day, 12, 0)  # not a holiday rule in Massachusetts


def test_a_holiday_does_not_stop_states_without_a_holiday_rule():
    assert texted_at("MA", INDEPENDENCE_DAY_OBSERVED, 12, 0)
    assert texted_at("MS", INDEPENDENCE_DAY_OBSERVED, 12, 0)  # barred only until the PSC rules' 2023 repeal


# --- zones and daylight saving ------------------------------------------------------------------


def test_arizona_keeps_standard_time_while_denver_moves():
    # 10 March 2026: Denver is on MDT (UTC-6), Phoenix stays on MST (UTC-7). 8:00 in Phoenix is 15:00 UTC.
    assert not texted_at("AZ", TUESDAY, 7, 59)
    assert texted_at("AZ", TUESDAY, 8, 0)
    assert not texted_at("AZ", TUESDAY, 21, 0)


@pytest.mark.parametrize(("utc", "texted"), [((14, 59), False), ((15, 0), True)])
def test_arizona_by_the_utc_clock(utc, texted):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(0),
                               send_window_end=datetime.time(23, 59))
    member = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(phone=number(NUMBERS["AZ"][0]),
                                                                                 mailing_state="AZ"))
    with time_machine.travel(datetime.datetime(2026, 3, 10, *utc, tzinfo=UTC), tick=False):
        campaign_dispatch()
    member.refresh_from_db()
    assert (member.status == MembershipStatus.SENT) is texted


@pytest.mark.parametrize(("utc", "texted"), [((17, 59), False), ((18, 0), True), ((6, 59), True), ((7, 0), False)])
def test_hawaii_is_utc_minus_ten_all_year(utc, texted):
    """Honolulu: 8:00 HST is 18:00 UTC; 21:00 HST is 07:00 UTC the next day."""
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(0),
                               send_window_end=datetime.time(23, 59))
    member = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(phone=number(NUMBERS["HI"][0]),
                                                                                 mailing_state="HI"))
    day = 10 if utc[0] >= 12 else 11
    with time_machine.travel(datetime.datetime(2026, 3, day, *utc, tzinfo=UTC), tick=False):
        campaign_dispatch()
    member.refresh_from_db()
    assert (member.status == MembershipStatus.SENT) is texted


def _boston_texted_at_utc(when: datetime.datetime) -> bool:
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(0),
                               send_window_end=datetime.time(23, 59))
    member = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(phone=number("+16175550123")))
    with time_machine.travel(when, tick=False):
        campaign_dispatch()
    member.refresh_from_db()
    return member.status == MembershipStatus.SENT


@pytest.mark.parametrize(
    ("utc", "texted"),
    [
        # Sunday 8 March 2026, clocks go forward at 2:00: 8:00 in Boston is 12:00 UTC (the day before, 13:00).
        (datetime.datetime(2026, 3, 8, 11, 59, tzinfo=UTC), False),
        (datetime.datetime(2026, 3, 8, 12, 0, tzinfo=UTC), True),
        (datetime.datetime(2026, 3, 8, 23, 59, tzinfo=UTC), True),  # 19:59 EDT
        (datetime.datetime(2026, 3, 9, 0, 0, tzinfo=UTC), False),  # 20:00 EDT
    ],
)
def test_spring_forward_day_in_massachusetts(utc, texted):
    assert _boston_texted_at_utc(utc) is texted


@pytest.mark.parametrize(
    ("utc", "texted"),
    [
        # Sunday 1 November 2026, clocks go back at 2:00: 8:00 in Boston is 13:00 UTC (the day before, 12:00).
        (datetime.datetime(2026, 11, 1, 12, 30, tzinfo=UTC), False),  # 7:30 EST (it would be 8:30 EDT)
        (datetime.datetime(2026, 11, 1, 13, 0, tzinfo=UTC), True),
        (datetime.datetime(2026, 11, 2, 0, 30, tzinfo=UTC), True),  # 19:30 EST
        (datetime.datetime(2026, 11, 2, 1, 0, tzinfo=UTC), False),  # 20:00 EST
    ],
)
def test_fall_back_day_in_massachusetts(utc, texted):
    assert _boston_texted_at_utc(utc) is texted


# --- where the state is unknown, or the records disagree -------------------------------------------


def test_a_number_with_a_zone_but_no_state_gets_the_strictest_rule():
    """A Toronto number: zone known, no US state. Strictest of all: 10:00-18:00 weekdays (Kentucky's start,
    Rhode Island's end), 10:00-17:00 Saturday, never on Sunday or a federal holiday."""
    toronto = ZoneInfo("America/Toronto")

    def texted(day, hour, minute=0):
        campaign = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(0),
                                   send_window_end=datetime.time(23, 59))
        member = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(phone=number("+14165550123"),
                                                                                     mailing_state=""))
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=toronto),
                                 tick=False):
            campaign_dispatch()
        member.refresh_from_db()
        return member.status == MembershipStatus.SENT

    assert not texted(TUESDAY, 9, 59) and texted(TUESDAY, 10, 0)
    assert texted(TUESDAY, 17, 59) and not texted(TUESDAY, 18, 0)
    assert not texted(SATURDAY, 17, 0) and not texted(SUNDAY, 12, 0)
    assert not texted(datetime.date(2026, 1, 19), 12, 0)  # Martin Luther King Jr. Day


def test_property_in_texas_and_a_massachusetts_number_keep_both_rules():
    """Texas starts at 9:00 (in each Texas zone: El Paso keeps Mountain time), Massachusetts stops at
    20:00 (Eastern): both hold."""
    def texted(boston_hour, boston_minute=0):
        campaign = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(0),
                                   send_window_end=datetime.time(23, 59))
        member = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(phone=number("+16175550123"),
                                                                                     mailing_state=""))
        PropertyContactFactory(contact=member.contact, property__state="TX", property__city="Dallas")
        at = datetime.datetime(2026, 3, 10, boston_hour, boston_minute, tzinfo=ZoneInfo("America/New_York"))
        with time_machine.travel(at, tick=False):
            campaign_dispatch()
        member.refresh_from_db()
        return member.status == MembershipStatus.SENT

    assert not texted(10, 30)  # 8:30 in El Paso: too early for Texas, though fine for Massachusetts
    assert texted(11, 0)
    assert texted(19, 59)
    assert not texted(20, 30)  # 19:30 in Dallas is fine for Texas, but 20:30 in Boston is not


def test_mailing_address_in_utah_stops_a_massachusetts_number_on_sunday():
    assert not texted_at("MA", SUNDAY, 12, 0, mailing_state="UT")
    assert texted_at("MA", SUNDAY, 12, 0, mailing_state="MA")


# --- Florida, Oklahoma, Maryland: at most 3 texts per person per 24 hours -------------------------


@pytest.mark.parametrize("state", ["FL", "OK", "MD"])
def test_three_texts_in_24_hours_is_the_most(state):
    phone, zone = NUMBERS[state]
    noon = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo(zone))
    contact = ContactFactory(phone=phone, mailing_state=state)
    for hours_ago in (23, 5, 1):
        Activity.objects.create(contact=contact, kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING,
                                body="Earlier text", occurred_at=noon - datetime.timedelta(hours=hours_ago))
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(0),
                               send_window_end=datetime.time(23, 59))
    member = CampaignMembershipFactory(campaign=campaign, contact=contact)
    with time_machine.travel(noon, tick=False):
        report = campaign_dispatch()
    member.refresh_from_db()
    assert member.status == MembershipStatus.PENDING and report.batches[0].skipped == {"frequency_cap": 1}
    assert "allows 3" in member.last_error
    # An hour later the oldest of the three is more than 24 hours old.
    with time_machine.travel(noon + datetime.timedelta(hours=1, minutes=1), tick=False):
        assert campaign_dispatch().sent == 1
