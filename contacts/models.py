"""Homeowners, their tags, their conversations with us and the timeline of everything said."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from .phone import format_phone, normalize_phone


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    INTERESTED = "interested", "Interested"
    NOT_INTERESTED = "not_interested", "Not interested"
    APPOINTMENT = "appointment", "Appointment set"
    CUSTOMER = "customer", "Customer"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    DEAD = "dead", "Dead"


class ContactSource(models.TextChoices):
    MANUAL = "manual", "Entered by staff"
    PROPERTYRADAR = "propertyradar", "PropertyRadar import"
    CSV = "csv", "Contact CSV import"
    INBOUND = "inbound", "Texted or called us"
    OPENPHONE = "openphone", "OpenPhone sync"
    API = "api", "REST API"
    DEMO = "demo", "Demo data"


class Tag(models.Model):
    """A label staff put on homeowners ("Pittsfield list", "Called back") to find and enroll them."""

    name = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PhoneNormalizingModel(models.Model):
    """Model validation accepts `phone` in any format people type and stores it as E.164."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        exclude = set(exclude or ())
        errors: dict = {}
        if "phone" not in exclude and (self.phone or "").strip():
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as exc:
                errors["phone"] = exc.error_list
                exclude.add("phone")
        elif "phone" not in exclude and self._meta.get_field("phone").null:
            self.phone = None  # blank means "no number", never an empty string that would collide
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def duplicate_phone_error(owner: Contact) -> ValidationError:
    """The refusal of a number that already belongs to `owner`, in plain words.

    Its code and params let each screen present it: the admin links to the owner's page, the API
    names them under `existing_contact`.
    """
    return ValidationError(
        "This phone number already belongs to %(name)s (contact %(contact_id)s).",
        code="phone_duplicate",
        params={"name": str(owner), "contact_id": owner.pk},
    )


class ContactQuerySet(models.QuerySet):
    def owner_of(self, e164: str, *, other_than: int | None = None) -> Contact | None:
        """Whoever has `e164` (E.164) as their main or one of their further numbers, or None.

        The one answer to "whose number is this", used by validation, services and selectors.
        Two indexed look-ups rather than one OR across a join, which PostgreSQL cannot serve
        from the two unique indexes.
        """
        people = self if other_than is None else self.exclude(pk=other_than)
        return people.filter(phone=e164).first() or people.filter(phones__phone=e164).first()


