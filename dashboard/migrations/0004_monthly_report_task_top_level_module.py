"""The dashboard became a top-level app: point the monthly report's schedule at the task's new name."""
from django.db import migrations

OLD = "crm.dashboard.tasks.monthly_report_generate"
NEW = "dashboard.tasks.monthly_report_generate"


def rename(apps, schema_editor, old=OLD, new=NEW):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=old).update(task=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_dashboard_covering_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
