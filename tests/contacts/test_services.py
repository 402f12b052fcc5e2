"""Creating homeowners, refusing duplicate numbers, opting out and back in, tagging."""
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from contacts.models import Activity, Contact, Conversation, OptOutEvent
from contacts.send_window import recipient_locale
from contacts.services import (
    TextRefused,
    contact_create,
    contact_opt_in,
    contact_opt_out,
    contacts_add_tag,
    message_send,
)
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_create_normalizes_the_phone():
    contact = contact_create(first_name="Jane", last_name="Doe", phone="(617) 555-0123")
    assert contact.phone == "+16175550123"
    assert list(contact.phones.values_list("phone", flat=True)) == ["+16175550123"]


def test_duplicate_phone_is_refused_naming_the_existing_contact():
    existing = contact_create(first_name="Jane", last_name="Doe", phone="617-555-0123")
    with pytest.raises(ValidationError) as excinfo:
        contact_create(first_name="John", last_name="Doe", phone="+1 617 555 0123")
    assert excinfo.value.message_dict["phone"] == [f"This phone number already belongs to Jane Doe (contact {existing.pk})."]
    assert excinfo.value.error_dict["phone"][0].params["contact_id"] == existing.pk
    assert Contact.objects.count() == 1


def test_invalid_phone_is_refused():
    with pytest.raises(ValidationError):
        contact_create(first_name="X", phone="555-01")
    assert Contact.objects.count() == 0


def test_opt_out_then_in_keeps_an_audit_trail():
    contact = ContactFactory()
    assert contact_opt_out(contact=contact, reason="Replied STOP", source="inbound_message") is True
    assert contact.opted_out and contact.opted_out_at is not None
    assert contact_opt_out(contact=contact, reason="Again", source="inbound_message") is False
    assert contact_opt_in(contact=contact, reason="Replied START", source="inbound_message") is True
    contact.refresh_from_db()
    assert not contact.opted_out
    assert list(OptOutEvent.objects.filter(contact=contact).order_by("id").values_list("opted_out", flat=True)) == [
        True, True, False,
    ]


def test_add_tag_counts_only_new_taggings():
    a, b = ContactFactory(), ContactFactory()
    assert contacts_add_tag(contact_ids=[a.pk], tag_name="Pittsfield list") == 1
    assert contacts_add_tag(contact_ids=[a.pk, b.pk], tag_name="Pittsfield list") == 1
    assert set(b.tags.values_list("name", flat=True)) == {"Pittsfield list"}


# --- sending one text -------------------------------------------------------------------

NOON_BOSTON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))
NIGHT_BOSTON = datetime.datetime(2026, 3, 10, 20, 30, tzinfo=ZoneInfo("America/New_York"))


@time_machine.travel(NOON_BOSTON, tick=False)
def test_message_send_texts_and_records_the_activity(outbox):
    contact = ContactFactory(phone="+16175550123")
    activity = message_send(contact=contact, body="  Hi Jane, about your estimate.  ")
    assert [(m.to, m.body) for m in outbox] == [("+16175550123", "Hi Jane, about your estimate.")]
    assert activity.direction == "outgoing" and activity.kind == "message"
    assert activity.openphone_id and activity.occurred_at == NOON_BOSTON
    conversation = Conversation.objects.get(contact=contact)
    assert conversation.last_activity_at == NOON_BOSTON and not conversation.waiting_for_reply



@time_machine.travel(NOON_BOSTON, tick=False)
def test_message_send_is_one_read_then_one_write_transaction(outbox, django_assert_num_queries):
    """With the locale known (as the campaign batch passes it): re-check the opt-out and find the
    conversation in one read, then insert the text and move the conversation in one transaction."""
    contact = ContactFactory(phone="+16175550123")
    locale = recipient_locale(phone=contact.phone, mailing_state="MA")
    message_send(contact=contact, body="First text creates the conversation.", locale=locale)
    with django_assert_num_queries(5) as captured:
        activity = message_send(contact=contact, body="Second text.", locale=locale)
    assert "opted_out" in captured.captured_queries[0]["sql"]
    assert Activity.objects.filter(conversation=activity.conversation).count() == 2
    assert Conversation.objects.get(contact=contact).last_activity_at == NOON_BOSTON

@time_machine.travel(NOON_BOSTON, tick=False)
def test_message_send_refuses_opted_out_contact_even_if_caller_has_stale_copy(outbox):
    contact = ContactFactory()
    stale = Contact.objects.get(pk=contact.pk)
    contact_opt_out(contact=contact, reason="STOP", source="inbound_message")
    with pytest.raises(TextRefused) as excinfo:
        message_send(contact=stale, body="Hello")
    assert excinfo.value.code == "opted_out"
    assert outbox == [] and Activity.objects.count() == 0


@time_machine.travel(NIGHT_BOSTON, tick=False)
def test_message_send_refuses_outside_the_local_window(outbox):
    contact = ContactFactory(phone="+16175550123")
    with pytest.raises(TextRefused) as excinfo:
        message_send(contact=contact, body="Hello")
    assert excinfo.value.code == "outside_window"
    assert outbox == []


@time_machine.travel(NOON_BOSTON, tick=False)
def test_message_send_refuses_empty_and_numberless(outbox):
    with pytest.raises(TextRefused):
        message_send(contact=ContactFactory(), body="   ")
    with pytest.raises(TextRefused) as excinfo:
        message_send(contact=ContactFactory(phone=None), body="Hi")
    assert excinfo.value.code == "no_phone"
    assert outbox == []
