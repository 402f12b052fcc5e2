"""The "Send text" form on a contact's admin page: sends through message_send and says exactly why not."""
from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from contacts.models import Activity
from contacts.services import contact_opt_out
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON_BOSTON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))
NIGHT_BOSTON = datetime.datetime(2026, 3, 10, 20, 30, tzinfo=ZoneInfo("America/New_York"))
HOMEOWNER = "+16175550123"


@pytest.fixture
def staff(client):
    user = UserFactory()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_contact", "change_contact"]))
    client.force_login(user)
    return user


@pytest.fixture
def contact():
    return ContactFactory(first_name="Jane", last_name="Doe", phone=HOMEOWNER)


def _send(client, contact, body="Hi Jane, following up on your estimate.", token=None):
    """POST the form as the browser would, then follow the redirect (which shows and consumes the messages)."""
    url = reverse("admin:contacts_contact_send_text", args=[contact.pk])
    return client.post(url, {"body": body, "token": token or uuid.uuid4().hex}, follow=True)


def _messages(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


@time_machine.travel(NOON_BOSTON, tick=False)
def test_change_page_shows_the_send_text_form(client, staff, contact):
    response = client.get(reverse("admin:contacts_contact_change", args=[contact.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:contacts_contact_send_text", args=[contact.pk]) in html
    assert 'id="send-text-form"' in html and 'name="token"' in html
    # Outside the change form: forms cannot nest.
    change_form_at = html.index('id="contact_form"')
    assert html.index("</form>", change_form_at) < html.index('id="send-text-form"')


@time_machine.travel(NOON_BOSTON, tick=False)
def test_sending_texts_records_the_activity_and_says_so(client, staff, contact, outbox):
    response = _send(client, contact)
    assert response.redirect_chain == [(reverse("admin:contacts_contact_change", args=[contact.pk]), 302)]
    assert [(m.to, m.body) for m in outbox] == [(HOMEOWNER, "Hi Jane, following up on your estimate.")]
    activity = Activity.objects.get(contact=contact)
    assert activity.sent_by == staff and activity.direction == "outgoing"
    assert _messages(response) == [("success", "Text sent to Jane Doe at (617) 555-0123.")]


@time_machine.travel(NOON_BOSTON, tick=False)
def test_opted_out_contact_is_refused_with_the_reason(client, staff, contact, outbox):
    contact_opt_out(contact=contact, reason="Replied STOP", source="inbound_message")
    page = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    # The box says why and since when, and is disabled.
    assert "This homeowner opted out of texts on" in page and "(Replied STOP)" in page
    assert "<fieldset disabled>" in page
    response = _send(client, contact)
    assert outbox == [] and Activity.objects.count() == 0
    assert _messages(response) == [("error", "Text not sent: Jane Doe has opted out of texts.")]


@time_machine.travel(NIGHT_BOSTON, tick=False)
def test_outside_the_send_window_is_refused_and_the_draft_is_kept(client, staff, contact, outbox):
    response = _send(client, contact, body="Late thought")
    assert outbox == []
    [(level, text)] = _messages(response)
    assert level == "error"
    assert text.startswith("Text not sent: It is outside Jane Doe's local send window")
    # The change page we land on has the refused text back in the box, once.
    assert "Late thought</textarea>" in response.content.decode()
    again = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert "Late thought</textarea>" not in again


@time_machine.travel(NOON_BOSTON, tick=False)
def test_empty_text_is_refused(client, staff, contact, outbox):
    response = _send(client, contact, body="   ")
    assert outbox == []
    assert _messages(response) == [("error", "Text not sent: Text: This field is required.")]


@time_machine.travel(NOON_BOSTON, tick=False)
def test_a_double_submit_sends_once(client, staff, contact, outbox):
    token = uuid.uuid4().hex  # unique per run: a Redis cache outlives the test database
    _send(client, contact, token=token)
    response = _send(client, contact, token=token)
    assert len(outbox) == 1 and Activity.objects.count() == 1
    assert _messages(response) == [("warning", "Text not sent again: this form was already submitted once.")]


@time_machine.travel(NOON_BOSTON, tick=False)
def test_openphone_refusal_is_shown_with_its_message_and_code(client, staff, contact, fake_openphone, settings):
    settings.SMS_BACKEND = "openphone.backends.OpenPhoneBackend"
    fake_openphone.fail("a2p", method="POST", path="/v1/messages")
    response = _send(client, contact)
    [(level, text)] = _messages(response)
    assert level == "error"
    assert "A2P Registration Not Approved" in text and "code 0206400" in text
    assert Activity.objects.count() == 0


@time_machine.travel(NOON_BOSTON, tick=False)
def test_openphone_timeout_warns_it_may_have_gone_out(client, staff, contact, fake_openphone, settings):
    settings.SMS_BACKEND = "openphone.backends.OpenPhoneBackend"
    fake_openphone.fail("timeout", method="POST", path="/v1/messages", delay=1.0)
    [(level, text)] = _messages(_send(client, contact))
    assert level == "error" and "may still have gone out" in text


@time_machine.travel(NOON_BOSTON, tick=False)
def test_staff_without_change_permission_cannot_send(client, contact, outbox):
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_contact"))
    client.force_login(viewer)
    response = client.post(reverse("admin:contacts_contact_send_text", args=[contact.pk]),
                           {"body": "Hi", "token": "t"})
    assert response.status_code == 403 and outbox == []
    page = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert "send-text-form" not in page


def test_get_is_not_allowed(client, staff, contact, outbox):
    response = client.get(reverse("admin:contacts_contact_send_text", args=[contact.pk]))
    assert response.status_code == 405 and outbox == []


def test_anonymous_is_sent_to_login(client, contact, outbox):
    response = client.post(reverse("admin:contacts_contact_send_text", args=[contact.pk]), {"body": "Hi", "token": "t"})
    assert response.status_code == 302 and "/login/" in response["Location"] and outbox == []
