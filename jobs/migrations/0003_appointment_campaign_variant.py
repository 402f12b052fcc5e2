"""Estimate visits keep the campaign and variant that earned them, like quotes (filled by 0004)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_campaign_batches_beat_schedule"),
        ("jobs", "0002_schedules_and_reminder_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="campaign",
            field=models.ForeignKey(
                blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="appointments", to="campaigns.campaign",
                help_text="The campaign that last texted the homeowner before they first replied (within 90 days), "
                "as for a quote; kept from when the visit was scheduled.",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="variant",
            field=models.CharField(blank=True, editable=False, max_length=1, help_text="That campaign's variant, A or B."),
        ),
    ]
