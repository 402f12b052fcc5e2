"""`manage.py seed_demo`: realistic, repeatable demo data with the shape of a real office's weeks."""
from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Activity, ActivityKind, Contact, ContactPhone, Conversation, OptOutEvent, Tag
from properties.models import Property, PropertyContact

pytestmark = pytest.mark.django_db

BOSTON = ZoneInfo("America/New_York")
# A Wednesday afternoon: the 45 days before it hold 6 full weekends.
NOW = dt.datetime(2026, 3, 18, 16, 30, tzinfo=BOSTON)
MA_AREA_CODES = {"617", "857", "781", "339", "978", "351", "508", "774", "413"}


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Contact, ContactPhone, Tag, Property, PropertyContact, Conversation, Activity,
                          OptOutEvent, Contact.tags.through)}


def _seed(**options) -> str:
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_twice_leaves_the_same_counts():
    first_output = _seed(homeowners=150)
    first = _counts()
    assert first["Contact"] == 150
    second_output = _seed(homeowners=150)
    assert _counts() == first
    assert "(150 new)" in first_output
    assert "(0 new)" in second_output


def test_seed_demo_default_is_three_hundred_homeowners_with_everything_the_office_sees():
    output = _seed()
    assert Contact.objects.count() == 300
    assert "Homeowners:" in output and "Timeline:" in output
    # Every number is a valid Massachusetts number (and a fictional 555-01xx one).
    for phone in Contact.objects.values_list("phone", flat=True):
        parsed = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(parsed), phone
        assert phone[2:5] in MA_AREA_CODES and phone[5:10] == "55501", phone
    assert Property.objects.filter(state="MA").count() == Property.objects.count() > 200
    assert Property.objects.annotate(n=Count("contact_links")).filter(n=2).exists()  # some houses have two owners
    assert Contact.objects.annotate(n=Count("property_links")).filter(n=2).exists()  # some owners have two houses
    assert Property.objects.filter(year_built__isnull=False, estimated_value__gt=0, equity_percent__isnull=False,
                                   apn__gt="").count() == Property.objects.count()
    assert Contact.tags.through.objects.exists()
    assert Activity.objects.filter(kind=ActivityKind.NOTE).exists()
    # Texts and calls: answered, missed, voicemails with recordings, summaries and transcripts.
    calls = Activity.objects.filter(kind=ActivityKind.CALL)
    assert calls.filter(status="completed", duration_seconds__gt=0).exists()
    assert calls.filter(status="missed").exists()
    assert calls.exclude(summary="").exists() and calls.exclude(transcript="").exists()
    voicemails = Activity.objects.filter(kind=ActivityKind.VOICEMAIL)
    assert voicemails.exists() and not voicemails.filter(recording_url="").exists()
    assert Activity.objects.filter(kind=ActivityKind.MESSAGE, direction="incoming").exists()
    assert Activity.objects.filter(openphone_id__startswith="ACdemo").count() == Activity.objects.exclude(
        kind=ActivityKind.NOTE).count()
    # A few people replied STOP and are opted out, with the audit record pointing at their message.
    opted_out = Contact.objects.filter(opted_out=True)
    assert 1 <= opted_out.count() <= 20
    for contact in opted_out:
        event = contact.opt_out_events.get()
        assert event.source == "inbound_message" and event.activity.direction == "incoming"
    # Some conversations wait for our reply: their last message is the homeowner's.
    waiting = Conversation.objects.filter(waiting_for_reply=True)
    assert waiting.exists()
    for conversation in waiting:
        last = conversation.activities.order_by("-occurred_at").first()
        assert (last.kind, last.direction) == (ActivityKind.MESSAGE, "incoming")
        assert conversation.last_activity_at == last.occurred_at


