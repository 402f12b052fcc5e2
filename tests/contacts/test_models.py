"""Model validation: a number typed any way is stored as E.164, and a number has one owner."""
import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact, ContactPhone
from contacts.services import contact_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_full_clean_normalizes_the_phone():
    contact = Contact(first_name="Jane", phone="(617) 555-0123")
    contact.full_clean()
    assert contact.phone == "+16175550123"


def test_full_clean_turns_a_blank_phone_into_no_phone():
    contact = Contact(first_name="Jane", phone="  ")
    contact.full_clean()
    assert contact.phone is None


def test_full_clean_refuses_an_invalid_phone_saying_why():
    with pytest.raises(ValidationError) as excinfo:
        Contact(first_name="Jane", phone="555-01").full_clean()
    assert "not a valid phone number" in excinfo.value.message_dict["phone"][0]


def test_full_clean_refuses_a_duplicate_main_number_naming_its_owner():
    owner = contact_create(first_name="Jane", last_name="Doe", phone="617-555-0123")
    with pytest.raises(ValidationError) as excinfo:
        Contact(first_name="John", phone="617.555.0123").full_clean()
    messages = excinfo.value.message_dict["phone"]
    assert messages == [f"This phone number already belongs to Jane Doe (contact {owner.pk})."]


def test_full_clean_refuses_someone_elses_further_number():
    owner = ContactFactory(first_name="Jane", last_name="Doe")
    ContactPhone.objects.create(contact=owner, phone="+15085550142")
    with pytest.raises(ValidationError) as excinfo:
        Contact(first_name="John", phone="508-555-0142").full_clean()
    assert excinfo.value.message_dict["phone"] == [f"This phone number already belongs to Jane Doe (contact {owner.pk})."]


def test_a_contact_may_keep_its_own_number():
    contact = contact_create(first_name="Jane", phone="617-555-0123")
    contact.full_clean()  # its own main number and its own ContactPhone row are no duplicate


def test_further_number_of_another_person_is_refused():
    owner = contact_create(first_name="Jane", last_name="Doe", phone="617-555-0123")
    other = ContactFactory()
    with pytest.raises(ValidationError) as excinfo:
        ContactPhone(contact=other, phone="(617) 555-0123").full_clean()
    assert excinfo.value.message_dict["phone"] == [f"This phone number already belongs to Jane Doe (contact {owner.pk})."]
