"""The dashboard's figures against the hand-counted data set in known_data.py."""
from __future__ import annotations

import datetime as dt

import pytest

from campaigns.selectors import VariantMetrics
from dashboard import selectors
from dashboard.selectors import Period, projected_finish

from .known_data import LAST_7_EXPECTED, LAST_30_EXPECTED, LINES_EXPECTED, PN1, PN2, TODAY, TODAY_EXPECTED

pytestmark = pytest.mark.django_db


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def test_today_counts_business_day_not_utc_day(known):
    today = selectors.today_figures()
    assert today.day == TODAY
    assert _fields(today, TODAY_EXPECTED) == TODAY_EXPECTED


def test_today_lines_split_campaign_and_staff_texts_against_the_cap(known, settings):
    settings.CAMPAIGN_LINE_DAILY_CAP = 125
    lines = {line.phone_number_id: line for line in selectors.today_figures().lines}
    assert {pn: (u.campaign_sent, u.staff_sent) for pn, u in lines.items()} == LINES_EXPECTED
    assert lines[PN1].cap == 125
    assert lines[PN1].remaining == 122
    assert lines[PN2].sent == 2


def test_line_with_running_campaign_but_no_text_today_shows_zero(db, frozen_clock):
    from tests.factories import CampaignFactory

    CampaignFactory(status="running", phone_number_id="PNquietline")
    lines = {u.phone_number_id: u for u in selectors.today_figures().lines}
    assert lines["PNquietline"].sent == 0
    assert lines["PNquietline"].remaining == lines["PNquietline"].cap


@pytest.mark.parametrize(("days", "expected"), [(7, LAST_7_EXPECTED), (30, LAST_30_EXPECTED)])
def test_period_figures(known, days, expected):
    figures = selectors.period_figures(period=Period.last_days(days, today=TODAY))
    assert _fields(figures, expected) == expected


def test_period_rates(known):
    week = selectors.period_figures(period=Period.last_days(7, today=TODAY))
    assert week.response_rate == pytest.approx(2 / 5)
    assert week.opt_out_rate == pytest.approx(1 / 5)
    assert week.delivery_rate == pytest.approx(7 / 8)
    month = selectors.period_figures(period=Period.last_days(30, today=TODAY))
    assert month.response_rate == pytest.approx(4 / 7)
    assert month.opt_out_rate == pytest.approx(2 / 7)


def test_rates_are_none_without_texts(db, frozen_clock):
    empty = selectors.period_figures(period=Period.last_days(7, today=TODAY))
    assert empty.texts_sent == empty.campaign_sent == 0
    assert empty.response_rate is None and empty.opt_out_rate is None and empty.delivery_rate is None


def test_daily_activity_fills_every_day_and_buckets_by_business_day(known):
    days = selectors.daily_activity(period=Period.last_days(30, today=TODAY))
    assert len(days) == 30
    assert days[0].day == dt.date(2025, 2, 11) and days[-1].day == TODAY
    by_day = {d.day: (d.sent, d.replies) for d in days}
    assert by_day[TODAY] == (7, 2)  # a1..a7; i1 i2
    assert by_day[dt.date(2025, 3, 11)] == (1, 0)  # a8 at 23:50 stays on the 11th
    assert by_day[dt.date(2025, 3, 7)] == (0, 1)  # i3
    assert by_day[dt.date(2025, 3, 10)] == (0, 1)  # i6
    assert by_day[dt.date(2025, 3, 4)] == (2, 1)  # a9 a10; i4
    assert sum(d.sent for d in days) == LAST_30_EXPECTED["texts_sent"]
    assert by_day[dt.date(2025, 3, 1)] == (0, 0)


def test_campaign_rows_progress_variants_and_projection(known, settings):
    settings.CAMPAIGN_LINE_DAILY_CAP = 125
    rows = {row.campaign.name: row for row in selectors.campaign_rows(today=TODAY)}
    # Active campaigns first: the two running ones, then paused, then the draft.
    assert [r.campaign.name for r in selectors.campaign_rows(today=TODAY)][2:] == ["Paused list", "Summer draft"]

    worcester = rows["Spring Worcester"]
    a, b = worcester.variants
    # A: m1 m2 m5 m9 texted (m1 m5 m9 replied, m5 opted out), m6 m7 pending. B: m3 m4 texted, m8 pending.
    assert a == VariantMetrics(
        variant="A", enrolled=6, pending=2, sent=4, delivered=4, failed=0, replied=3, opted_out=1, interested=1
    )
    assert b == VariantMetrics(
        variant="B", enrolled=3, pending=1, sent=2, delivered=1, failed=0, replied=1, opted_out=0, interested=1
    )
    assert (worcester.total.enrolled, worcester.total.sent, worcester.total.pending) == (9, 6, 3)
    assert worcester.sent_today == 3
    assert worcester.progress == pytest.approx(6 / 9)
    assert a.response_rate == pytest.approx(3 / 4)
    assert worcester.daily_allowance == 100
    assert worcester.projected_finish == TODAY  # 3 left, 97 of today's 100 unused
    # The campaigns app's z-test on 3/4 (A) against 1/2 (B): pooled 4/6, z = -0.25 / sqrt(2/9 * 3/4).
    assert worcester.ab_test.z == pytest.approx(-0.6124, abs=1e-4)
    assert worcester.ab_test.p_value == pytest.approx(0.5403, abs=1e-4)
    assert worcester.ab_test.leader == "A" and not worcester.ab_test.significant

    pittsfield = rows["Pittsfield"]
    assert pittsfield.daily_allowance == 125  # its 200 a day is capped by the line
    assert pittsfield.total.pending == 0 and pittsfield.projected_finish is None
    assert (pittsfield.total.replied, pittsfield.total.opted_out) == (1, 1)
    assert pittsfield.ab_test is None  # a single variant
    assert rows["Summer draft"].variants == [] and rows["Summer draft"].progress is None
    assert rows["Paused list"].projected_finish is None


