"""The contact-tag link table (Contact.tags) loses its index on contact_id alone, on PostgreSQL.

Django gives an M2M table an index per foreign key besides the unique (contact_id, tag_id) index;
that unique index starts with contact_id and serves every lookup by contact, so the separate one
only costs each link a bulk import writes (an import with a tag writes one per person). The
tag_id index stays: "everyone with tag X" needs it. SQLite keeps its indexes (nothing to gain).
"""
from django.db import migrations

_TABLE, _COLUMN = "contacts_contact_tags", "contact_id"


def _index_name(schema_editor) -> str:
    # The very name Django's schema editor gave the foreign key's index when it created the table.
    return schema_editor._create_index_name(_TABLE, [_COLUMN])


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_index_name(schema_editor))}")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(_index_name(schema_editor))} "
        f"ON {schema_editor.quote_name(_TABLE)} ({schema_editor.quote_name(_COLUMN)})"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0004_fewer_indexes_for_bulk_imports"),
    ]

    operations = [
        migrations.RunPython(drop_index, create_index, elidable=False),
    ]
