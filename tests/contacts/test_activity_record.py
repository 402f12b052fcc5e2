"""Recording OpenPhone messages and calls once per OpenPhone id; finding or creating a contact by number."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Activity, Contact, ContactPhone, Conversation
from contacts.services import activity_record, contact_get_or_create_by_phone
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

LINE = "PNtoDbDhuz"
T0 = datetime.datetime(2026, 1, 2, 14, 0, tzinfo=datetime.UTC)


def _record(contact, openphone_id="AC1", **overrides):
    kwargs = {
        "contact": contact,
        "kind": "message",
        "direction": "incoming",
        "openphone_id": openphone_id,
        "occurred_at": T0,
        "phone_number_id": LINE,
        "body": "Is the estimate free?",
        "status": "received",
    }
    kwargs.update(overrides)
    return activity_record(**kwargs)


# --- contact_get_or_create_by_phone -------------------------------------------------------

def test_unknown_number_becomes_a_contact_with_that_source_and_number():
    contact, created = contact_get_or_create_by_phone(phone="(617) 555-0123", source="openphone")
    assert created
    assert contact.phone == "+16175550123" and contact.source == "openphone"
    assert list(ContactPhone.objects.filter(contact=contact).values_list("phone", flat=True)) == ["+16175550123"]


def test_known_main_number_returns_the_existing_contact():
    existing = ContactFactory(phone="+16175550123")
    contact, created = contact_get_or_create_by_phone(phone="+1 617 555 0123", source="openphone")
    assert (contact, created) == (existing, False)
    assert Contact.objects.count() == 1


def test_known_further_number_returns_its_owner():
    owner = ContactFactory(phone="+16175550123")
    ContactPhone.objects.create(contact=owner, phone="+16172000999", label="landline")
    contact, created = contact_get_or_create_by_phone(phone="+16172000999", source="openphone")
    assert (contact, created) == (owner, False)
    assert Contact.objects.count() == 1


def test_invalid_number_is_refused_and_nothing_is_created():
    with pytest.raises(ValidationError):
        contact_get_or_create_by_phone(phone="+15555550123", source="openphone")
    assert Contact.objects.count() == 0


# --- activity_record ----------------------------------------------------------------------

def test_first_record_creates_activity_and_conversation():
    contact = ContactFactory()
    activity, created = _record(contact, openphone_conversation_id="CN1")
    assert created
    assert (activity.kind, activity.direction, activity.status, activity.body) == (
        "message", "incoming", "received", "Is the estimate free?",
    )
    conversation = Conversation.objects.get(contact=contact, phone_number_id=LINE)
    assert activity.conversation == conversation
    assert conversation.openphone_conversation_id == "CN1"
    assert conversation.last_activity_at == T0
    assert conversation.waiting_for_reply is True


def test_recording_the_same_id_twice_creates_nothing_new():
    contact = ContactFactory()
    first, created_first = _record(contact)
    second, created_second = _record(contact)
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Activity.objects.count() == 1 and Conversation.objects.count() == 1


def test_status_moves_forward_but_never_back():
    contact = ContactFactory()
    _record(contact, direction="outgoing", status="queued")
    activity, _ = _record(contact, direction="outgoing", status="delivered")
    assert activity.status == "delivered"
    activity, _ = _record(contact, direction="outgoing", status="sent")  # a late, older report
    activity.refresh_from_db()
    assert activity.status == "delivered"


def test_call_gets_duration_and_recording_when_they_arrive_later():
    contact = ContactFactory()
    _record(contact, "ACcall", kind="call", status="ringing", body="", duration_seconds=None)
    activity, created = _record(
        contact, "ACcall", kind="call", status="completed", body="", duration_seconds=76,
        recording_url="https://storage.example.com/rec/a.mp3",
    )
    activity.refresh_from_db()
    assert not created
    assert (activity.status, activity.duration_seconds, activity.recording_url) == (
        "completed", 76, "https://storage.example.com/rec/a.mp3",
    )


def test_existing_summary_or_sender_is_not_overwritten():
    contact = ContactFactory()
    staff, other = UserFactory(), UserFactory()
    _record(contact, direction="outgoing", status="queued", sent_by=staff, summary="Wants an estimate")
    activity, _ = _record(contact, direction="outgoing", status="sent", sent_by=other, summary="Other text")
    activity.refresh_from_db()
    assert activity.sent_by == staff and activity.summary == "Wants an estimate"


def test_unknown_extra_field_is_an_error():
    with pytest.raises(TypeError, match="colour"):
        _record(ContactFactory(), colour="red")
    assert Activity.objects.count() == 0


def test_outgoing_newest_message_clears_waiting_and_older_one_leaves_it():
    contact = ContactFactory()
    _record(contact, "AC1", direction="incoming", occurred_at=T0)
    _record(contact, "AC2", direction="outgoing", status="delivered", occurred_at=T0 + datetime.timedelta(minutes=5))
    conversation = Conversation.objects.get(contact=contact)
    assert conversation.waiting_for_reply is False
    assert conversation.last_activity_at == T0 + datetime.timedelta(minutes=5)

    # An incoming text that is older than our answer (late webhook, history sync) changes nothing.
    _record(contact, "AC0", direction="incoming", occurred_at=T0 - datetime.timedelta(hours=1))
    conversation.refresh_from_db()
    assert conversation.waiting_for_reply is False
    assert conversation.last_activity_at == T0 + datetime.timedelta(minutes=5)

    # A newer incoming text makes the conversation wait for us again.
    _record(contact, "AC3", direction="incoming", occurred_at=T0 + datetime.timedelta(minutes=9))
    conversation.refresh_from_db()
    assert conversation.waiting_for_reply is True


def test_calls_move_last_activity_but_leave_waiting_alone():
    contact = ContactFactory()
    _record(contact, "AC1", direction="incoming", occurred_at=T0)
    _record(contact, "ACcall", kind="call", direction="outgoing", status="completed", body="",
            occurred_at=T0 + datetime.timedelta(minutes=1))
    conversation = Conversation.objects.get(contact=contact)
    assert conversation.last_activity_at == T0 + datetime.timedelta(minutes=1)
    assert conversation.waiting_for_reply is True


def test_conversation_id_already_used_elsewhere_is_not_copied():
    first, second = ContactFactory(), ContactFactory()
    _record(first, "AC1", openphone_conversation_id="CNgroup")
    _record(second, "AC2", openphone_conversation_id="CNgroup")
    assert Conversation.objects.get(contact=first).openphone_conversation_id == "CNgroup"
    assert Conversation.objects.get(contact=second).openphone_conversation_id is None


def test_record_runs_in_a_bounded_number_of_queries(django_assert_max_num_queries):
    contact = ContactFactory()
    _record(contact, "AC1")
    with django_assert_max_num_queries(8):
        _record(contact, "AC1", status="received")
