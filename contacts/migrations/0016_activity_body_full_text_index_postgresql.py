"""A full-text index on the words of texts, for the inbox search. PostgreSQL only.

The expression is exactly what contacts.inbox.selectors builds with SearchVector("body",
config="english"), so the planner uses it. SQLite (local runs) has no such index: the inbox
searches there with a plain contains.
"""
from django.db import migrations

INDEX = "activity_body_fts_idx"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON contacts_activity "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(body, '')))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0015_inbox_conversation_state_and_saved_replies"),
    ]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
