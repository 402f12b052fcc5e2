"""Holds: an unclear reply pauses every text until a person decides on the contact page.

The webhook path reads the text (contacts.reading), stores the reading on it, opts out on a
certain request and holds on a possible one; message_send refuses held contacts; office staff
decide with "Keep texting" or "Opt out"; the contacts list filters them; the dashboard counts them.
"""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from contacts.models import Activity, Contact, OptOutEvent, TextingHold
from contacts.roles import MANAGER, OFFICE_STAFF
from contacts.services import TextRefused, contact_apply_reply_keywords, contact_hold, message_send
from tests.factories import ActivityFactory, ContactFactory, UserFactory
from tests.openphone.sender import deliver, load_event

pytestmark = pytest.mark.django_db

NOON_BOSTON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))
HOMEOWNER = "+16175550123"


def _user(group_name, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def office(client):
    user = _user(OFFICE_STAFF, "olive.office")
    client.force_login(user)
    return user


def _receive(client, django_capture_on_commit_callbacks, body, n=1):
    payload = load_event("message.received", id=f"EVhold{n:04d}")
    payload["data"]["object"].update(id=f"AChold{n:04d}", text=body, **{"from": HOMEOWNER})
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, payload).status_code == 202
    return Activity.objects.get(openphone_id=f"AChold{n:04d}")


def _incoming(contact, body, **kwargs):
    return ActivityFactory(contact=contact, direction="incoming", body=body, status="received", **kwargs)


# --- the webhook path ------------------------------------------------------------------------

def test_an_unclear_reply_holds_the_contact_and_the_reading_is_stored(client, django_capture_on_commit_callbacks):
    contact = ContactFactory(phone=HOMEOWNER)
    activity = _receive(client, django_capture_on_commit_callbacks, "only text after 6 please")
    contact.refresh_from_db()
    assert contact.texting_held and not contact.opted_out
    hold = TextingHold.objects.get()
    assert (hold.contact, hold.activity, hold.source, hold.decision) == (contact, activity, "inbound_message", "")
    assert "only text after 6" in hold.reason and hold.held_at == activity.occurred_at
    assert (activity.reading_category, activity.reading_opt_out) == ("other", "possible")
    assert activity.reading_rule.startswith("possible.text_only_when")


def test_a_plain_request_opts_out_at_once(client, django_capture_on_commit_callbacks):
    contact = ContactFactory(phone=HOMEOWNER)
    activity = _receive(client, django_capture_on_commit_callbacks, "Please take my number off your list")
    contact.refresh_from_db()
    assert contact.opted_out and not contact.texting_held
    assert OptOutEvent.objects.get().activity == activity
    assert (activity.reading_category, activity.reading_opt_out, activity.reading_rule) == (
        "opt_out", "certain", "opt_out.remove_me",
    )


def test_a_false_friend_changes_nothing(client, django_capture_on_commit_callbacks):
    contact = ContactFactory(phone=HOMEOWNER)
    activity = _receive(client, django_capture_on_commit_callbacks, "Stop over whenever you like, I'm home all week")
    contact.refresh_from_db()
    assert not contact.opted_out and not contact.texting_held
    assert (activity.reading_category, activity.reading_opt_out) == ("interested", "none")
    assert not TextingHold.objects.exists() and not OptOutEvent.objects.exists()


def test_handling_the_same_unclear_text_twice_leaves_one_hold():
    contact = ContactFactory(phone=HOMEOWNER)
    activity = _incoming(contact, "not this number, try my cell")
    assert contact_apply_reply_keywords(activity=activity) == "held"
    assert contact_apply_reply_keywords(activity=activity) == "held"
    assert TextingHold.objects.count() == 1


def test_start_opts_back_in_and_settles_a_hold():
    contact = ContactFactory(phone=HOMEOWNER)
    contact_hold(contact=contact, reason="Replied “wtf”", source="inbound_message")
    start = _incoming(contact, "START")
    assert contact_apply_reply_keywords(activity=start) == "opted_in"
    contact.refresh_from_db()
    assert not contact.texting_held
    assert TextingHold.objects.get().decision == "opted_in"


# --- message_send ------------------------------------------------------------------------------

