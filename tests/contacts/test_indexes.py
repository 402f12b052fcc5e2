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


def test_openphone_id_lookups_use_the_partial_index_of_people_who_have_one():
    """contacts.0006: the index skips empty ids (every imported person), yet the lookups OpenPhone's
    contact events make (an id, never empty) are still served by it."""
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    from contacts.models import Contact

    ada = Contact.objects.create(first_name="Ada", phone="+16175550123", openphone_contact_id="AC123")
    Contact.objects.create(first_name="Bob", phone="+16175550124")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'contact_openphone_id_idx'")
        assert "WHERE (NOT ((openphone_contact_id)::text = ''::text))" in cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_seqscan = off")
    lookups = [
        Contact.objects.filter(openphone_contact_id="AC123"),  # openphone.handlers, contacts.services
        Contact.objects.filter(openphone_contact_id="AC123").exclude(pk=0),
    ]
    for lookup in lookups:
        assert "contact_openphone_id_idx" in lookup.explain(), lookup.explain()
        assert list(lookup) == [ada]