def test_seed_demo_has_the_shape_of_real_weeks():
    _seed()
    moments = [timezone.localtime(at, BOSTON) for at in Activity.objects.values_list("occurred_at", flat=True)]
    assert all(moment <= NOW for moment in moments)
    window = [m for m in moments if (NOW.date() - m.date()).days < 45]
    assert len(window) > 0.9 * len(moments)  # spread over the last 45 days
    days = [NOW.date() - dt.timedelta(days=n) for n in range(45)]
    weekday_days = sum(1 for d in days if d.weekday() < 5)
    weekend_days = len(days) - weekday_days
    per_day = Counter("weekend" if m.weekday() >= 5 else "weekday" for m in window)
    weekday_rate, weekend_rate = per_day["weekday"] / weekday_days, per_day["weekend"] / weekend_days
    assert weekday_rate > 5 * weekend_rate, (weekday_rate, weekend_rate)
    # Ramping up over the last three weeks.
    recent = sum(1 for m in window if (NOW.date() - m.date()).days < 21) / 21
    earlier = sum(1 for m in window if (NOW.date() - m.date()).days >= 21) / 24
    assert recent > 1.5 * earlier, (recent, earlier)
    # Business hours, give or take homeowners answering in the evening.
    in_hours = sum(1 for m in moments if 8 <= m.hour < 19)
    assert in_hours > 0.9 * len(moments)


@pytest.mark.parametrize("homeowners", [60, 300])
def test_seed_demo_writes_in_bulk(homeowners):
    with CaptureQueriesContext(connection) as queries:
        _seed(homeowners=homeowners)
    # Hundreds of people, houses and messages: a query per row would be thousands. The demo
    # campaigns' replies go through the real reply service (reading, lead status with its audit
    # history, opt-outs), at most 10 queries each; the visits, quotes and jobs of those who replied
    # go through jobs.services (validation, attribution, lead status), at most 12 queries per visit,
    # quote, job or follow-up written. Up to 12 texted photos are stored through the media services:
    # a few hundred more, whatever the number of homeowners.
    from campaigns.models import CampaignMembership
    from jobs.models import Appointment, FollowUpTask, Job, Quote

    jobs_rows = sum(model.objects.count() for model in (Appointment, FollowUpTask, Job, Quote))
    replies = CampaignMembership.objects.filter(replied_at__isnull=False).count()
    assert len(queries.captured_queries) < 600 + 12 * jobs_rows + 10 * replies, (jobs_rows, replies)


def test_seed_demo_includes_the_demo_campaigns():
    from campaigns.models import Campaign, CampaignMembership, CampaignStatus

    _seed(homeowners=120)
    assert set(Campaign.objects.values_list("status", flat=True)) == {CampaignStatus.COMPLETED, CampaignStatus.RUNNING}
    assert CampaignMembership.objects.filter(activity__isnull=False).exists()
    assert CampaignMembership.objects.filter(replied_at__isnull=False).exists()


def test_seed_demo_with_another_seed_on_top_does_not_break():
    _seed(homeowners=60)
    _seed(homeowners=80, seed=99)
    assert Contact.objects.count() >= 80


def test_seed_demo_names_its_lines_and_attaches_photos_as_copies():
    from contacts.models import ActivityMedia, Line, MediaStatus
    from contacts.selectors import line_label

    _seed(homeowners=120)
    assert {line.name for line in Line.objects.all()} == {"Front office", "Field (Kevin)"}
    conversation = Conversation.objects.first()
    assert line_label(conversation.phone_number_id).startswith("Front office (+1 413-555-0100)")
    photos = list(ActivityMedia.objects.select_related("activity"))
    assert photos and all(p.status == MediaStatus.COPIED and p.content_type == "image/png" for p in photos)
    assert all(p.activity.direction == "incoming" for p in photos)
    with photos[0].file.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    # A second run adds none.
    _seed(homeowners=120)
    assert ActivityMedia.objects.count() == len(photos)


def test_seed_demo_reads_every_homeowner_text_so_the_inbox_shows_intents():
    from contacts.inbox.selectors import inbox_conversations, inbox_rows

    _seed(homeowners=120)
    unread = Activity.objects.filter(kind="message", direction="incoming", reading_rule="")
    assert not unread.exists()
    intents = set(Conversation.objects.exclude(reply_intent="").values_list("reply_intent", flat=True))
    assert {"interested", "opt_out"} <= intents
    rows = inbox_rows(list(inbox_conversations().values_list("pk", flat=True)[:50]))
    assert rows[0].intent_label == "Interested"
