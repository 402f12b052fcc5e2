"""Indexes dropped for bulk imports (each costs every row an import writes) stay dropped."""
from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_contact_tag_table_has_no_separate_contact_index():
    """contacts.0005: the unique (contact, tag) index serves the lookups by contact and the tag
    index those by tag; the separate contact_id index Django adds is gone."""
    if connection.vendor != "postgresql":
        pytest.skip("the index is dropped on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'contacts_contact_tags'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert not [d for d in definitions if d.endswith("(contact_id)")], definitions
    assert [d for d in definitions if d.endswith("(contact_id, tag_id)") and "UNIQUE" in d], definitions
    assert [d for d in definitions if d.endswith("(tag_id)")], definitions


def test_phone_numbers_compare_bytewise_and_are_found_through_their_unique_indexes(db):
    """contacts.0006: both phone columns use collation "C"; exact lookups (as the admin, the webhooks
    and the importer's batch lookup make them) still use the unique indexes, and `contains`
    searches still match."""
    if connection.vendor != "postgresql":
        pytest.skip("collations and plans are PostgreSQL's")
    from contacts.models import Contact, ContactPhone
    from properties.importers.merge import _Keys, _matching

    contact = Contact.objects.create(first_name="Ada", phone="+16175550123")
    ContactPhone.objects.create(contact=contact, phone="+16175550123", label="mobile")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name = 'phone' AND table_name IN ('contacts_contact', 'contacts_contactphone')"
        )
        assert dict(cursor.fetchall()) == {"contacts_contact": "C", "contacts_contactphone": "C"}
        cursor.execute("SET LOCAL enable_seqscan = off")
    exact = Contact.objects.filter(phone="+16175550123")
    assert "contacts_contact_phone_key" in exact.explain() and exact.get() == contact
    through = Contact.objects.filter(phones__phone="+16175550123")
    assert "contacts_contactphone_phone_key" in through.explain() and through.get() == contact
    [batch] = _matching(ContactPhone.objects.values_list("phone", "contact_id"), "phone",
                        _Keys(["+16175550123", "+16175550199"]).items)
    assert "contacts_contactphone_phone_key" in batch.explain()
    assert list(batch) == [("+16175550123", contact.id)]
    assert list(Contact.objects.filter(phone__contains="555012")) == [contact]
