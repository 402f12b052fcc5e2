"""The link from a text to its campaign membership lives on the membership only (campaigns 0005 copied it)."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0006_openphone_id_index_only_when_set"),
        ("campaigns", "0005_membership_activity_link_copied"),
    ]

    operations = [
        migrations.RemoveField(model_name="activity", name="membership"),
    ]
