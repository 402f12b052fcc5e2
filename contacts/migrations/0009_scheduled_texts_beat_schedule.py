"""Create the celery-beat schedule that sends scheduled texts, so a fresh database has it.

Every minute: a text scheduled for 8:00 AM goes out by 8:01. It is a row in django_celery_beat's
tables: managers can change or disable it in the admin's Periodic tasks.
"""
from django.db import migrations

TASK_NAME = "Scheduled texts"
TASK = "contacts.tasks.send_due_scheduled_texts"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "interval": every_minute,
            "enabled": True,
            # A run still queued when the next one is due is dropped rather than piling up.
            "expire_seconds": 55,
            "description": (
                "Sends the texts staff scheduled (\"Send at 8:00 AM their time\") once their time has come, "
                "re-checking opt-out and the send window. Each text goes out at most once."
            ),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0008_lines_media_and_scheduled_texts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
