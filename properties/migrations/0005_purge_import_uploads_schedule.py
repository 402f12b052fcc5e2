"""Schedule the daily deletion of old uploaded import files: 03:30 business time (editable in the admin)."""
from django.conf import settings
from django.db import migrations

TASK_NAME = "Delete old uploaded import files"
TASK = "properties.tasks.purge_import_uploads"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_month="*", month_of_year="*", day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "description": "Deletes the files uploaded for imports that ended more than IMPORT_UPLOAD_KEEP_DAYS "
                           "(default 30) days ago; their runs, counts and rejected rows stay.",
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("properties", "0004_address_key_c_collation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
