"""Create the celery-beat schedule of the campaign dispatcher, so a fresh database has it.

Every 10 minutes, Monday to Saturday, 8:00-20:50 in the business time zone. It is a row in
django_celery_beat's tables: managers can change or disable it in the admin's Periodic tasks.
"""
from django.conf import settings
from django.db import migrations

TASK_NAME = "Campaign batches"
TASK = "campaigns.tasks.dispatch_campaign_batches"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/10", hour="8-20", day_of_week="1-6", day_of_month="*", month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "enabled": True,
            # A run still queued when the next one is due is dropped rather than piling up.
            "expire_seconds": 9 * 60,
            "description": (
                "Sends each running campaign's share of today's allowance to homeowners inside their "
                "local send window. Safe to run by hand: manage.py run_campaign_batches."
            ),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_reply_categories_and_dispatch_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
