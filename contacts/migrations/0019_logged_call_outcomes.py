"""Calls logged by staff from an inbox thread used their own outcome words; both places now use
contacts.services.CallOutcome. Rename the stored ones (staff-logged calls only: no OpenPhone id)."""

from django.db import migrations

RENAMED = {"talked": "reached", "voicemail": "left-voicemail", "no_answer": "no-answer", "wrong_number": "wrong-number"}


def forwards(apps, schema_editor):
    Activity = apps.get_model("contacts", "Activity")
    logged = Activity.objects.filter(kind="call", openphone_id__isnull=True, sent_by__isnull=False)
    for old, new in RENAMED.items():
        logged.filter(status=old).update(status=new)


def backwards(apps, schema_editor):
    Activity = apps.get_model("contacts", "Activity")
    logged = Activity.objects.filter(kind="call", openphone_id__isnull=True, sent_by__isnull=False)
    for old, new in RENAMED.items():
        logged.filter(status=new).update(status=old)


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0018_conversation_reply_intent"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
