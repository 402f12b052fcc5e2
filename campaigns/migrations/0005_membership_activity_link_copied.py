"""Keep every link between a campaign text and its membership on the membership's side.

Texts recorded the membership they were sent for on the activity (contacts_activity.membership_id)
and the membership recorded its text (activity_id): the same link twice. The activity's side goes
away (contacts 0007); first every membership without its text takes it from there (its latest
text, as the dispatcher chose), and a text claimed by two memberships stays with the first.
"""
from django.db import migrations

COPY = """
UPDATE campaigns_campaignmembership SET activity_id = (
    SELECT a.id FROM contacts_activity a WHERE a.membership_id = campaigns_campaignmembership.id
    ORDER BY a.occurred_at DESC, a.id DESC LIMIT 1
)
WHERE activity_id IS NULL
  AND EXISTS (SELECT 1 FROM contacts_activity a WHERE a.membership_id = campaigns_campaignmembership.id)
"""
# A text may belong to one membership only (0006 makes it unique).
DEDUPLICATE = """
UPDATE campaigns_campaignmembership SET activity_id = NULL
WHERE activity_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM campaigns_campaignmembership first
    WHERE first.activity_id = campaigns_campaignmembership.activity_id AND first.id < campaigns_campaignmembership.id
)
"""
# Going back: the activity learns its membership again.
COPY_BACK = """
UPDATE contacts_activity SET membership_id = (
    SELECT m.id FROM campaigns_campaignmembership m WHERE m.activity_id = contacts_activity.id ORDER BY m.id LIMIT 1
)
WHERE EXISTS (SELECT 1 FROM campaigns_campaignmembership m WHERE m.activity_id = contacts_activity.id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_campaign_batches_beat_schedule"),
        ("contacts", "0006_openphone_id_index_only_when_set"),
    ]

    operations = [
        migrations.RunSQL(COPY, reverse_sql=COPY_BACK),
        migrations.RunSQL(DEDUPLICATE, reverse_sql=migrations.RunSQL.noop),
    ]
