"""What comes after an interested reply: follow-up tasks, estimate visits and job days, quotes and jobs.

Times are stored in UTC and shown in the business's zone; a reminder text uses the homeowner's zone.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


class TaskOrigin(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    UNANSWERED_REPLY = "unanswered_reply", "Interested reply not answered"
    ESTIMATE_WITHOUT_QUOTE = "estimate_without_quote", "Estimate done, no quote yet"
    QUOTE_UNDECIDED = "quote_undecided", "Quote waiting for a decision"


class FollowUpTask(models.Model):
    """Something a person must do for a homeowner by a time: call back, send the quote, chase a decision."""

    title = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="follow_up_tasks")
    conversation = models.ForeignKey(
        "contacts.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    property = models.ForeignKey(
        "properties.Property", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quote = models.ForeignKey(
        "jobs.Quote", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_up_tasks",
        help_text="The quote this task chases, for the quote rule.",
    )
    appointment = models.ForeignKey(
        "jobs.Appointment", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_up_tasks",
        help_text="The visit this task follows, for the estimate rule.",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_up_tasks"
    )
    notes = models.TextField(blank=True)
    origin = models.CharField(max_length=32, choices=TaskOrigin.choices, default=TaskOrigin.MANUAL)
    rule_key = models.CharField(
        max_length=100, null=True, blank=True, unique=True, editable=False,
        help_text="What a rule created this task for (e.g. “quote:12:day7”); unique, so a rule never creates it twice.",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Empty when the task closed itself because its reason went away.",
    )
    closed_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = "follow-up task"
        indexes = [
            # "My day": open tasks by due time.
            models.Index(fields=["due_at"], condition=Q(done_at__isnull=True), name="task_open_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin=TaskOrigin.MANUAL) | Q(rule_key__isnull=False), name="task_rule_has_key"
            ),
            models.CheckConstraint(
                condition=Q(done_by__isnull=True) | Q(done_at__isnull=False), name="task_done_by_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AppointmentKind(models.TextChoices):
    ESTIMATE = "estimate", "Estimate visit"
    JOB = "job", "Job day"


class AppointmentState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class Appointment(models.Model):
    """An estimate visit or a job day at a homeowner's house."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="appointments")
    property = models.ForeignKey(
        "properties.Property", null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments",
        help_text="Who goes; the visit shows in their calendar feed.",
    )
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices, default=AppointmentKind.ESTIMATE)
    state = models.CharField(max_length=16, choices=AppointmentState.choices, default=AppointmentState.SCHEDULED)
    notes = models.TextField(blank=True)
    send_reminder = models.BooleanField(
        default=True, help_text="Text the homeowner a reminder at 6 PM their time the day before."
    )
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="Raised on every edit, so calendars update the event instead of adding one."
    )
    reminder_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the reminder for the current time was claimed and sent; cleared when the visit moves.",
    )
    reminder_result = models.CharField(max_length=200, blank=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments",
        editable=False,
        help_text="The campaign that last texted the homeowner before they first replied (within 90 days), "
        "as for a quote; kept from when the visit was scheduled.",
    )
    variant = models.CharField(max_length=1, blank=True, editable=False, help_text="That campaign's variant, A or B.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = "visit"
        indexes = [
            models.Index(fields=["starts_at"], name="appointment_starts_idx"),
            models.Index(fields=["assignee", "starts_at"], name="appointment_calendar_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.contact}"

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The visit must end after it starts."
        if self.send_reminder and self.contact_id and self.contact.opted_out:
            errors["send_reminder"] = (
                f"{self.contact} has opted out of texts, so no reminder can be sent. Untick “Send reminder”."
            )
        if errors:
            raise ValidationError(errors)


class QuoteState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"


QUOTE_DECIDED_STATES = (QuoteState.ACCEPTED, QuoteState.DECLINED, QuoteState.EXPIRED)


class Quote(models.Model):
    """A price for repairing a homeowner's foundation, and the campaign that earned the chance to give it."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="quotes")
    property = models.ForeignKey(
        "properties.Property", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2, help_text="Total in dollars.")
    line_items = models.JSONField(
        default=list, blank=True,
        help_text='Optional: a list like [{"description": "Inject 2 cracks", "amount": "900.00"}].',
    )
    sent_on = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=QuoteState.choices, default=QuoteState.DRAFT)
    decided_on = models.DateField(null=True, blank=True, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes", editable=False,
        help_text="The campaign that last texted the homeowner before they first replied (within 90 days).",
    )
    variant = models.CharField(max_length=1, blank=True, editable=False, help_text="That campaign's variant, A or B.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "sent_on"], name="quote_state_sent_idx"),
            models.Index(fields=["campaign", "state"], name="quote_campaign_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="quote_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Quote {self.pk or ''} for {self.contact}: ${self.amount:,.2f}"

    def clean(self):
        errors = {}
        if self.amount is not None and self.amount < 0:
            errors["amount"] = "A quote cannot be for a negative amount."
        if self.state != QuoteState.DRAFT and not self.sent_on:
            errors["sent_on"] = "Say on which day the quote was sent (only a draft has no date)."
        if not isinstance(self.line_items, list):
            errors["line_items"] = "Line items must be a list."
        if errors:
            raise ValidationError(errors)


class Job(models.Model):
    """The work an accepted quote became: when it is done, what was invoiced and when it was paid."""

    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="job")
    scheduled_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    amount_invoiced = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_invoiced__isnull=True) | Q(amount_invoiced__gte=0),
                name="job_amount_invoiced_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Job for {self.quote.contact}"

    def clean(self):
        errors = {}
        if self.quote_id and self.quote.state != QuoteState.ACCEPTED:
            errors["quote"] = f"Only an accepted quote becomes a job; this one is {self.quote.get_state_display().lower()}."
        if self.amount_invoiced is not None and self.amount_invoiced < 0:
            errors["amount_invoiced"] = "The invoiced amount cannot be negative."
        if errors:
            raise ValidationError(errors)


class ReminderTemplate(models.Model):
    """The text homeowners get the evening before a visit, one per kind of visit."""

    kind = models.CharField(max_length=16, choices=AppointmentKind.choices, unique=True)
    body = models.TextField(
        help_text="Merge fields: {first_name|there}, {day} (Tuesday, March 10), {time_window} (9:00–10:00 AM), "
        "{address}."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reminder for {self.get_kind_display().lower()}"

    def clean(self):
        from .reminders import reminder_template_check

        reminder_template_check(self.body)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A staff member's private calendar address; the token is the only key, so it can be revoked."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar of {self.user}"
