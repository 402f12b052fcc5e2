"""Create the celery-beat schedules of the follow-up rules and the reminder texts, and the default reminders.

Both run every 10 minutes; managers can change or disable them in the admin's Periodic tasks.
The reminder templates are rows office staff edit in the admin.
"""
from django.conf import settings
from django.db import migrations

SCHEDULES = {
    "Follow-up rules": (
        "jobs.tasks.follow_up_rules_run",
        "Creates follow-up tasks (interested reply unanswered, estimate without quote, quote without decision) "
        "and closes those whose reason went away.",
    ),
    "Visit reminder texts": (
        "jobs.tasks.appointment_reminders_send",
        "Texts homeowners a reminder of tomorrow's visit from 6 PM their local time, once per visit time.",
    ),
}

ESTIMATE = (
    "Hi {first_name|there}, this is Attack-a-Crack: a reminder of your foundation estimate on {day}, "
    "{time_window}, at {address|your home}. Reply C to confirm or call us to change it. Reply STOP to opt out."
)
JOB = (
    "Hi {first_name|there}, this is Attack-a-Crack: our crew comes for your foundation repair on {day}, "
    "{time_window}, at {address|your home}. Reply STOP to opt out."
)


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/10", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE,
    )
    for name, (task, description) in SCHEDULES.items():
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "crontab": crontab, "enabled": True, "expire_seconds": 9 * 60,
                      "description": description},
        )
    ReminderTemplate = apps.get_model("jobs", "ReminderTemplate")
    ReminderTemplate.objects.get_or_create(kind="estimate", defaults={"body": ESTIMATE})
    ReminderTemplate.objects.get_or_create(kind="job", defaults={"body": JOB})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_follow_ups_visits_quotes_jobs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
