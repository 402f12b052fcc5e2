"""The inbox through the REST API: answer, close, snooze and assign conversations; list who needs a reply."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from contacts.models import Activity, Conversation, Direction
from contacts.roles import OFFICE_STAFF
from contacts.services import contact_opt_out
from tests.api.conftest import token_client
from tests.factories import ActivityFactory, ContactFactory, ConversationFactory, UserFactory

pytestmark = pytest.mark.django_db

ET = ZoneInfo("America/New_York")
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ET)


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def office():
    user = UserFactory(username="maria")
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client = token_client(user)
    client.user = user
    return client


def waiting(line="PNsecondLn", **contact):
    person = ContactFactory(**contact)
    conversation = ConversationFactory(contact=person, phone_number_id=line, waiting_for_reply=True,
                                       last_activity_at=timezone.now() - datetime.timedelta(hours=1))
    ActivityFactory(contact=person, conversation=conversation, direction=Direction.INCOMING, body="Hi?",
                    occurred_at=conversation.last_activity_at)
    return conversation


def url(conversation, action=""):
    return f"/api/v1/conversations/{conversation.pk}/{action + '/' if action else ''}"


def test_a_message_goes_out_from_the_conversations_line(office, outbox):
    conversation = waiting(phone="+16175550111")
    response = office.post(url(conversation, "messages"), {"body": "Thursday at 10?"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["body"] == "Thursday at 10?" and response.json()["conversation"] == conversation.pk
    assert [(m.to, m.from_line) for m in outbox] == [("+16175550111", "PNsecondLn")]
    conversation.refresh_from_db()
    assert conversation.waiting_for_reply is False


def test_opted_out_is_409_and_nothing_is_sent(office, outbox):
    conversation = waiting()
    contact_opt_out(contact=conversation.contact, reason="STOP", source="inbound_message")
    response = office.post(url(conversation, "messages"), {"body": "Hello"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "opted_out"
    assert outbox == [] and not Activity.objects.filter(direction=Direction.OUTGOING).exists()


def test_outside_the_window_is_422_with_the_next_allowed_time(office, outbox):
    conversation = waiting(phone="+16175550123")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 21, 15, tzinfo=ET), tick=False):
        response = office.post(url(conversation, "messages"), {"body": "Late"}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "outside_window"
    assert datetime.datetime.fromisoformat(response.json()["next_allowed_at"]) == datetime.datetime(
        2026, 3, 11, 8, 0, tzinfo=ET)
    assert outbox == []


def test_done_snooze_assign_and_the_list_filters(office):
    first, second, third = waiting(), waiting(), waiting()
    assert office.post(url(first, "done")).json()["done_by"] == office.user.pk
    until = (timezone.now() + datetime.timedelta(hours=3)).isoformat()
    assert office.post(url(second, "snooze"), {"until": until}, format="json").status_code == 200
    assert office.post(url(third, "assign"), {"user": office.user.pk}, format="json").json()["assigned_to"] == office.user.pk

    ids = lambda r: [c["id"] for c in r.json()["results"]]  # noqa: E731
    assert ids(office.get("/api/v1/conversations/?needs_reply=true")) == [third.pk]
    assert sorted(ids(office.get("/api/v1/conversations/?needs_reply=false"))) == sorted([first.pk, second.pk])
    assert ids(office.get(f"/api/v1/conversations/?assignee={office.user.pk}")) == [third.pk]


def test_bad_snooze_and_assignee_are_400_saying_what(office):
    conversation = waiting()
    past = office.post(url(conversation, "snooze"), {"until": "2026-03-01T09:00:00-05:00"}, format="json")
    assert past.status_code == 400 and "future" in str(past.json())
    outsider = UserFactory(username="customer", is_staff=False)
    bad = office.post(url(conversation, "assign"), {"user": outsider.pk}, format="json")
    assert bad.status_code == 400 and "user" in bad.json()
    conversation.refresh_from_db()
    assert (conversation.snoozed_until, conversation.assigned_to) == (None, None)


def test_without_change_permission_the_actions_are_403(outbox):
    reader = UserFactory(username="reader")
    from django.contrib.auth.models import Permission

    reader.user_permissions.add(Permission.objects.get(codename="view_conversation"))
    client = token_client(reader)
    conversation = waiting()
    assert client.get("/api/v1/conversations/").status_code == 200
    for action, body in (("messages", {"body": "x"}), ("done", {}), ("snooze", {"until": "2026-03-11T09:00:00Z"}),
                         ("assign", {"user": None})):
        assert client.post(url(conversation, action), body, format="json").status_code == 403
    assert outbox == [] and Conversation.objects.get().waiting_for_reply
