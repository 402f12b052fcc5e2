"""Text campaigns: a message (with an optional B variant) sent in daily batches to enrolled homeowners."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .reply_classifier import ReplyCategory


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


def _default_phone_number_id() -> str:
    return settings.OPENPHONE_PHONE_NUMBER_ID


class PauseReason(models.TextChoices):
    """Why a guardrail paused a campaign (empty: running, or paused by a person)."""

    OPT_OUT_RATE = "opt_out_rate", "Too many opt-outs"
    FAILURE_RATE = "failure_rate", "Too many failed deliveries"
    ACCOUNT_REFUSED = "account_refused", "OpenPhone refused the account"


class Campaign(models.Model):
    """A text sent to many homeowners, a daily batch at a time, inside their local send window."""

    name = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    template_a = models.TextField(help_text="Message with merge fields, e.g. “Hi {first_name|there}, ...”.")
    template_b = models.TextField(blank=True, help_text="Optional second variant for an A/B test.")
    ab_split = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Share of members who get template B, in percent (ignored without template B).",
    )
    daily_limit = models.PositiveIntegerField(default=125, help_text="Most texts this campaign sends per day.")
    send_window_start = models.TimeField(
        default=datetime.time(10, 0), help_text="Earliest send time in the recipient's local time."
    )
    send_window_end = models.TimeField(
        default=datetime.time(18, 0), help_text="Latest send time in the recipient's local time."
    )
    phone_number_id = models.CharField(
        max_length=64, default=_default_phone_number_id, help_text="The sending OpenPhone line (PN...)."
    )
    starts_on = models.DateField(null=True, blank=True, help_text="First day it may send; empty means at once.")
    # Guardrails: the dispatcher and the delivery/reply webhooks pause the campaign when one trips.
    max_opt_out_percent = models.DecimalField(
        "Pause above opt-out rate (%)", max_digits=5, decimal_places=2, default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Pause when more than this share of one day's texts ends in an opt-out.",
    )
    max_failure_percent = models.DecimalField(
        "Pause above failed-delivery rate (%)", max_digits=5, decimal_places=2, default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Pause when more than this share of one day's texts fails to be delivered.",
    )
    guardrail_min_sends = models.PositiveIntegerField(
        "Rates count after (texts)", default=20, validators=[MinValueValidator(1)],
        help_text="The two rates are judged only once this many texts went out that day.",
    )
    paused_reason = models.CharField(
        max_length=20, blank=True, choices=PauseReason.choices,
        help_text="Set when a guardrail paused the campaign; cleared when a person resumes it.",
    )
    paused_detail = models.TextField(blank=True, help_text="What the guardrail saw, in plain words.")
    paused_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(user_db_constraint=False, no_db_index=["name", "created_by"])  # the audit trail: who changed what, when

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ab_split__lte=100), name="campaign_ab_split_percent"),
            models.CheckConstraint(
                condition=Q(send_window_start__lt=models.F("send_window_end")),
                name="campaign_send_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Variant(models.TextChoices):
    A = "A", "A"
    B = "B", "B"


class MembershipStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    REPLIED = "replied", "Replied"
    OPTED_OUT = "opted_out", "Opted out"
    SKIPPED = "skipped", "Skipped"


class CampaignMembership(models.Model):
    """One homeowner in one campaign: which variant they get and how far their text got."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="campaign_memberships")
    variant = models.CharField(max_length=1, choices=Variant.choices, default=Variant.A)
    status = models.CharField(max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.PENDING)
    activity = models.OneToOneField(
        "contacts.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign_membership",
        help_text="The text this membership produced; empty until it is sent. The only link between a campaign "
        "and a text: contacts knows nothing of campaigns.",
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True, help_text="Time of the first reply.")
    reply_category = models.CharField(
        max_length=20, blank=True, choices=ReplyCategory.choices,
        help_text="What the first reply meant (an opt-out later overrides it); empty until they reply.",
    )
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a dispatcher marked it sending; used to reconcile a crash."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(user_db_constraint=False, no_db_index=["activity"])  # the audit trail: who changed what, when

    class Meta:
        ordering = ["id"]
        verbose_name = "campaign member"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="membership_once_per_campaign"),
        ]
        indexes = [
            # The dispatcher walks a campaign's pending members in enrollment (id) order.
            models.Index(fields=["campaign", "status", "id"], name="membership_claim_order_idx"),
            models.Index(fields=["status", "sent_at"], name="membership_daily_count_idx"),
            # Texts sent today, per campaign and per line, for the daily caps.
            models.Index(fields=["sent_at"], name="membership_sent_day_idx"),
            # Cool-down check and reply lookup: a homeowner's memberships by send time.
            models.Index(fields=["contact", "sent_at"], name="membership_contact_sent_idx"),
            # The office inbox puts homeowners who replied with interest first (contacts.inbox.selectors).
            models.Index(
                fields=["contact"], name="membership_interested_idx", condition=Q(reply_category="interested")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} in {self.campaign} ({self.status})"
