"""Drop indexes no query uses; each one costs every row a bulk import inserts.

- contact_email_idx: people are looked up by email whatever its case (contact_email_ci_idx).
- the varchar_pattern_ops twins Django adds to unique/db_index CharFields on PostgreSQL (for
  LIKE 'prefix%'): phone searches are `contains` (no btree helps) and OpenPhone ids are
  matched exactly, so contacts_contact.phone, contacts_contactphone.phone and
  openphone_contact_id keep only their plain (unique) index.
"""
from django.db import migrations, models

# (table, column) whose varchar_pattern_ops index is dropped (openphone_contact_id's goes with AlterField).
_LIKE_INDEXES = [("contacts_contact", "phone"), ("contacts_contactphone", "phone")]


def _like_index_name(schema_editor, table: str, column: str) -> str:
    # The very name Django's PostgreSQL schema editor gave it when it created the unique field.
    return schema_editor._create_index_name(table, [column], suffix="_like")


def drop_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for table, column in _LIKE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(_like_index_name(schema_editor, table, column))}")


def create_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for table, column in _LIKE_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(_like_index_name(schema_editor, table, column))} "
            f"ON {quote(table)} ({quote(column)} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0003_merge_roles_and_email_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="contact",
            name="contact_email_idx",
        ),
        migrations.AlterField(
            model_name="contact",
            name="openphone_contact_id",
            field=models.CharField(blank=True, help_text="OpenPhone's id for this person, when known.", max_length=64),
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(fields=["openphone_contact_id"], name="contact_openphone_id_idx"),
        ),
        migrations.RunPython(drop_like_indexes, create_like_indexes, elidable=False),
    ]
