"""Schedule the monthly report: 05:00 business time on the 1st of each month (editable in the admin)."""
from django.conf import settings
from django.db import migrations

TASK_NAME = "Monthly manager report"
TASK = "crm.dashboard.tasks.monthly_report_generate"  # the module before the dashboard became a top-level app (0004 renames it)


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 05:00 is after midnight has closed the month and clear of any 02:00 daylight-saving change.
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="5", day_of_month="1", month_of_year="*", day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "description": "Computes last month's figures per campaign and overall and stores the CSV "
                           "for download on /dashboard/reports/monthly/.",
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_monthly_report"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
