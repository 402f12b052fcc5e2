"""What OpenPhone told us: every webhook delivery, stored raw before it is processed."""
from __future__ import annotations

from django.db import models


class WebhookEventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored (unknown type)"


class WebhookEvent(models.Model):
    """One OpenPhone event, keyed by OpenPhone's event id so a redelivery is recognised."""

    event_id = models.CharField(max_length=100, unique=True, help_text="OpenPhone's id (EV...).")
    type = models.CharField(max_length=64, db_index=True)
    payload = models.JSONField(help_text="The event as received.")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=WebhookEventStatus.choices, default=WebhookEventStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, help_text="Error and traceback of the last failed attempt.")

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="webhook_pending_sweep_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


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
