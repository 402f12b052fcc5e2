"""Conversation.reply_intent: how the homeowner's newest text in the conversation was read, filled for
the conversations that exist from the readings their texts already carry."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill_reply_intent(apps, schema_editor):
    Activity = apps.get_model("contacts", "Activity")
    Conversation = apps.get_model("contacts", "Conversation")
    newest_read = (
        Activity.objects.filter(conversation_id=OuterRef("pk"), kind="message", direction="incoming")
        .order_by("-occurred_at", "-id")
        .values("reading_category")[:1]
    )
    Conversation.objects.update(reply_intent=Coalesce(Subquery(newest_read), models.Value("")))


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0017_history_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="reply_intent",
            field=models.CharField(
                blank=True, help_text="How the homeowner's newest text in this conversation was read.", max_length=20
            ),
        ),
        migrations.RunPython(fill_reply_intent, migrations.RunPython.noop),
    ]
