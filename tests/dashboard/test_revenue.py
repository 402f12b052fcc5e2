"""From reply to revenue on the dashboard and the monthly report, on a hand-counted set; speed to lead.

Campaign "Spring" texted four homeowners, two per variant, on Mon 2026-03-02 at 10:00 ET:
  h1 (A) replied 11:00, estimate Mar 4, quote $4,000 accepted, job invoiced $4,250.00
  h2 (A) replied 12:00, quote $3,000 sent (undecided)
  h3 (B) replied 13:00, quote $2,500 accepted, no job yet (counts at the quote: $2,500.00)
  h4 (B) no reply
Campaign "Fall" texted h5 (A) on Mar 3 at 10:00, who replied at 10:30: quote $9,000 declined.
So Spring: 4 texts, 3 replied, 1 estimate, 3 quotes sent, 2 accepted, revenue $6,750.00;
  A: 2 texts, 2 replied, 1 estimate, 2 sent, 1 accepted, $4,250.00; B: 2 texts, 1 replied, 1 sent, 1 accepted, $2,500.00.
Fall: 1 text, 1 replied, 1 quote sent, 0 accepted, $0.
Every text is one GSM segment; at $0.01 a segment Spring's texts cost $0.04: $0.02 per won job,
and revenue per 100 texts is 6,750 × 100 / 4 = $168,750.00.
Speed to lead: staff member "sam" answers h1 at 13:00 (2 office hours after 11:00) and h2 at
Tue Mar 3 09:00 (5 h on Monday from 12:00 to 17:00 + 1 h Tuesday = 6 h); "pat" answers h5 at 11:00 (0.5 h).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import MembershipStatus
from contacts.models import Direction
from dashboard.selectors import Period, campaign_money_rows, speed_to_lead
from dashboard.services import monthly_report_store
from jobs import services
from jobs.models import Quote, QuoteState
from tests.dashboard.conftest import use_fresh_cache
from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CampaignMembershipFactory,
    ContactFactory,
    ConversationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ET = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=ET)
BODY = "Hi, we fix foundation cracks. Reply STOP to opt out."


def at(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=ET)


def _homeowner(campaign, variant, texted, replied=None):
    contact = ContactFactory()
    conversation = ConversationFactory(contact=contact)
    text = ActivityFactory(contact=contact, conversation=conversation, direction=Direction.OUTGOING, body=BODY,
                           occurred_at=texted)
    CampaignMembershipFactory(campaign=campaign, contact=contact, variant=variant, activity=text, sent_at=texted,
                              replied_at=replied,
                              status=MembershipStatus.REPLIED if replied else MembershipStatus.DELIVERED)
    if replied:
        ActivityFactory(contact=contact, conversation=conversation, direction=Direction.INCOMING, occurred_at=replied,
                        body="Yes")
    return contact, conversation


def _quote(contact, amount, state):
    return services.quote_create(contact=contact, amount=Decimal(amount), state=state, sent_on=dt.date(2026, 3, 5))


@pytest.fixture
def hand_counted():
    with time_machine.travel(at(6, 9), tick=False):
        spring, fall = CampaignFactory(name="Spring"), CampaignFactory(name="Fall")
        sam, pat = UserFactory(username="sam"), UserFactory(username="pat")
        h1, c1 = _homeowner(spring, "A", at(2, 10), at(2, 11))
        h2, c2 = _homeowner(spring, "A", at(2, 10), at(2, 12))
        h3, _ = _homeowner(spring, "B", at(2, 10), at(2, 13))
        _homeowner(spring, "B", at(2, 10))
        h5, c5 = _homeowner(fall, "A", at(3, 10), at(3, 10, 30))
        for conversation, answered, by in ((c1, at(2, 13), sam), (c2, at(3, 9), sam), (c5, at(3, 11), pat)):
            ActivityFactory(contact=conversation.contact, conversation=conversation, direction=Direction.OUTGOING,
                            occurred_at=answered, sent_by=by)
        services.appointment_create(contact=h1, starts_at=at(4, 9), ends_at=at(4, 10))
        services.job_create(quote=_quote(h1, "4000", QuoteState.ACCEPTED), amount_invoiced=Decimal("4250.00"))
        _quote(h2, "3000", QuoteState.SENT)
        _quote(h3, "2500", QuoteState.ACCEPTED)
        _quote(h5, "9000", QuoteState.DECLINED)
    return spring, fall


def test_revenue_per_campaign_and_variant_matches_the_hand_count(hand_counted):
    spring, fall = hand_counted
    rows = {row.name: row for row in campaign_money_rows(period=Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))}
    s = rows["Spring"].total
    assert (s.sent, s.replied, s.estimates, s.quotes_sent, s.quotes_accepted) == (4, 3, 1, 3, 2)
    assert s.revenue_won == Decimal("6750.00")
    assert s.text_cost == Decimal("0.04") and s.cost_per_won_job == Decimal("0.02")
    assert s.revenue_per_100_texts == Decimal("168750.00")
    a, b = rows["Spring"].variants
    assert (a.label, a.sent, a.replied, a.estimates, a.quotes_accepted, a.revenue_won) == ("A", 2, 2, 1, 1, Decimal("4250.00"))
    assert (b.label, b.sent, b.replied, b.estimates, b.quotes_accepted, b.revenue_won) == ("B", 2, 1, 0, 1, Decimal("2500.00"))
    f = rows["Fall"].total
    assert (f.sent, f.quotes_sent, f.quotes_accepted, f.revenue_won, f.cost_per_won_job) == (1, 1, 0, Decimal("0"), None)


def test_the_ab_comparison_switches_between_replied_and_won(hand_counted):
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    by_reply = {r.name: r for r in campaign_money_rows(period=period, ab_basis="replied")}["Spring"].ab_test
    by_won = {r.name: r for r in campaign_money_rows(period=period, ab_basis="won")}["Spring"].ab_test
    assert by_reply.leader == "A"  # 2/2 replied against 1/2
    assert by_won.leader is None  # 1/2 won each: a tie
    assert by_won.z == 0


def test_speed_to_lead_counts_office_hours_per_week_and_per_person(hand_counted):
    speed = speed_to_lead(period=Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    assert speed.overall.answered == 3
    assert speed.overall.median_hours == 2.0 and speed.overall.p90_hours == 6.0
    by_staff = {s.label: s for s in speed.by_staff}
    assert (by_staff["sam"].answered, by_staff["sam"].median_hours) == (2, 4.0)
    assert (by_staff["pat"].answered, by_staff["pat"].median_hours) == (1, 0.5)
    assert [(w.label, w.answered) for w in speed.by_week] == [("Week of Mar 2", 3)]


def test_the_dashboard_shows_revenue_to_managers(hand_counted, client, manager):
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        html = client.get(reverse("dashboard:index")).content.decode()
        won = client.get(reverse("dashboard:index"), {"ab": "won"}).content.decode()
    assert 'id="revenue"' in html and "$6,750.00" in html and "$168,750.00" in html
    assert 'id="speed-to-lead"' in html and "A/B (Replied)" in html
    assert "A/B (Won a job)" in won


def test_office_staff_do_not_see_the_figures(hand_counted, client, office_staff):
    client.force_login(office_staff)
    assert client.get(reverse("dashboard:index")).status_code == 403


def test_the_dashboard_query_count_stays_the_same_as_rows_grow(
    hand_counted, client, manager, settings, django_assert_max_num_queries
):
    client.force_login(manager)

    def cold_count():
        use_fresh_cache(settings)
        with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(200) as counted:
            assert client.get(reverse("dashboard:index")).status_code == 200
        return len(counted.captured_queries)

    before = cold_count()
    with time_machine.travel(at(6, 9), tick=False):
        more = CampaignFactory(name="Summer")
        for i in range(15):
            contact, conversation = _homeowner(more, "AB"[i % 2], at(2, 10), at(2, 11))
            ActivityFactory(contact=contact, conversation=conversation, direction=Direction.OUTGOING,
                            occurred_at=at(2, 15), sent_by=UserFactory(username=f"staff{i}"))
            services.appointment_create(contact=contact, starts_at=at(5, 9), ends_at=at(5, 10))
            _quote(contact, "1000", QuoteState.ACCEPTED)
    assert cold_count() == before


def test_the_monthly_report_has_revenue_and_speed_to_lead(hand_counted, client, manager):
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        html = client.get(reverse("dashboard:monthly_report"), {"month": "2026-03"}).content.decode()
    assert 'id="revenue"' in html and "$6,750.00" in html
    assert 'id="speed-to-lead"' in html and "sam" in html


def _money_cells(html: str, campaign_id: int, variant: str) -> list[str]:
    """The figures of one variant row of the revenue table: texts, replied, estimates, quotes sent, ..."""
    import re

    row = re.search(rf'data-money-variant="{campaign_id}-{variant}">(.*?)</tr>', html, re.S)
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row.group(1))


def test_the_campaign_tables_count_estimates_by_the_credit_kept_on_the_visit(hand_counted, client, manager):
    """On top of h1's estimate (Spring A): h2 (Spring A) and h3 (Spring B) get one; h5 (Fall) gets a cancelled
    one and a job day, neither an estimate; h1 gets another in April, outside March. Then campaign "Summer"
    texts h2, who replies: h2's estimate stays Spring's. Spring A: 2 estimates, Spring B: 1, Fall and Summer: 0."""
    spring, fall = hand_counted
    with time_machine.travel(at(9, 9), tick=False):
        h1, h2, h3, h5 = (
            Quote.objects.get(campaign=campaign, amount=amount).contact
            for campaign, amount in ((spring, 4000), (spring, 3000), (spring, 2500), (fall, 9000))
        )
        services.appointment_create(contact=h2, starts_at=at(10, 9), ends_at=at(10, 10))
        services.appointment_create(contact=h3, starts_at=at(11, 9), ends_at=at(11, 10))
        cancelled = services.appointment_create(contact=h5, starts_at=at(12, 9), ends_at=at(12, 10))
        services.appointment_update(appointment=cancelled, state="cancelled")
        services.appointment_create(contact=h5, starts_at=at(13, 9), ends_at=at(13, 10), kind="job")
        services.appointment_create(contact=h1, starts_at=at(2, 9) + dt.timedelta(days=31),
                                    ends_at=at(2, 10) + dt.timedelta(days=31))
        summer = CampaignFactory(name="Summer")
        CampaignMembershipFactory(campaign=summer, contact=h2, variant="B", sent_at=at(16, 10),
                                  replied_at=at(16, 11), status=MembershipStatus.REPLIED)
        ActivityFactory(contact=h2, direction=Direction.INCOMING, occurred_at=at(16, 11), body="Yes again")

    rows = {row.name: row for row in campaign_money_rows(period=Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))}
    assert rows["Spring"].total.estimates == 3
    assert [(v.label, v.estimates) for v in rows["Spring"].variants] == [("A", 2), ("B", 1)]
    assert (rows["Fall"].total.estimates, rows["Summer"].total.estimates) == (0, 0)

    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        html = client.get(reverse("dashboard:index")).content.decode()
    # Columns: texts, replied, estimates, ...
    assert _money_cells(html, spring.pk, "A")[2] == "2"
    assert _money_cells(html, spring.pk, "B")[2] == "1"


MONEY_COLUMNS = ("texts_sent", "estimates", "quotes_sent", "quotes_accepted", "revenue_won", "text_cost",
                 "cost_per_won_job", "revenue_per_100_texts")
SPEED_COLUMNS = ("answered", "median_business_hours", "p90_business_hours")


def test_the_monthly_csv_and_the_stored_report_carry_revenue_and_speed_to_lead(hand_counted, client, manager):
    """The figures of the module docstring, per campaign and variant, and speed to lead per week and person.
    All campaigns: 5 texts ($0.05), 2 won: $0.025 a won job, rounded half up to $0.03."""
    client.force_login(manager)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboard:monthly_report"), {"month": "2026-03", "format": "csv"})
        stored = monthly_report_store(month=dt.date(2026, 3, 1)).csv_content
    downloaded = response.content.decode()
    assert stored == downloaded
    rows = list(csv.DictReader(io.StringIO(downloaded)))
    assert [(r["scope"], r["campaign"], r["variant"], r["week"], r["staff"]) for r in rows] == [
        ("overall", "", "", "", ""),
        ("campaign", "Fall", "", "", ""),
        ("campaign", "Spring", "", "", ""),
        ("variant", "Spring", "A", "", ""),
        ("variant", "Spring", "B", "", ""),
        ("all_campaigns", "", "", "", ""),
        ("speed_month", "", "", "", ""),
        ("speed_week", "", "", "2026-03-02", ""),
        ("speed_staff", "", "", "", "pat"),
        ("speed_staff", "", "", "", "sam"),
    ]
    money = {(r["scope"], r["variant"] or r["campaign"]): tuple(r[c] for c in MONEY_COLUMNS) for r in rows[1:6]}
    assert money == {
        ("campaign", "Fall"): ("1", "0", "1", "0", "0.00", "0.01", "", "0.00"),
        ("campaign", "Spring"): ("4", "1", "3", "2", "6750.00", "0.04", "0.02", "168750.00"),
        ("variant", "A"): ("2", "1", "2", "1", "4250.00", "0.02", "0.02", "212500.00"),
        ("variant", "B"): ("2", "0", "1", "1", "2500.00", "0.02", "0.02", "125000.00"),
        ("all_campaigns", ""): ("5", "1", "4", "2", "6750.00", "0.05", "0.03", "135000.00"),
    }
    assert [tuple(r[c] for c in SPEED_COLUMNS) for r in rows[6:]] == [
        ("3", "2.00", "6.00"),  # the month: 2 h, 6 h, 0.5 h
        ("3", "2.00", "6.00"),  # week of Monday, March 2
        ("1", "0.50", "0.50"),  # pat
        ("2", "4.00", "6.00"),  # sam: 2 h and 6 h
    ]
    assert all(r[c] == "" for r in rows[:6] for c in SPEED_COLUMNS)
    assert rows[0]["revenue_won"] == ""  # the overall row is about texts; the campaigns' total carries the money


def test_the_monthly_csv_lists_a_campaign_whose_money_came_after_its_texts(hand_counted, client, manager):
    """Spring texted in March; a quote made in April for h3 is credited to it: April's CSV has Spring with
    no texts and the quote."""
    spring, _ = hand_counted
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, tzinfo=ET), tick=False):
        h3 = Quote.objects.get(campaign=spring, amount=2500).contact
        _quote(h3, "700", QuoteState.ACCEPTED)
    client.force_login(manager)
    with time_machine.travel(dt.datetime(2026, 4, 20, 9, tzinfo=ET), tick=False):
        response = client.get(reverse("dashboard:monthly_report"), {"month": "2026-04", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    spring_row = next(r for r in rows if r["scope"] == "campaign")
    assert (spring_row["campaign"], spring_row["texts_sent"], spring_row["response_rate"]) == ("Spring", "0", "")
    assert (spring_row["quotes_sent"], spring_row["quotes_accepted"], spring_row["revenue_won"]) == ("1", "1", "700.00")
    assert [r["scope"] for r in rows] == ["overall", "campaign", "all_campaigns", "speed_month"]


def _speed_by_reading_every_text(period: Period) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """The definition of a wait, walked text by text in Python: (asked, answered, staff id) per answered wait."""
    from contacts.models import Activity, ActivityKind

    start, end = period.bounds()
    waits, waiting_since = [], {}
    texts = Activity.objects.filter(
        kind=ActivityKind.MESSAGE, conversation__isnull=False, occurred_at__gte=start,
        occurred_at__lt=end + dt.timedelta(days=7),
    ).order_by("conversation_id", "occurred_at", "id")
    for text in texts:
        if text.direction == Direction.INCOMING:
            if text.occurred_at < end:
                waiting_since.setdefault(text.conversation_id, text.occurred_at)
        elif text.sent_by_id is not None and text.conversation_id in waiting_since:
            waits.append((waiting_since.pop(text.conversation_id), text.occurred_at, text.sent_by_id))
    return sorted(waits)


def test_speed_to_lead_pairs_texts_and_answers_in_the_database_as_the_definition_does(
    db, django_assert_num_queries
):
    """Random conversations: homeowner texts, staff answers, campaign texts (no sender), same-minute ties,
    texts before, at the end of and after March, answers up to a week after it."""
    import random

    from dashboard.selectors import _answered_waits

    rng = random.Random(19)
    staff = [UserFactory(username=f"answerer{i}") for i in range(3)]
    march = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    for _ in range(12):
        conversation = ConversationFactory()
        moment = dt.datetime(2026, 2, 27, 8, tzinfo=ET)
        for _ in range(rng.randrange(3, 25)):
            moment += dt.timedelta(minutes=rng.choice([0, 0, 7, 45, 300, 1440, 4000]))
            kind = rng.choice(["homeowner", "homeowner", "staff", "campaign"])
            ActivityFactory(
                contact=conversation.contact, conversation=conversation, occurred_at=moment,
                direction=Direction.INCOMING if kind == "homeowner" else Direction.OUTGOING,
                sent_by=rng.choice(staff) if kind == "staff" else None,
            )
    expected = _speed_by_reading_every_text(march)
    assert len(expected) >= 10  # the random set has enough waits to mean something

    start, end = march.bounds()
    with django_assert_num_queries(1):
        paired = sorted((asked, answered, staff_id) for asked, answered, staff_id, *_ in _answered_waits(start, end))
    assert paired == expected

    speed = speed_to_lead(period=march)
    assert speed.overall.answered == len(expected)
    assert sum(s.answered for s in speed.by_staff) == sum(w.answered for w in speed.by_week) == len(expected)
