"""The dashboard page: the figures it shows, the date-range selector, caching and a bounded number of queries."""
from __future__ import annotations

import datetime as dt
import random
import re
import time
import uuid

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import CampaignMembership, CampaignStatus, MembershipStatus
from contacts.models import Activity, ActivityKind, Contact, Conversation, Direction
from dashboard.caching import FIGURES_CACHE_SECONDS, periods_cache_key, today_cache_key
from dashboard.selectors import Period
from tests.factories import ActivityFactory, CampaignFactory

from .conftest import use_fresh_cache
from .known_data import LAST_7_EXPECTED, LAST_30_EXPECTED, NOW, PN1, TODAY_EXPECTED

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:index")


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert match, f"no figure {name!r} on the page"
    return match[1].strip()


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_page_shows_todays_figures(manager_client, known):
    html = manager_client.get(URL).content.decode()
    assert figure(html, "today-texts-sent") == str(TODAY_EXPECTED["texts_sent"])
    assert figure(html, "today-replies") == str(TODAY_EXPECTED["texts_received"])
    assert figure(html, "today-opt-outs") == "1"
    assert figure(html, "today-missed-calls") == "1"
    assert figure(html, "today-voicemails") == "1"
    assert figure(html, "waiting-total") == "3"
    assert "Wed Mar 12, 2025" in html  # the one date style (crm/formats)


def test_page_shows_line_usage_against_the_cap(manager_client, known, settings):
    settings.CAMPAIGN_LINE_DAILY_CAP = 125
    html = manager_client.get(URL).content.decode()
    row = re.search(rf'<tr data-line="{PN1}">(.*?)</tr>', html, re.S)[1]
    assert figure(row, "line-campaign-sent") == "3"
    assert "of 125" in row


def test_page_shows_period_figures_for_7_and_30_days(manager_client, known):
    html = manager_client.get(URL).content.decode()
    assert figure(html, "period-1-texts-sent") == str(LAST_7_EXPECTED["texts_sent"])
    assert figure(html, "period-2-texts-sent") == str(LAST_30_EXPECTED["texts_sent"])
    assert figure(html, "period-1-response-rate") == "40.0%"  # 2 of 5
    assert figure(html, "period-2-response-rate") == "57.1%"  # 4 of 7
    assert figure(html, "period-2-interested") == "2"
    assert figure(html, "period-1-new-contacts") == "3"
    assert "Response rate" in html and "replied ÷ sent" in html  # the definition is on the page


def test_chart_is_drawn_with_one_bar_per_day(manager_client, known):
    html = manager_client.get(URL).content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S)[0]
    bars = re.findall(r'<rect class="bar[^"]*"[^>]*data-sent="(\d+)"', svg)
    assert len(bars) == 30
    assert bars[-1] == "7"  # today
    assert "<polyline" in svg


def test_campaigns_table(manager_client, known):
    html = manager_client.get(URL).content.decode()
    row = re.search(rf'<tr data-campaign="{known.c1.pk}">(.*?)</tr>', html, re.S)[1]
    assert "Spring Worcester" in row and "Running" in row
    assert reverse("admin:campaigns_campaign_change", args=[known.c1.pk]) in row
    assert "<strong>6</strong> of 9" in row
    assert "75.0%" in row and "50.0%" in row  # A: 3 of 4, B: 1 of 2
    assert "Wed Mar 12" in row  # projected finish
    # The campaigns app's z-test, said in words, with its numbers behind a toggle.
    assert "A is ahead so far: 75.0 % replied against 50.0 %, but that could still be chance." in row
    assert re.search(r"<details[^>]*>\s*<summary>The numbers</summary>.*z = -0\.61, p = 0\.5403", row, re.S)


def test_waiting_list_links_to_contact_admin(manager_client, known):
    html = manager_client.get(URL).content.decode()
    waiting = re.search(r'<section class="panel" id="waiting".*?</section>', html, re.S)[0]
    links = re.findall(r'href="(/admin/contacts/contact/\d+/change/)"', waiting)
    assert links == [reverse("admin:contacts_contact_change", args=[pk]) for pk in
                     (known.m4.contact_id, known.stranger.pk, known.m1.contact_id)]
    assert "Interested, what does it cost?" in waiting