class Contact(PhoneNormalizingModel):
    """A homeowner (or anyone who texted us). One row per person, keyed by their main mobile number."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text="Main mobile number in E.164 (+16175550123). Empty for people we only have an email or a name for.",
    )
    email = models.EmailField(blank=True)
    lead_status = models.CharField(max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    source = models.CharField(max_length=20, choices=ContactSource.choices, default=ContactSource.MANUAL)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    notes = models.TextField(blank=True)

    opted_out = models.BooleanField(default=False, help_text="Never text this person while set.")
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_out_reason = models.CharField(max_length=255, blank=True)
    texting_held = models.BooleanField(
        default=False,
        help_text="A reply may have been a request to stop: no text goes out until a person decides (see holds).",
    )

    mailing_address = models.CharField(max_length=255, blank=True)
    mailing_city = models.CharField(max_length=100, blank=True)
    mailing_state = models.CharField(max_length=2, blank=True)
    mailing_zip = models.CharField(max_length=10, blank=True)

    openphone_contact_id = models.CharField(
        max_length=64, blank=True, help_text="OpenPhone's id for this person, when known."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()
    history = HistoricalRecords(user_db_constraint=False, no_db_index=["phone"])  # the audit trail: who changed what, when

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = "homeowner"  # what the office calls them: "Add homeowner", "The homeowner … was changed"
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="contact_name_search_idx"),
            models.Index(fields=["updated_at"], name="contact_updated_sync_idx"),
            # Bulk imports match people by email whatever its case (properties.importers.merge); no
            # query looks an email up by exact case, so there is no plain index on email: every
            # index costs each of the ~100,000 rows a PropertyRadar import inserts.
            models.Index(Lower("email"), name="contact_email_ci_idx"),
            # OpenPhone contact events find their person by OpenPhone's id (exact matches only, so
            # without the varchar_pattern_ops twin Django adds to a db_index=True CharField). Only
            # people who have one are indexed: imported people have none, and an index entry for
            # each empty id cost a bulk import ~1 µs a person for nothing. An id looked up is never
            # empty: PostgreSQL proves `= 'AC12'` implies `<> ''` and uses the partial index.
            models.Index(
                fields=["openphone_contact_id"], name="contact_openphone_id_idx", condition=~Q(openphone_contact_id="")
            ),
            # The held homeowners (the dashboard's count, the admin filter): a handful of rows, so the
            # index is tiny and an import's new (never held) people add nothing to it.
            models.Index(fields=["id"], name="contact_held_idx", condition=Q(texting_held=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__isnull=True) | Q(phone__regex=r"^\+[1-9][0-9]{1,14}$"),
                name="contact_phone_is_e164",
            ),
            models.CheckConstraint(
                condition=Q(opted_out=False) | Q(opted_out_at__isnull=False),
                name="contact_opt_out_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or format_phone(self.phone) or self.email or f"Contact {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    def validate_unique(self, exclude=None):
        """A number belongs to one person: refuse it, linking to its owner, if anyone else has it."""
        exclude = set(exclude or ())
        errors: dict = {}
        if "phone" not in exclude and self.phone:
            owner = Contact.objects.owner_of(self.phone, other_than=self.pk)
            if owner is not None:
                errors["phone"] = [duplicate_phone_error(owner)]
        try:
            # Our check above replaces Django's generic "Contact with this Phone already exists."
            super().validate_unique(exclude=exclude | {"phone"})
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class ContactPhone(PhoneNormalizingModel):
    """Every number we have seen for a person, the main one included, so none is ever dropped."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    phone = models.CharField(max_length=16, unique=True, help_text="E.164.")
    label = models.CharField(max_length=32, blank=True, help_text="mobile, landline, from import, ...")
    delivery_failures = models.PositiveSmallIntegerField(
        default=0, help_text="Texts OpenPhone reported failed since the last one delivered."
    )
    undeliverable_since = models.DateTimeField(
        null=True, blank=True, help_text="Set after repeated failed texts: the number is not texted while set."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Read by homeowner (their History page and data export), never by the number's own id.
    history = HistoricalRecords(user_db_constraint=False, no_db_index=["phone", "id"])  # the audit trail: who changed what, when

    class Meta:
        ordering = ["contact", "id"]

    def __str__(self) -> str:
        return format_phone(self.phone)

    def validate_unique(self, exclude=None):
        """A further number may not belong to another person either."""
        exclude = set(exclude or ())
        errors: dict = {}
        if "phone" not in exclude and self.phone:
            owner = Contact.objects.owner_of(self.phone, other_than=self.contact_id)
            if owner is not None:
                errors["phone"] = [duplicate_phone_error(owner)]
                exclude.add("phone")
        try:
            super().validate_unique(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class OptOutEvent(models.Model):
    """Audit trail of opt-outs and opt-ins: who, when, why and what triggered it."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="opt_out_events")
    opted_out = models.BooleanField(help_text="True for an opt-out, False for an opt-in.")
    reason = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=32, help_text="inbound_message, staff, import, api, ...")
    activity = models.ForeignKey(
        "contacts.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The inbound message that triggered it, if any.",
    )
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{'Opt-out' if self.opted_out else 'Opt-in'} of {self.contact} ({self.source})"


class Conversation(models.Model):
    """The thread between one homeowner and one of our OpenPhone lines."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    phone_number_id = models.CharField(max_length=64, help_text="Our OpenPhone line (PN...).")
    openphone_conversation_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    waiting_for_reply = models.BooleanField(
        default=False, help_text="The last message is the homeowner's and nobody has answered yet."
    )
    # The office inbox (contacts/inbox): who handles it, hidden until when, closed without a reply.
    # A new message from the homeowner clears snoozed_until and done_at (activity_record).
    snoozed_until = models.DateTimeField(
        null=True, blank=True, help_text="Hidden from “Needs reply” until then, or until the homeowner writes again."
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The staff member answering this homeowner.",
    )
    done_at = models.DateTimeField(null=True, blank=True, help_text="Marked handled without a reply.")
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the homeowner's newest text here was read as (contacts.reading; kept by activity_store_reading):
    # the inbox's intent badge, and "interested" goes first in "Needs reply".
    reply_intent = models.CharField(
        max_length=20, blank=True, help_text="How the homeowner's newest text in this conversation was read."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_activity_at"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "phone_number_id"], name="conversation_one_per_contact_line"),
        ]
        indexes = [
            models.Index(fields=["waiting_for_reply", "last_activity_at"], name="conversation_waiting_idx"),
            # The inbox: the header count and "Needs reply"/"Snoozed" read only waiting rows (a
            # small share), by snooze time, oldest first.
            models.Index(
                fields=["snoozed_until", "last_activity_at"], name="conversation_needs_reply_idx",
                condition=Q(waiting_for_reply=True), include=["id", "contact_id"],
            ),
            models.Index(fields=["-last_activity_at", "-id"], name="conversation_recent_idx"),
            # The line filter (and the list of lines it offers, read by a skip scan).
            models.Index(fields=["phone_number_id", "last_activity_at"], name="conversation_line_idx"),
            models.Index(fields=["-done_at"], name="conversation_done_idx", condition=Q(done_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.contact} on {self.phone_number_id}"


class ActivityKind(models.TextChoices):
    MESSAGE = "message", "Text message"
    CALL = "call", "Call"
    VOICEMAIL = "voicemail", "Voicemail"
    NOTE = "note", "Note"


class Direction(models.TextChoices):
    INCOMING = "incoming", "Incoming"
    OUTGOING = "outgoing", "Outgoing"


class Activity(models.Model):
    """One entry on a homeowner's timeline: a text, a call, a voicemail or a staff note."""

    # No single-column indexes on these two: activity_timeline_idx and activity_conversation_idx lead with
    # them and serve their lookups and cascades, and each index costs every text and call stored.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities", db_index=False)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities", db_index=False
    )
    kind = models.CharField(max_length=16, choices=ActivityKind.choices)
    direction = models.CharField(max_length=16, choices=Direction.choices, blank=True)
    body = models.TextField(blank=True)
    status = models.CharField(
        max_length=32, blank=True,
        help_text="Provider status as reported (queued, sent, delivered, undelivered, received, completed, missed...).",
    )
    openphone_id = models.CharField(
        max_length=64, null=True, blank=True, unique=True,
        help_text="OpenPhone's message or call id (AC...); unique so a replayed event cannot duplicate.",
    )
    occurred_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    transcript = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Staff member who sent the text or wrote the note.",
    )
    # How the homeowner's text was read (contacts.reading); empty on anything else.
    reading_category = models.CharField(max_length=20, blank=True, help_text="Intent read from an incoming text.")
    reading_opt_out = models.CharField(max_length=10, blank=True, help_text="certain, possible or none.")
    reading_rule = models.CharField(max_length=120, blank=True, help_text="The rule that decided the reading.")
    reading_addresses = models.JSONField(
        default=list, blank=True,
        help_text="Street addresses the text mentions: line1, city, state, zip, and property_id once matched.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = "timeline entry"
        verbose_name_plural = "timeline entries"
        indexes = [
            models.Index(fields=["contact", "-occurred_at"], name="activity_timeline_idx"),
            # The dashboard's figures for a period: counts and the daily chart by kind, direction and status, and
            # speed to lead, which pairs each conversation's texts; every column they read is here, so PostgreSQL
            # answers them from the index alone (SQLite builds it without the INCLUDEd columns).
            models.Index(
                fields=["occurred_at", "kind", "direction"], include=["status", "conversation", "sent_by", "id"],
                name="activity_period_idx",
            ),
            # A conversation's thread and its newest message (the inbox rows).
            models.Index(fields=["conversation", "occurred_at"], name="activity_conversation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.direction} {self.occurred_at:%Y-%m-%d %H:%M}"


# --- Our lines, photos texted to us, texts scheduled for later -------------------------------------


class Line(models.Model):
    """One of our OpenPhone lines, so screens show "Front office (+1 617-555-0100)" instead of its PN id.

    Filled from GET /v1/phone-numbers by `manage.py sync_openphone` and the first time a call
    needs the list (openphone/lines.py); staff may rename a line in the admin.
    """

    openphone_id = models.CharField(max_length=64, unique=True, help_text="OpenPhone's id for the line (PN...).")
    number = models.CharField(max_length=16, blank=True, help_text="The line's number in E.164.")
    name = models.CharField(max_length=100, blank=True, help_text="What the office calls it (\"Front office\").")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "number", "openphone_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number="") | Q(number__regex=r"^\+[1-9][0-9]{1,14}$"), name="line_number_is_e164"
            ),
        ]

    def __str__(self) -> str:
        number = format_line_number(self.number)
        if self.name and number:
            return f"{self.name} ({number})"
        return self.name or number or self.openphone_id


def format_line_number(e164: str | None) -> str:
    """A line's number as shown beside its name: "+1 617-555-0100"."""
    import phonenumbers

    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def activity_media_storage():
    """Where copies of texted photos live: STORAGES["activity_media"] if set, else a private folder."""
    from django.core.files.storage import storages

    from .media_storage import PrivateMediaStorage

    if "activity_media" in settings.STORAGES:
        return storages["activity_media"]
    return PrivateMediaStorage()


class MediaStatus(models.TextChoices):
    PENDING = "pending", "Being copied"
    COPIED = "copied", "Copied"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Copy failed"


class ActivityMedia(models.Model):
    """A photo, recording or video attached to a text, and our own copy of it.

    OpenPhone's links may not last, so a task copies each file into our private storage; a
    refused (too large, wrong type, unsafe address) or failed copy keeps its reason in `error`.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="media")
    source_url = models.URLField(max_length=2000, help_text="Where OpenPhone said the file is.")
    content_type = models.CharField(
        max_length=100, blank=True, help_text="The type OpenPhone announced, then the one the server answered with."
    )
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes; None until copied.")
    file = models.FileField(
        upload_to="activity-media/%Y/%m/", storage=activity_media_storage, blank=True, max_length=255,
        help_text="Our copy; served only to staff through the admin, never from a public URL.",
    )
    status = models.CharField(max_length=16, choices=MediaStatus.choices, default=MediaStatus.PENDING)
    error = models.CharField(max_length=255, blank=True, help_text="Why the copy was refused or failed.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    copied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["activity", "id"]
        verbose_name = "photo or media file"
        verbose_name_plural = "photos and media files"
        constraints = [
            # A replayed webhook or a second sync must not attach the same file twice.
            models.UniqueConstraint(fields=["activity", "source_url"], name="activity_media_once_per_url"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type or 'file'} on activity {self.activity_id} ({self.get_status_display()})"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ScheduledTextStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"
    REFUSED = "refused", "Not sent"


class ScheduledText(models.Model):
    """A text staff wrote to go out later (at the opening of the homeowner's send window).

    `scheduled_texts_send_due` sends it through `message_send` at `send_at`, which checks
    opt-out, hold and window again then; a refusal is kept with its reason.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="scheduled_texts")
    body = models.TextField()
    send_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=ScheduledTextStatus.choices, default=ScheduledTextStatus.SCHEDULED)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The text as sent; None until it went out.",
    )
    error = models.CharField(max_length=255, blank=True, help_text="Why it was not sent.")
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["send_at", "id"]
        indexes = [
            # The every-minute task's query: scheduled texts whose time has come.
            models.Index(fields=["send_at"], name="scheduled_text_due_idx", condition=Q(status="scheduled")),
        ]

    def __str__(self) -> str:
        return f"Text to {self.conversation.contact} at {self.send_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

class HoldDecision(models.TextChoices):
    KEEP_TEXTING = "keep_texting", "Keep texting"
    OPT_OUT = "opt_out", "Opted out"
    OPTED_IN = "opted_in", "They texted START"


class TextingHold(models.Model):
    """A reply that may have asked us to stop: texting paused until a person decides (who, when, why)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="texting_holds")
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The message that caused the hold.",
    )
    reason = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=32, help_text="inbound_message, openphone_sync, reclassify, ...")
    held_at = models.DateTimeField()
    decision = models.CharField(max_length=16, choices=HoldDecision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"Hold on {self.contact} ({self.get_decision_display() or 'waiting for a decision'})"


class SavedReply(models.Model):
    """A reply the office sends often, picked above the inbox's reply box and filled in for the person."""

    title = models.CharField(max_length=100, unique=True)
    body = models.TextField(
        help_text="The text. Merge fields such as {first_name|there} or {property_address} are filled in for "
        "the homeowner being answered; staff can edit it before sending."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return self.title
