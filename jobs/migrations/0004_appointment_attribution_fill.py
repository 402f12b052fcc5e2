"""Credit the visits made before 0003 to the campaign and variant that earned them, by the quotes' rule.

A frozen copy of jobs.selectors.campaign_attribution (a migration does not import app code): the
campaign text that last reached the homeowner within 90 days before their first reply. The rule
looks only at the homeowner's first reply, so computing it now gives what it gave when the visit
was made.
"""
import datetime

from django.db import migrations
from django.db.models import Min

WINDOW = datetime.timedelta(days=90)


def _attribution(apps, contact_id):
    CampaignMembership = apps.get_model("campaigns", "CampaignMembership")
    Activity = apps.get_model("contacts", "Activity")
    memberships = CampaignMembership.objects.filter(contact_id=contact_id, sent_at__isnull=False)
    first = memberships.aggregate(first_sent=Min("sent_at"), first_replied=Min("replied_at"))
    if first["first_sent"] is None:
        return None, ""
    first_text_back = Activity.objects.filter(
        contact_id=contact_id, kind="message", direction="incoming", occurred_at__gt=first["first_sent"]
    ).aggregate(at=Min("occurred_at"))["at"]
    replies = [at for at in (first_text_back, first["first_replied"]) if at is not None]
    if not replies:
        return None, ""
    replied_at = min(replies)
    last = (
        memberships.filter(sent_at__lte=replied_at, sent_at__gte=replied_at - WINDOW)
        .order_by("-sent_at", "-id").values("campaign_id", "variant").first()
    )
    return (last["campaign_id"], last["variant"]) if last else (None, "")


def fill(apps, schema_editor):
    Appointment = apps.get_model("jobs", "Appointment")
    contact_ids = Appointment.objects.filter(campaign__isnull=True).order_by().values_list("contact_id", flat=True)
    for contact_id in sorted(set(contact_ids)):
        campaign_id, variant = _attribution(apps, contact_id)
        if campaign_id is not None:
            # updated_at stays: the visit itself did not change, so sync clients need not fetch it again.
            Appointment.objects.filter(contact_id=contact_id, campaign__isnull=True).update(
                campaign_id=campaign_id, variant=variant
            )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0004_campaign_batches_beat_schedule"),
        ("contacts", "0006_openphone_id_index_only_when_set"),
        ("jobs", "0003_appointment_campaign_variant"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
