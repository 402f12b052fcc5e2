"""The office inbox (/admin/inbox/) and its thread, used as Office staff and Managers do."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.inbox import selectors, services
from contacts.models import Activity, ActivityKind, Conversation, Direction, SavedReply
from contacts.roles import MANAGER, OFFICE_STAFF
from contacts.services import activity_record, contact_apply_reply_keywords, contact_opt_out
from tests.factories import (
    ActivityFactory,
    CampaignMembershipFactory,
    ContactFactory,
    ConversationFactory,
    PropertyContactFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ET = ZoneInfo("America/New_York")
# A Tuesday noon in Boston: inside every homeowner's send window.
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ET)
INBOX = reverse("inbox:index")


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


def _member_of(group: str, username: str):
    user = UserFactory(username=username, first_name=username.title())
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def office(client):
    user = _member_of(OFFICE_STAFF, "maria")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def manager(client):
    user = _member_of(MANAGER, "dave")
    client.force_login(user)
    client.user = user
    return client


def waiting(*, minutes_ago: int = 30, line: str = "PNtoDbDhuz", body: str = "Is the estimate free?", **contact):
    """A conversation whose homeowner wrote last, `minutes_ago`."""
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    person = ContactFactory(**contact)
    conversation = ConversationFactory(contact=person, phone_number_id=line, last_activity_at=at, waiting_for_reply=True)
    ActivityFactory(contact=person, conversation=conversation, direction=Direction.INCOMING, body=body, occurred_at=at)
    return conversation


def listed(response) -> list[int]:
    return [row.conversation.pk for row in response.context["rows"]]


# --- The list ---------------------------------------------------------------------------------


def homeowner_writes(conversation, body: str, *, minutes_ago: int = 0, openphone_id: str = ""):
    """A text from the homeowner arriving as webhooks bring it: recorded, then read (contacts.reading)."""
    activity, _ = activity_record(
        contact=conversation.contact, kind=ActivityKind.MESSAGE, direction=Direction.INCOMING,
        openphone_id=openphone_id or f"AC{conversation.pk}x{minutes_ago}x{len(body)}", phone_number_id=conversation.phone_number_id,
        occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), body=body,
    )
    contact_apply_reply_keywords(activity=activity)
    return activity


def test_needs_reply_lists_interested_replies_first_then_the_longest_waiting(office):
    old = waiting(minutes_ago=300)
    newer = waiting(minutes_ago=10)
    interested = ConversationFactory(waiting_for_reply=False, last_activity_at=None)
    CampaignMembershipFactory(contact=interested.contact, sent_at=timezone.now() - datetime.timedelta(days=1),
                              campaign__name="Worcester spring")
    homeowner_writes(interested, "Yes please, I'd like a free estimate for the crack", minutes_ago=5)
    answered = ConversationFactory(waiting_for_reply=False)

    response = office.get(INBOX)

    assert response.status_code == 200
    assert listed(response) == [interested.pk, old.pk, newer.pk]
    assert answered.pk not in listed(response)
    row = response.context["rows"][0]
    assert (row.intent_label, row.campaign) == ("Interested", "Worcester spring")
    assert b"Worcester spring" in response.content and b"intent-interested" in response.content


def test_the_badge_reads_the_newest_text_even_without_a_campaign(office):
    """A homeowner who writes in on their own gets the same badge; a later text replaces an earlier reading,
    and reading an older text again does not."""
    conversation = ConversationFactory(waiting_for_reply=False, last_activity_at=None)
    first = homeowner_writes(conversation, "Who is this?", minutes_ago=30)
    assert Conversation.objects.get(pk=conversation.pk).reply_intent == "question"

    homeowner_writes(conversation, "Yes, please come take a look this week", minutes_ago=2)
    assert Conversation.objects.get(pk=conversation.pk).reply_intent == "interested"

    contact_apply_reply_keywords(activity=first)  # e.g. reclassify_replies reading the old text again
    assert Conversation.objects.get(pk=conversation.pk).reply_intent == "interested"
    row = office.get(INBOX).context["rows"][0]
    assert (row.conversation.pk, row.intent_label, row.campaign) == (conversation.pk, "Interested", "")


def test_a_row_shows_the_last_message_cut_at_120_characters_and_a_tel_link(office):
    conversation = waiting(body="x" * 200, phone="+16175550199")
    response = office.get(INBOX)
    row = response.context["rows"][0]
    assert row.preview == "x" * 120 + "…"
    assert b'href="tel:+16175550199"' in response.content
    assert row.line == "PNtoDbDhuz"  # no Line row known: its id
    assert conversation.pk == row.conversation.pk


def test_snoozed_conversations_leave_needs_reply_until_the_snooze_runs_out(office):
    conversation = waiting()
    services.conversation_snooze(conversation=conversation, until=timezone.now() + datetime.timedelta(hours=2),
                                 by_user=office.user)
    assert conversation.pk not in listed(office.get(INBOX))
    assert listed(office.get(INBOX, {"view": "snoozed"})) == [conversation.pk]
    with time_machine.travel(NOON + datetime.timedelta(hours=2, minutes=1), tick=False):
        assert listed(office.get(INBOX)) == [conversation.pk]
        assert listed(office.get(INBOX, {"view": "snoozed"})) == []


def test_a_new_text_from_the_homeowner_brings_a_snoozed_or_done_conversation_back(office):
    snoozed, done = waiting(), waiting()
    services.conversation_snooze(conversation=snoozed, until=timezone.now() + datetime.timedelta(days=3),
                                 by_user=office.user)
    services.conversation_mark_done(conversation=done, by_user=office.user)
    assert listed(office.get(INBOX)) == []

    for n, conversation in enumerate((snoozed, done)):
        activity_record(contact=conversation.contact, kind=ActivityKind.MESSAGE, direction=Direction.INCOMING,
                        openphone_id=f"ACagain{n}", occurred_at=timezone.now(), phone_number_id="PNtoDbDhuz",
                        body="Hello? Still there?")

    assert sorted(listed(office.get(INBOX))) == sorted([snoozed.pk, done.pk])
    assert list(Conversation.objects.values_list("snoozed_until", "done_at", "done_by")) == [(None, None, None)] * 2


def test_mine_unassigned_done_and_all(office):
    mine, theirs, nobodys = waiting(), waiting(), waiting()
    services.conversation_assign(conversation=mine, user=office.user, by_user=office.user)
    services.conversation_assign(conversation=theirs, user=UserFactory(username="joe"), by_user=office.user)
    closed = waiting()
    services.conversation_mark_done(conversation=closed, by_user=office.user)

    assert listed(office.get(INBOX, {"view": "mine"})) == [mine.pk]
    assert listed(office.get(INBOX, {"view": "unassigned"})) == [nobodys.pk]
    assert listed(office.get(INBOX, {"view": "done"})) == [closed.pk]
    assert sorted(listed(office.get(INBOX, {"view": "all"}))) == sorted([mine.pk, theirs.pk, nobodys.pk, closed.pk])


def test_line_filter(office):
    first, second = waiting(line="PNfirstLine"), waiting(line="PNsecondLn")
    assert listed(office.get(INBOX, {"line": "PNsecondLn"})) == [second.pk]
    assert listed(office.get(INBOX, {"line": "PNfirstLine"})) == [first.pk]
    assert ("PNsecondLn", "PNsecondLn") in office.get(INBOX).context["lines"]


@pytest.mark.parametrize("term", ["(617) 555-0142", "617.555.0142", "+16175550142", "555-0142"])
def test_search_by_phone_in_any_format(office, term):
    found = waiting(phone="+16175550142")
    waiting(phone="+16175550999")
    assert listed(office.get(INBOX, {"q": term})) == [found.pk]


def test_search_by_name_address_and_words_of_a_text(office):
    jane = waiting(first_name="Jane", last_name="Ortiz", body="Hi")
    by_address = waiting(first_name="Al", last_name="Smith", body="Hi")
    PropertyContactFactory(contact=by_address.contact, property__address="44 Chestnut Hill Rd")
    by_words = waiting(first_name="Bo", last_name="Lee", body="There is water in the basement after rain")
    ActivityFactory(contact=by_words.contact, conversation=by_words, body="Thanks",
                    occurred_at=timezone.now() - datetime.timedelta(days=2))

    assert listed(office.get(INBOX, {"q": "jane ortiz"})) == [jane.pk]
    assert listed(office.get(INBOX, {"q": "Chestnut Hill"})) == [by_address.pk]
    assert listed(office.get(INBOX, {"q": "basement"})) == [by_words.pk]


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INBOX).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_5_or_60_rows(office, django_assert_max_num_queries):
    for _ in range(5):
        conversation = waiting()
        CampaignMembershipFactory(contact=conversation.contact, sent_at=timezone.now(), reply_category="question")
    office.get(INBOX)  # warm caches (line list, permissions)
    few = _page_queries(office)
    for _ in range(55):
        conversation = waiting()
        CampaignMembershipFactory(contact=conversation.contact, sent_at=timezone.now(), reply_category="question")
        services.conversation_assign(conversation=conversation, user=UserFactory(), by_user=office.user)
    with django_assert_max_num_queries(few):
        response = office.get(INBOX)
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.count == 60


def test_the_header_shows_how_many_need_a_reply_in_one_query(office):
    waiting(), waiting()
    snoozed = waiting()
    services.conversation_snooze(conversation=snoozed, until=timezone.now() + datetime.timedelta(hours=1),
                                 by_user=office.user)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.inbox_needs_reply_count() == 2
    assert len(queries) == 1
    page = office.get(reverse("admin:index")).content.decode()
    assert 'id="inbox-link"' in page and 'class="inbox-count" title="Conversations that need a reply">2<' in page


# --- The thread -------------------------------------------------------------------------------


def test_thread_reads_oldest_first_with_calls_voicemails_and_notes(office):
    conversation = waiting(minutes_ago=5, body="Here is the crack")
    person = conversation.contact
    earlier = timezone.now() - datetime.timedelta(hours=3)
    ActivityFactory(contact=person, conversation=conversation, direction=Direction.OUTGOING, body="Hi from us",
                    occurred_at=earlier)
    ActivityFactory(contact=person, conversation=conversation, kind=ActivityKind.CALL, direction=Direction.INCOMING,
                    body="", duration_seconds=245, recording_url="https://files.example/rec.mp3",
                    occurred_at=earlier + datetime.timedelta(minutes=10))
    ActivityFactory(contact=person, conversation=conversation, kind=ActivityKind.VOICEMAIL,
                    direction=Direction.INCOMING, body="", transcript="Call me back about the wall",
                    occurred_at=earlier + datetime.timedelta(minutes=20))

    response = office.get(reverse("inbox:thread", args=[conversation.pk]))

    page = response.content.decode()
    order = [page.index(text) for text in ("Hi from us", "4:05", "Call me back about the wall", "Here is the crack")]
    assert order == sorted(order)
    assert '<audio controls preload="none" src="https://files.example/rec.mp3">' in page
    assert "Send from PNtoDbDhuz" in page


def test_reply_goes_out_from_the_conversations_own_line_and_clears_needs_reply(office, outbox):
    conversation = waiting(line="PNsecondLn", phone="+16175550111")

    response = office.post(reverse("inbox:reply", args=[conversation.pk]), {"body": "We can come Thursday."})

    assert response.status_code == 302
    assert [(m.to, m.from_line, m.body) for m in outbox] == [("+16175550111", "PNsecondLn", "We can come Thursday.")]
    conversation.refresh_from_db()
    assert conversation.waiting_for_reply is False
    assert Conversation.objects.count() == 1  # no second conversation on the default line
    sent = Activity.objects.get(direction=Direction.OUTGOING)
    assert (sent.conversation_id, sent.sent_by) == (conversation.pk, office.user)
    assert conversation.pk not in listed(office.get(INBOX))


def test_opted_out_homeowner_disables_the_box_and_says_why_and_since_when(office, outbox):
    conversation = waiting()
    contact_opt_out(contact=conversation.contact, reason="Replied STOP", source="inbound_message")

    page = office.get(reverse("inbox:thread", args=[conversation.pk])).content.decode()
    assert "Replies are turned off" in page and "opted out" in page and "Mar 10, 2026" in page
    assert 'id="reply-form"' not in page

    office.post(reverse("inbox:reply", args=[conversation.pk]), {"body": "Still there?"})
    assert outbox == []


def test_outside_the_window_the_box_says_when_it_opens(office, outbox):
    conversation = waiting(phone="+16175550123")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 22, 30, tzinfo=ET), tick=False):
        office.force_login(office.user)  # signed in this evening: the noon session ended after 8 idle hours
        page = office.get(reverse("inbox:thread", args=[conversation.pk])).content.decode()
        assert "outside" in page and "It opens at 8:00 AM their time" in page
        office.post(reverse("inbox:reply", args=[conversation.pk]), {"body": "Late answer"})
    assert outbox == []


def test_saved_replies_are_filled_in_for_the_homeowner(office):
    conversation = waiting(first_name="Mary")
    PropertyContactFactory(contact=conversation.contact, property__address="12 Elm St")
    SavedReply.objects.create(title="Estimate", body="Hi {first_name|there}, we can look at {property_address}.")
    page = office.get(reverse("inbox:thread", args=[conversation.pk])).content.decode()
    assert '<option value="Hi Mary, we can look at 12 Elm St.">Estimate</option>' in page


def test_done_snooze_assign_note_and_call_from_the_thread(office):
    conversation = waiting()
    url = lambda name: reverse("inbox:action", args=[conversation.pk, name])  # noqa: E731

    office.post(url("assign"), {"user": office.user.pk})
    office.post(url("note"), {"body": "Wants a Saturday visit"})
    office.post(url("call"), {"outcome": "left-voicemail", "minutes": "1", "note": "Left details"})
    conversation.refresh_from_db()
    assert conversation.assigned_to == office.user and conversation.waiting_for_reply  # a voicemail answers nothing
    note = Activity.objects.get(kind=ActivityKind.NOTE)
    call = Activity.objects.get(kind=ActivityKind.CALL)
    assert (note.conversation_id, note.body, note.sent_by) == (conversation.pk, "Wants a Saturday visit", office.user)
    assert (call.summary, call.duration_seconds, call.body) == ("Left a voicemail", 60, "Left details")

    office.post(url("snooze"), {"preset": "tomorrow"})
    conversation.refresh_from_db()
    assert conversation.snoozed_until == datetime.datetime(2026, 3, 11, 9, 0, tzinfo=ET)
    office.post(url("snooze"), {"preset": "monday"})
    conversation.refresh_from_db()
    assert conversation.snoozed_until == datetime.datetime(2026, 3, 16, 9, 0, tzinfo=ET)
    office.post(url("snooze"), {"preset": "custom", "until": "2026-03-12T14:30"})
    conversation.refresh_from_db()
    assert conversation.snoozed_until == datetime.datetime(2026, 3, 12, 14, 30, tzinfo=ET)

    office.post(url("done"))
    conversation.refresh_from_db()
    assert (conversation.waiting_for_reply, conversation.done_by, conversation.snoozed_until) == (
        False, office.user, None)


def test_a_snooze_in_the_past_is_refused_with_a_reason(office):
    conversation = waiting()
    response = office.post(reverse("inbox:action", args=[conversation.pk, "snooze"]),
                           {"preset": "custom", "until": "2026-03-01T09:00"}, follow=True)
    assert "Nothing changed: Choose a time in the future." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.snoozed_until is None


def test_a_call_that_reached_them_answers_the_conversation(office):
    conversation = waiting()
    office.post(reverse("inbox:action", args=[conversation.pk, "call"]), {"outcome": "reached"})
    conversation.refresh_from_db()
    assert conversation.waiting_for_reply is False


def test_polling_tells_the_page_something_new_arrived(office):
    conversation = waiting()
    stamp = office.get(reverse("inbox:poll")).json()["stamp"]
    latest = office.get(reverse("inbox:thread_poll", args=[conversation.pk])).json()["latest"]
    activity, _ = activity_record(contact=conversation.contact, kind=ActivityKind.MESSAGE,
                                  direction=Direction.INCOMING, openphone_id="ACnew1",
                                  occurred_at=timezone.now() + datetime.timedelta(seconds=1),
                                  phone_number_id="PNtoDbDhuz", body="Any news?")
    assert office.get(reverse("inbox:poll")).json()["stamp"] != stamp
    assert office.get(reverse("inbox:thread_poll", args=[conversation.pk])).json()["latest"] == activity.pk != latest


# --- Who may ------------------------------------------------------------------------------------


def test_a_colleagues_assignment_snooze_or_done_changes_what_the_inbox_polls(office, django_capture_on_commit_callbacks):
    """Nothing new arrived, but a colleague took, snoozed or closed a conversation: open inboxes refresh too."""
    first, second = waiting(), waiting()
    colleague = _member_of(OFFICE_STAFF, "kevin")
    poll = reverse("inbox:poll")
    seen = [office.get(poll).json()["stamp"]]
    for change in (
        lambda: services.conversation_assign(conversation=first, user=colleague, by_user=colleague),
        lambda: services.conversation_snooze(conversation=second, until=timezone.now() + datetime.timedelta(hours=2),
                                             by_user=colleague),
        lambda: services.conversation_mark_done(conversation=first, by_user=colleague),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            change()
        seen.append(office.get(poll).json()["stamp"])
    assert len(set(seen)) == 4, seen
    assert office.get(poll).json()["stamp"] == seen[-1]  # and stays put while nothing changes


def test_managers_can_use_the_inbox_too(manager, outbox):
    conversation = waiting()
    assert manager.get(INBOX).status_code == 200
    assert manager.get(reverse("inbox:thread", args=[conversation.pk])).status_code == 200
    manager.post(reverse("inbox:reply", args=[conversation.pk]), {"body": "On it"})
    assert len(outbox) == 1


def test_staff_outside_both_groups_get_403_everywhere(client, outbox):
    conversation = waiting()
    client.force_login(UserFactory(username="temp"))
    urls = [INBOX, reverse("inbox:poll"), reverse("inbox:thread", args=[conversation.pk]),
            reverse("inbox:thread_poll", args=[conversation.pk])]
    assert [client.get(u).status_code for u in urls] == [403] * 4
    posts = [reverse("inbox:reply", args=[conversation.pk]), reverse("inbox:action", args=[conversation.pk, "done"])]
    assert [client.post(u, {"body": "x"}).status_code for u in posts] == [403] * 2
    assert outbox == []
    assert 'id="inbox-link"' not in client.get(reverse("admin:index")).content.decode()


def test_office_staff_manage_saved_replies_but_only_managers_delete_them(office):
    assert office.get(reverse("admin:contacts_savedreply_add")).status_code == 200
    response = office.post(reverse("admin:contacts_savedreply_add"), {"title": "Bad", "body": "Hi {nickname}"})
    assert "Unknown merge field" in response.content.decode()
    assert not SavedReply.objects.exists()
    office.post(reverse("admin:contacts_savedreply_add"), {"title": "Thanks", "body": "Thanks {first_name|there}!"})
    reply = SavedReply.objects.get()
    assert office.get(reverse("admin:contacts_savedreply_delete", args=[reply.pk])).status_code == 403
