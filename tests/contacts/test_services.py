"""Creating homeowners, refusing duplicate numbers, opting out and back in, tagging."""
import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact, OptOutEvent
from contacts.services import contact_create, contact_opt_in, contact_opt_out, contacts_add_tag
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_create_normalizes_the_phone():
    contact = contact_create(first_name="Jane", last_name="Doe", phone="(617) 555-0123")
    assert contact.phone == "+16175550123"
    assert list(contact.phones.values_list("phone", flat=True)) == ["+16175550123"]


def test_duplicate_phone_is_refused_with_a_link_to_the_existing_contact():
    existing = contact_create(first_name="Jane", last_name="Doe", phone="617-555-0123")
    with pytest.raises(ValidationError) as excinfo:
        contact_create(first_name="John", last_name="Doe", phone="+1 617 555 0123")
    message = excinfo.value.message_dict["phone"][0]
    assert f"/admin/contacts/contact/{existing.pk}/change/" in message
    assert "Jane Doe" in message
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
