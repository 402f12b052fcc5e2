"""The contact page as office staff use it: reply on the homeowner's own line (which clears "waiting"),
links to their threads, add a note, log a call, see their campaigns; texting disabled with the reason."""
from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from campaigns.models import MembershipStatus
from contacts.models import Activity, ActivityKind, Conversation, Line
from contacts.roles import OFFICE_STAFF
from contacts.services import lines_upsert
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory, ConversationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOMEOWNER = "+16175550123"


@pytest.fixture(autouse=True)
def _noon_in_boston():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York")), tick=False):
        yield


@pytest.fixture
def office(client):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client.force_login(user)
    return user


@pytest.fixture
def mary(settings):
    settings.OPENPHONE_PHONE_NUMBER_ID = "PNdefault"
    lines_upsert(lines=[{"id": "PNfront", "number": "+16175550100", "name": "Front office"},
                        {"id": "PNfield", "number": "+16175550101", "name": "Field"}])
    contact = ContactFactory(first_name="Mary", last_name="Ortiz", phone=HOMEOWNER, mailing_state="MA")
    now = datetime.datetime.now(datetime.UTC)
    ConversationFactory(contact=contact, phone_number_id="PNfront", waiting_for_reply=False,
                        last_activity_at=now - datetime.timedelta(days=3))
    ConversationFactory(contact=contact, phone_number_id="PNfield", waiting_for_reply=True,
                        last_activity_at=now - datetime.timedelta(hours=1))
    return contact


def _change_url(contact):
    return reverse("admin:contacts_contact_change", args=[contact.pk])


def test_a_reply_goes_out_on_the_homeowners_latest_line_and_clears_waiting(client, office, mary, outbox):
    page = client.get(_change_url(mary)).content.decode()
    assert "Field (+1 617-555-0101)" in page and "Front office (+1 617-555-0100)" in page  # a choice of two
    response = client.post(reverse("admin:contacts_contact_send_text", args=[mary.pk]),
                           {"body": "Hi Mary, we can come Thursday.", "token": uuid.uuid4().hex})
    assert response.status_code == 302
    [message] = outbox
    assert (message.to, message.from_line) == (HOMEOWNER, "PNfield")
    # No second conversation on the default line; hers stops waiting.
    assert sorted(Conversation.objects.values_list("phone_number_id", flat=True)) == ["PNfield", "PNfront"]
    field = Conversation.objects.get(phone_number_id="PNfield")
    assert field.waiting_for_reply is False
    assert Activity.objects.get(direction="outgoing").conversation == field


def test_staff_may_choose_another_of_her_lines(client, office, mary, outbox):
    client.post(reverse("admin:contacts_contact_send_text", args=[mary.pk]),
                {"body": "From the front office", "line": "PNfront", "token": uuid.uuid4().hex})
    assert [m.from_line for m in outbox] == ["PNfront"]
    assert Conversation.objects.count() == 2


def test_a_line_that_is_not_hers_is_refused(client, office, mary, outbox):
    client.post(reverse("admin:contacts_contact_send_text", args=[mary.pk]),
                {"body": "Hello", "line": "PNsomeoneElse", "token": uuid.uuid4().hex})
    assert outbox == []


def test_the_page_links_to_each_thread(client, office, mary):
    page = client.get(_change_url(mary)).content.decode()
    for conversation in mary.conversations.all():
        assert f'href="/admin/inbox/{conversation.pk}/"' in page


def test_office_staff_add_a_note_and_log_a_call(client, office, mary):
    client.post(reverse("admin:contacts_contact_add_note", args=[mary.pk]), {"body": "Prefers mornings"})
    client.post(reverse("admin:contacts_contact_log_call", args=[mary.pk]),
                {"outcome": "left-voicemail", "note": "Asked her to call back"})
    note = Activity.objects.get(kind=ActivityKind.NOTE)
    call = Activity.objects.get(kind=ActivityKind.CALL)
    assert (note.body, note.sent_by) == ("Prefers mornings", office)
    assert (call.status, call.body, call.sent_by, call.direction) == (
        "left-voicemail", "Asked her to call back", office, "outgoing")
    assert call.conversation.phone_number_id == "PNfield"
    page = client.get(_change_url(mary)).content.decode()
    assert "Prefers mornings" in page and "Asked her to call back" in page


def test_a_call_without_an_outcome_is_not_logged(client, office, mary):
    response = client.post(reverse("admin:contacts_contact_log_call", args=[mary.pk]), {"note": "?"}, follow=True)
    assert not Activity.objects.filter(kind=ActivityKind.CALL).exists()
    assert "Call not logged" in response.content.decode()


def test_people_who_may_not_edit_contacts_cannot_note_or_text(client, mary, outbox):
    client.force_login(UserFactory())  # staff, no group
    assert client.post(reverse("admin:contacts_contact_add_note", args=[mary.pk]), {"body": "x"}).status_code == 403
    client.logout()
    response = client.post(reverse("admin:contacts_contact_log_call", args=[mary.pk]), {"outcome": "reached"})
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert not Activity.objects.exists()


def test_the_campaigns_she_is_in_are_listed_with_their_state(client, office, mary):
    CampaignMembershipFactory(contact=mary, campaign=CampaignFactory(name="Spring Pittsfield"),
                              status=MembershipStatus.SENT)
    page = client.get(_change_url(mary)).content.decode()
    assert "Spring Pittsfield" in page and 'id="contact-campaigns"' in page
    assert MembershipStatus.SENT.label in page


def test_sending_is_disabled_with_the_reason_when_opted_out(client, office, mary):
    from contacts.services import contact_opt_out

    contact_opt_out(contact=mary, reason="Replied STOP", source="inbound_message")
    page = client.get(_change_url(mary)).content.decode()
    assert "This homeowner opted out of texts on Mar 10, 2026 (Replied STOP)" in page
    assert "<fieldset disabled>" in page


def test_line_names_replace_ids_on_the_conversations_screen(client, office, mary):
    page = client.get(reverse("admin:contacts_conversation_changelist")).content.decode()
    assert "Field (+1 617-555-0101)" in page
    assert ">PNfield<" not in page
    assert Line.objects.count() == 2
