"""A text belongs to at most one membership: the link becomes one-to-one (Activity.campaign_membership)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0005_membership_activity_link_copied"),
        ("contacts", "0007_activity_membership_removed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="campaignmembership",
            name="activity",
            field=models.OneToOneField(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="campaign_membership", to="contacts.activity",
                help_text="The text this membership produced; empty until it is sent. The only link between a "
                "campaign and a text: contacts knows nothing of campaigns.",
            ),
        ),
    ]
