"""Create the periodic sweep that re-queues webhook events left pending (a lost queue message must not lose an event).

A row in django-celery-beat's tables, so a fresh database has it and managers can change or pause it in the admin.
"""
from django.db import migrations

TASK_NAME = "Re-queue OpenPhone webhook events left pending"
TASK_PATH = "openphone.tasks.sweep_pending_webhook_events"
EVERY_MINUTES = 5


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    interval, _ = IntervalSchedule.objects.get_or_create(every=EVERY_MINUTES, period="minutes")
    _, created = PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK_PATH,
            "interval": interval,
            "enabled": True,
            "description": "Queues again every webhook event still pending some minutes after it arrived.",
        },
    )
    if created:
        # Tell a running DatabaseScheduler that its schedule changed (what PeriodicTask.save() does outside migrations).
        from django.utils import timezone

        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("openphone", "0003_call_details_held_until_call_recorded"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