def test_date_range_selector_adds_a_column_and_redraws_the_chart(manager_client, known):
    html = manager_client.get(URL, {"start": "2025-03-01", "end": "2025-03-12"}).content.decode()
    assert "Mar 1, 2025 – Mar 12, 2025" in html
    assert figure(html, "period-3-texts-sent") == "10"  # a1..a10
    svg = re.search(r"<svg.*?</svg>", html, re.S)[0]
    assert len(re.findall(r'<rect class="bar', svg)) == 12


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2025-03-10", "end": "2025-03-01"}, "“From” must be on or before “To”."),
        ({"start": "2025-03-10", "end": "2025-03-13"}, "“To” cannot be after today"),
        ({"start": "2023-01-01", "end": "2025-03-01"}, "Choose at most 366 days"),
        ({"start": "yesterday", "end": "2025-03-01"}, "Enter a valid date."),
    ],
)
def test_bad_date_range_is_explained_and_the_default_periods_stay(manager_client, known, params, message):
    response = manager_client.get(URL, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'data-figure="period-3-texts-sent"' not in html
    assert figure(html, "period-2-texts-sent") == str(LAST_30_EXPECTED["texts_sent"])


def _seconds_to_live(key: str) -> float:
    """How long the cache keeps `key` (Redis TTL or local memory's expiry), in seconds."""
    backend = caches["default"]
    full_key = backend.make_and_validate_key(key)
    if isinstance(backend, RedisCache):
        return backend._cache.get_client(full_key).ttl(full_key)
    return backend._expire_info[full_key] - time.time()


def test_figures_are_cached_briefly_but_the_waiting_list_is_live(manager_client, known, frozen_clock, settings):
    first = manager_client.get(URL).content.decode()
    with CaptureQueriesContext(connection) as warm:
        manager_client.get(URL)
    ActivityFactory(contact=known.stranger, kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING, occurred_at=NOW)
    Conversation.objects.filter(contact=known.stranger).update(waiting_for_reply=False)
    cached = manager_client.get(URL).content.decode()
    assert figure(cached, "period-1-texts-sent") == figure(first, "period-1-texts-sent")  # served from cache
    assert figure(cached, "today-texts-sent") == figure(first, "today-texts-sent")
    assert figure(cached, "waiting-total") == "2"  # answered a moment ago: gone at once

    default_periods = [Period.last_days(7, today=NOW.date()), Period.last_days(30, today=NOW.date())]
    for key in (periods_cache_key(default_periods, default_periods[1]), today_cache_key(NOW.date())):
        assert 0 < _seconds_to_live(key) <= FIGURES_CACHE_SECONDS
        cache.delete(key)
    fresh = manager_client.get(URL).content.decode()
    assert figure(fresh, "period-1-texts-sent") == str(LAST_7_EXPECTED["texts_sent"] + 1)
    assert figure(fresh, "today-texts-sent") == str(TODAY_EXPECTED["texts_sent"] + 1)

    use_fresh_cache(settings)
    with CaptureQueriesContext(connection) as cold:
        manager_client.get(URL)
    # Warm: session, user, Manager group, the two waiting-list queries, the on-hold count and the live
    # list of campaigns a guardrail paused, only.
    assert len(warm) == 7 < len(cold)


# --- Query count does not grow with the data ----------------------------------------------------


def _bulk_activity(total: int) -> None:
    """`total` activities of every kind over 40 days, across lines, campaigns and waiting conversations."""
    rng = random.Random(total)
    batch = uuid.uuid4().hex[:6]
    people = max(5, total // 4)
    contacts = Contact.objects.bulk_create(
        Contact(first_name=f"P{i}", last_name=batch, phone=f"+1617{3000000 + total * 10 + i:07d}") for i in range(people)
    )
    lines = [PN1, "PNsecond01", "PNthird001"]
    conversations = Conversation.objects.bulk_create(
        Conversation(contact=c, phone_number_id=lines[i % 3], waiting_for_reply=i % 3 == 0,
                     last_activity_at=NOW - dt.timedelta(hours=i))
        for i, c in enumerate(contacts)
    )
    campaigns = [
        CampaignFactory(status=status, phone_number_id=lines[i % 3])
        for i, status in enumerate([CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.COMPLETED])
    ]
    memberships = CampaignMembership.objects.bulk_create(
        CampaignMembership(
            campaign=campaigns[i % 3], contact=c, variant="AB"[i % 2],
            status=rng.choice([MembershipStatus.PENDING, MembershipStatus.SENT, MembershipStatus.REPLIED]),
            sent_at=NOW - dt.timedelta(days=rng.randrange(40)) if i % 4 else None,
            replied_at=NOW - dt.timedelta(days=rng.randrange(20)) if i % 5 == 0 else None,
            reply_category="interested" if i % 10 == 0 else "",
        )
        for i, c in enumerate(contacts)
    )
    kinds = [
        (ActivityKind.MESSAGE, Direction.OUTGOING, "delivered"),
        (ActivityKind.MESSAGE, Direction.OUTGOING, "sent"),
        (ActivityKind.MESSAGE, Direction.INCOMING, "received"),
        (ActivityKind.CALL, Direction.INCOMING, "missed"),
        (ActivityKind.VOICEMAIL, Direction.INCOMING, "completed"),
        (ActivityKind.NOTE, "", ""),
    ]
    activities = Activity.objects.bulk_create(
        Activity(
            contact=contacts[i % people],
            conversation=conversations[i % people],
            kind=kind, direction=direction, status=status, body="hello",
            occurred_at=NOW - dt.timedelta(hours=rng.randrange(40 * 24)),
        )
        for i, (kind, direction, status) in ((i, kinds[i % len(kinds)]) for i in range(total))
    )
    # Half the people's first outgoing text is their campaign text.
    texts = {}
    for i, activity in enumerate(activities):
        if i % 2 and activity.kind == ActivityKind.MESSAGE and activity.direction == Direction.OUTGOING:
            texts.setdefault(i % people, activity)
    for index, activity in texts.items():
        memberships[index].activity = activity
    CampaignMembership.objects.bulk_update([memberships[index] for index in texts], ["activity"])


def _dashboard_queries(client, settings) -> int:
    use_fresh_cache(settings)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"start": "2025-02-01", "end": "2025-03-12"})
    assert response.status_code == 200
    return len(queries)


def test_query_count_is_the_same_for_10_and_1000_activities(manager_client, frozen_clock, settings):
    _bulk_activity(10)
    small = _dashboard_queries(manager_client, settings)
    _bulk_activity(990)
    assert Activity.objects.count() == 1000
    large = _dashboard_queries(manager_client, settings)
    assert small == large
    # session, user, Manager group; today 5 (timeline, campaign texts per line, staff texts per line,
    # active campaigns' lines, opt-outs); 3 periods x 4; chart 1; campaigns 2; waiting 2; interested 1;
    # the lines' names 1 (cached afterwards; the fresh cache here makes every run read them); on hold 1;
    # campaigns a guardrail paused 1; from reply to revenue 5 (texts, segments, quotes, estimate visits,
    # campaign names); speed to lead 1.
    assert large == 3 + 5 + 12 + 1 + 2 + 2 + 1 + 1 + 1 + 1 + 5 + 1