@time_machine.travel(NOON_BOSTON, tick=False)
def test_message_send_refuses_a_held_contact_with_a_clear_reason(outbox):
    contact = ContactFactory(phone=HOMEOWNER)
    contact_hold(contact=contact, reason="Replied “wtf”", source="inbound_message")
    with pytest.raises(TextRefused) as refused:
        message_send(contact=contact, body="Hi, following up")
    assert refused.value.code == "held"
    assert "on hold" in refused.value.messages[0] and "Keep texting" in refused.value.messages[0]
    assert outbox == [] and not Activity.objects.exists()


# --- the contact page ----------------------------------------------------------------------------

def _held_contact():
    contact = ContactFactory(phone=HOMEOWNER, first_name="Jane", last_name="Doe")
    activity = _incoming(contact, "why do you keep texting me")
    contact_apply_reply_keywords(activity=activity)
    return contact


def test_office_staff_see_the_message_beside_the_two_buttons(client, office):
    contact = _held_contact()
    html = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    panel = html[html.index('id="hold"'):]
    assert "why do you keep texting me" in panel[:2000]
    assert "Keep texting" in panel[:3000] and "Opt out" in panel[:3000]
    assert "possible.abuse" in panel[:2000]  # the rule that decided


@time_machine.travel(NOON_BOSTON, tick=False)
def test_keep_texting_lifts_the_hold_and_records_who(client, office, outbox):
    contact = _held_contact()
    url = reverse("admin:contacts_contact_hold_decision", args=[contact.pk])
    response = client.post(url, {"decision": "keep_texting"}, follow=True)
    assert "Hold lifted" in response.content.decode()
    contact.refresh_from_db()
    assert not contact.texting_held and not contact.opted_out
    hold = TextingHold.objects.get()
    assert (hold.decision, hold.decided_by) == ("keep_texting", office) and hold.decided_at is not None
    message_send(contact=contact, body="Thanks, we'll text after 6.")
    assert len(outbox) == 1


def test_opt_out_button_opts_out_with_the_staff_member_on_record(client, office):
    contact = _held_contact()
    url = reverse("admin:contacts_contact_hold_decision", args=[contact.pk])
    client.post(url, {"decision": "opt_out", "reason": "why do you keep texting me"})
    contact.refresh_from_db()
    assert contact.opted_out and not contact.texting_held
    event = OptOutEvent.objects.get()
    assert (event.source, event.by_user, event.opted_out) == ("staff", office, True)
    assert TextingHold.objects.get().decision == "opt_out"


def test_deciding_needs_the_change_permission(client):
    viewer = UserFactory(username="vic.viewer", is_staff=True)
    viewer.user_permissions.add(*Group.objects.get(name=OFFICE_STAFF).permissions.filter(codename="view_contact"))
    client.force_login(viewer)
    contact = _held_contact()
    response = client.post(reverse("admin:contacts_contact_hold_decision", args=[contact.pk]), {"decision": "opt_out"})
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.texting_held and not contact.opted_out


def test_deciding_on_a_contact_that_is_not_held_says_so(client, office):
    contact = ContactFactory(phone=HOMEOWNER)
    response = client.post(
        reverse("admin:contacts_contact_hold_decision", args=[contact.pk]), {"decision": "opt_out"}, follow=True
    )
    assert "is not on hold" in response.content.decode()
    contact.refresh_from_db()
    assert not contact.opted_out


def test_the_contacts_list_filters_held_contacts(client, office):
    held = _held_contact()
    other = ContactFactory(first_name="Free", last_name="Person")
    html = client.get(reverse("admin:contacts_contact_changelist") + "?held=yes").content.decode()
    assert str(held) in html and str(other) not in html
    assert "On hold" in html


def test_the_manager_dashboard_counts_held_contacts(client):
    _held_contact()
    ContactFactory()
    client.force_login(_user(MANAGER, "mia.manager"))
    html = client.get(reverse("dashboard:index")).content.decode()
    figure = html[html.index('data-figure="held-total"'):]
    assert figure[figure.index(">") + 1:].lstrip().startswith("1<")
    assert Contact.objects.filter(texting_held=True).count() == 1
