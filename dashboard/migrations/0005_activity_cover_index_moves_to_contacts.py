"""The dashboard's activity index is now contacts' activity_period_idx, which covers the same columns
(occurred_at, kind, direction INCLUDE status) and those speed to lead reads; one index instead of two with
the same keys. contact_created_dashboard_idx stays.
"""
from django.db import migrations

DEFINITION = "ON contacts_activity (occurred_at, kind, direction) INCLUDE (status)"


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS activity_dashboard_cover_idx")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS activity_dashboard_cover_idx {DEFINITION}")


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0004_monthly_report_task_top_level_module"),
        ("contacts", "0024_activity_period_covering_index"),
    ]

    operations = [migrations.RunPython(drop_index, create_index)]
