"""What OpenPhone told us: every webhook delivery, stored raw before it is processed."""
from __future__ import annotations

from django.db import models


class WebhookEventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored (unknown type)"


class WebhookEvent(models.Model):
    """One OpenPhone event, keyed by OpenPhone's event id so a redelivery is recognised.

    Every delivery writes one row while OpenPhone waits for the answer, so the table carries only
    the indexes something reads: the primary key (admin list, newest first), the event id (redelivery
    check) and a small partial index over the pending rows (dispatcher and sweep).
    """

    event_id = models.CharField(max_length=100, help_text="OpenPhone's id (EV...).")
    type = models.CharField(max_length=64)
    payload = models.JSONField(help_text="The event as received.")
    received_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the event was last handed to the processing queue; empty until the dispatcher takes it.",
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=WebhookEventStatus.choices, default=WebhookEventStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, help_text="Error and traceback of the last failed attempt.")

    class Meta:
        # Newest first by primary key: ids grow with arrival, and the key's index serves the order.
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["event_id"], name="webhook_event_id_unique")]
        indexes = [
            models.Index(
                fields=["id"], name="webhook_pending_idx", condition=models.Q(status=WebhookEventStatus.PENDING)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class DispatchFlag(models.Model):
    """One row: raised while a dispatcher task is queued that has not yet looked at the stored events.

    The delivery that finds it down raises it in the same statement as its insert and queues the
    dispatcher; the dispatcher lowers it before reading (openphone/services.py, "Dispatch").
    """

    raised_at = models.DateTimeField(null=True, blank=True, help_text="Empty while no dispatcher is due.")

    def __str__(self) -> str:
        return f"dispatch flag raised at {self.raised_at}" if self.raised_at else "dispatch flag down"


# --- history sync (manage.py sync_openphone) ----------------------------------------------------

class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running (or crashed while running)"
    FAILED = "failed", "Failed: resume with --resume"
    COMPLETED = "completed", "Completed"
    ABANDONED = "abandoned", "Abandoned: a newer sync of the line replaced it"


class SyncStage(models.TextChoices):
    CONVERSATIONS = "conversations", "Listing conversations"
    HISTORY = "history", "Pulling messages and calls"
    DONE = "done", "Done"


class SyncKind(models.TextChoices):
    MESSAGES = "messages", "Messages"
    CALLS = "calls", "Calls"


class SyncCheckpoint(models.Model):
    """Progress of one history pull for one OpenPhone line, saved after every page.

    A crashed or failed run is continued by `sync_openphone --resume` from exactly the page
    it had not finished: each page and this row are written in one transaction.
    """

    line = models.CharField(max_length=64, help_text="The OpenPhone line (PN...).")
    since = models.DateTimeField(null=True, blank=True, help_text="Only history after this moment; empty for all.")
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    stage = models.CharField(max_length=16, choices=SyncStage.choices, default=SyncStage.CONVERSATIONS)
    conversations_page_token = models.CharField(
        max_length=1024, blank=True, help_text="Token of the next conversations page; empty for the first."
    )
    current_conversation = models.ForeignKey(
        "openphone.SyncConversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Conversation cursor: the one whose messages or calls are being pulled.",
    )
    current_kind = models.CharField(max_length=16, choices=SyncKind.choices, blank=True)
    page_token = models.CharField(
        max_length=1024, blank=True, help_text="Token of the next page of the current conversation's messages or calls."
    )
    counts = models.JSONField(default=dict, help_text="Running totals: conversations, messages, calls, contacts, skips.")
    last_error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["line", "status"], name="sync_checkpoint_resume_idx")]
        constraints = [
            # Two syncs of one line at once would race on the same cursor.
            models.UniqueConstraint(
                fields=["line"], condition=models.Q(status="running"), name="sync_checkpoint_one_running_per_line"
            ),
        ]

    def __str__(self) -> str:
        return f"Sync of {self.line} ({self.get_status_display()}, {self.stage})"


class SyncConversation(models.Model):
    """An OpenPhone conversation queued by a sync; their messages and calls are pulled in id order."""

    checkpoint = models.ForeignKey(SyncCheckpoint, on_delete=models.CASCADE, related_name="conversations")
    openphone_conversation_id = models.CharField(max_length=64)
    participant = models.CharField(max_length=16, help_text="The homeowner's number, E.164.")
    contact = models.ForeignKey("contacts.Contact", null=True, on_delete=models.SET_NULL, related_name="+")
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "openphone_conversation_id"], name="sync_conversation_once_per_sync"
            ),
        ]
        indexes = [models.Index(fields=["checkpoint", "done", "id"], name="sync_conversation_next_idx")]

    def __str__(self) -> str:
        return self.openphone_conversation_id


class CallDetails(models.Model):
    """Where OpenPhone's separate call events (call, recording, summary, transcript) meet, by call id.

    They arrive in any order. A recording, summary or transcript that comes before `call.completed`
    is held here until the call is recorded; every call event locks this row first, so two of them
    processed at once cannot miss each other.
    """

    call_id = models.CharField(max_length=64, unique=True, help_text="OpenPhone's call id (AC...).")
    activity = models.OneToOneField(
        "contacts.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The call or voicemail on the timeline; None until call.completed has been processed.",
    )
    recording_url = models.URLField(max_length=500, blank=True)
    summary = models.TextField(blank=True)
    transcript = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "call details"

    def __str__(self) -> str:
        return f"Call {self.call_id}"