@pytest.mark.parametrize(
    ("status", "remaining", "sent_today", "allowance", "starts_on", "expected"),
    [
        ("running", 0, 0, 100, None, None),
        ("running", 50, 0, 100, None, dt.date(2025, 3, 12)),
        ("running", 100, 0, 100, None, dt.date(2025, 3, 12)),
        ("running", 101, 0, 100, None, dt.date(2025, 3, 13)),
        ("running", 50, 100, 100, None, dt.date(2025, 3, 13)),  # today's allowance used up
        ("running", 250, 40, 100, None, dt.date(2025, 3, 14)),  # 60 today, 100, 90
        ("scheduled", 250, 0, 125, dt.date(2025, 3, 20), dt.date(2025, 3, 21)),  # 125 on the 20th, 125 on the 21st
        ("scheduled", 10, 0, 125, dt.date(2025, 3, 1), dt.date(2025, 3, 12)),  # start date passed: from today
        ("paused", 250, 0, 100, None, None),
        ("draft", 250, 0, 100, None, None),
        ("running", 10, 0, 0, None, None),
    ],
)
def test_projected_finish(status, remaining, sent_today, allowance, starts_on, expected):
    assert (
        projected_finish(
            status=status, remaining=remaining, sent_today=sent_today, daily_allowance=allowance,
            starts_on=starts_on, today=dt.date(2025, 3, 12),
        )
        == expected
    )


def test_waiting_conversations_oldest_first_with_last_incoming_text(known):
    waiting = list(selectors.waiting_conversations())
    assert [c.contact_id for c in waiting] == [known.m4.contact_id, known.stranger.pk, known.m1.contact_id]
    assert waiting[0].last_text == "Interested, what does it cost?"
    assert waiting[1].last_text == "Who is this?"
    assert selectors.waiting_count() == 3


def test_recent_interested_replies_newest_first(known):
    replies = list(selectors.recent_interested_replies())
    assert [m.pk for m in replies] == [known.m1.pk, known.m4.pk]


def test_monthly_figures_per_campaign_and_overall(known):
    march = selectors.monthly_figures(month=dt.date(2025, 3, 1))
    assert march.period == Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), "March 2025")
    overall = march.overall
    assert (overall.texts_sent, overall.texts_delivered, overall.texts_received) == (10, 8, 5)
    assert (overall.campaign_sent, overall.replied, overall.opted_out, overall.interested) == (7, 4, 2, 2)
    assert (overall.new_contacts, overall.opt_outs, overall.missed_calls, overall.voicemails) == (3, 2, 2, 1)

    rows = {row.name: row for row in march.campaigns}
    assert list(rows) == ["Pittsfield", "Spring Worcester"]
    worcester = rows["Spring Worcester"]
    a, b = worcester.variants
    assert (a.variant, a.sent, a.delivered, a.replied, a.opted_out, a.interested) == ("A", 3, 3, 2, 1, 1)
    assert (b.variant, b.sent, b.delivered, b.replied, b.opted_out, b.interested) == ("B", 2, 1, 1, 0, 1)
    pittsfield = rows["Pittsfield"].total
    assert (pittsfield.sent, pittsfield.delivered, pittsfield.replied, pittsfield.opted_out) == (2, 2, 1, 1)
    total = march.campaigns_total
    assert (total.sent, total.delivered, total.replied, total.opted_out, total.interested) == (7, 6, 4, 2, 2)
    assert rows["Spring Worcester"].ab_test.leader == "A"  # 2/3 against 1/2 in March

    february = selectors.monthly_figures(month=dt.date(2025, 2, 1))
    assert (february.overall.texts_sent, february.overall.campaign_sent, february.overall.replied) == (1, 1, 1)
    assert february.overall.new_contacts == 2
    assert [row.name for row in february.campaigns] == ["Spring Worcester"]


def test_period_bounds_follow_daylight_saving():
    start, end = Period(dt.date(2025, 3, 9), dt.date(2025, 3, 9)).bounds()
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=23)  # the spring-forward day is 23 hours long
    assert start.utcoffset() == dt.timedelta(hours=-5)
