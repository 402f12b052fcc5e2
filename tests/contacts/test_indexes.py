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
