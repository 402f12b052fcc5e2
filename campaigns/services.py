"""Writes about campaigns: lifecycle, enrollment, daily batches (with crash reconciliation), replies.

Every transition goes through `_transition`, so the admin, the API and tasks obey one table.
Every text goes through contacts.services.message_send, the one outgoing path.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from contacts.models import Activity, ActivityKind, Contact, Conversation, Direction, LeadStatus
from contacts.opt_out import opt_out_reason
from contacts.phone import mask_phone, number_type
from crm.history import audited_update

from .merge_fields import render_template
from .models import Campaign, CampaignMembership, CampaignStatus, MembershipStatus, PauseReason, Variant
from .reply_classifier import ReplyCategory, classify_reply

logger = logging.getLogger(__name__)

# Which statuses each status may move to.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    CampaignStatus.DRAFT: {CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.CANCELLED},
    CampaignStatus.SCHEDULED: {CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.CANCELLED},
    CampaignStatus.RUNNING: {CampaignStatus.PAUSED, CampaignStatus.COMPLETED, CampaignStatus.CANCELLED},
    CampaignStatus.PAUSED: {CampaignStatus.RUNNING, CampaignStatus.CANCELLED},
    CampaignStatus.COMPLETED: set(),
    CampaignStatus.CANCELLED: set(),
}


class InvalidTransition(ValidationError):
    """The campaign cannot move from its current status to the one asked for."""


def _transition(
    *, campaign: Campaign, to: str, allowed_from: set[str] | None = None, fields: dict | None = None
) -> Campaign:
    fields = fields or {}
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        current = locked.status
        permitted = ALLOWED_TRANSITIONS[current] if allowed_from is None else (
            ALLOWED_TRANSITIONS[current] if current in allowed_from else set()
        )
        if to not in permitted:
            raise InvalidTransition(
                f"Campaign “{locked.name}” is {locked.get_status_display().lower()}; "
                f"it cannot be made {CampaignStatus(to).label.lower()}.",
                code="invalid_transition",
            )
        locked.status = to
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", *fields, "updated_at"])
    campaign.status = to
    for name, value in fields.items():
        setattr(campaign, name, value)
    return campaign


def campaign_start(*, campaign: Campaign) -> Campaign:
    """Start sending (from draft or scheduled); the next dispatcher run picks it up."""
    return _transition(
        campaign=campaign, to=CampaignStatus.RUNNING, allowed_from={CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}
    )


_PAUSE_CLEARED = {"paused_reason": "", "paused_detail": "", "paused_at": None}


def campaign_pause(*, campaign: Campaign) -> Campaign:
    """Stop sending until resumed; texts already claimed by a running batch still finish."""
    return _transition(campaign=campaign, to=CampaignStatus.PAUSED, fields=_PAUSE_CLEARED)


def campaign_resume(*, campaign: Campaign) -> Campaign:
    """Send again after a pause (a person's choice; a guardrail's reason is cleared)."""
    return _transition(
        campaign=campaign, to=CampaignStatus.RUNNING, allowed_from={CampaignStatus.PAUSED}, fields=_PAUSE_CLEARED
    )


def campaign_cancel(*, campaign: Campaign) -> Campaign:
    """Stop for good; pending members are never texted."""
    return _transition(campaign=campaign, to=CampaignStatus.CANCELLED)


def campaign_complete(*, campaign: Campaign) -> Campaign:
    """Mark a running campaign finished (the dispatcher does this when nobody is left pending)."""
    return _transition(campaign=campaign, to=CampaignStatus.COMPLETED)


# --- Enrollment ---------------------------------------------------------------------------

# Statuses a campaign accepts new members in.
ENROLLABLE_STATUSES = {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED}
# Contact ids per query: PostgreSQL accepts at most 65,535 bind parameters per statement.
ENROLL_CHUNK = 5000

SKIP_REASON_LABELS = {
    "opted_out": "opted out",
    "no_valid_phone": "no valid mobile number",
    "already_enrolled": "already enrolled",
    "not_found": "no longer in the database",
}

# Number types that can receive a text; US numbers are mostly FIXED_LINE_OR_MOBILE (not distinguishable).
_TEXTABLE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.VOIP,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
}


@lru_cache(maxsize=65536)
def is_textable_number(e164: str | None) -> bool:
    """True when `e164` is a valid number of a kind that can receive texts (not a landline-only or toll-free)."""
    # The number type is UNKNOWN for an invalid number, so this is also is_valid_number's check.
    return number_type(e164) in _TEXTABLE_TYPES


def membership_variant(*, campaign: Campaign, contact_id: int) -> str:
    """The variant a contact gets: a hash of (campaign, contact), so re-running never flips it."""
    if not (campaign.template_b or "").strip() or campaign.ab_split <= 0:
        return Variant.A
    digest = hashlib.blake2b(f"{campaign.pk}:{contact_id}".encode(), digest_size=8).digest()
    return Variant.B if int.from_bytes(digest, "big") % 100 < campaign.ab_split else Variant.A


@dataclass
class EnrollmentResult:
    """How many homeowners an enrollment added, and how many it skipped for each reason."""

    added: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    campaign_name: str = ""

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        """One sentence for an admin message: "Added 12 homeowners to “Spring”; skipped 3 (2 opted out, 1 ...)"."""
        target = f" to “{self.campaign_name}”" if self.campaign_name else ""
        text = f"Added {self.added} homeowner{'' if self.added == 1 else 's'}{target}"
        if self.skipped_total:
            reasons = ", ".join(
                f"{count} {SKIP_REASON_LABELS.get(reason, reason.replace('_', ' '))}"
                for reason, count in sorted(self.skipped.items(), key=lambda item: -item[1])
            )
            text += f"; skipped {self.skipped_total} ({reasons})"
        return text + "."


def campaign_enroll_contacts(*, campaign: Campaign, contact_ids: Iterable[int]) -> EnrollmentResult:
    """Enroll the given contacts, skipping opted-out ones, those without a textable number and members.

    Set-based: a few queries per 5,000 contacts, whatever their number. The campaign row is
    locked so two enrollments of the same campaign cannot race each other.
    """
    ids = sorted({int(pk) for pk in contact_ids})
    result = EnrollmentResult(campaign_name=campaign.name)
    skipped: Counter[str] = Counter()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status not in ENROLLABLE_STATUSES:
            raise ValidationError(
                f"Campaign “{locked.name}” is {locked.get_status_display().lower()}; it takes no new members.",
                code="campaign_closed",
            )
        for start in range(0, len(ids), ENROLL_CHUNK):
            chunk = ids[start:start + ENROLL_CHUNK]
            rows = Contact.objects.filter(pk__in=chunk).values_list("pk", "phone", "opted_out")
            enrolled = set(
                CampaignMembership.objects.filter(campaign=locked, contact_id__in=chunk).values_list(
                    "contact_id", flat=True
                )
            )
            new_members = []
            found = 0
            for pk, phone, opted_out in rows:
                found += 1
                if pk in enrolled:
                    skipped["already_enrolled"] += 1
                elif opted_out:
                    skipped["opted_out"] += 1
                elif not is_textable_number(phone):
                    skipped["no_valid_phone"] += 1
                else:
                    new_members.append(
                        CampaignMembership(
                            campaign=locked, contact_id=pk, variant=membership_variant(campaign=locked, contact_id=pk)
                        )
                    )
            if len(chunk) > found:
                skipped["not_found"] += len(chunk) - found
            CampaignMembership.objects.bulk_create(new_members, batch_size=2000)
            result.added += len(new_members)
    result.skipped = dict(skipped)
    return result


def campaign_enroll_tag(*, campaign: Campaign, tag) -> EnrollmentResult:
    """Enroll every contact carrying `tag` (a Tag or its name)."""
    through = Contact.tags.through
    tag_filter = {"tag__name": tag} if isinstance(tag, str) else {"tag_id": tag.pk}
    contact_ids = through.objects.filter(**tag_filter).values_list("contact_id", flat=True)
    return campaign_enroll_contacts(campaign=campaign, contact_ids=list(contact_ids))


# --- Guardrails ----------------------------------------------------------------------------
#
# A campaign stops itself when one day's texts go badly (too many opt-outs or failed deliveries)
# or when OpenPhone refuses the whole account or line. Only a person resumes it.


def percent_text(value) -> str:
    """5 -> "5", Decimal("2.50") -> "2.5"."""
    from decimal import Decimal

    return f"{Decimal(value).normalize():f}"


def account_refusal(*, status: int | None, code: str | None, message: str = "") -> str:
    """Plain words for an OpenPhone answer that refuses every text (not one recipient); else ""."""
    code = code or ""
    if status == 400 and code == "0206400":
        return "OpenPhone refused to send: the company's A2P 10DLC registration is not approved (400, code 0206400)."
    if status == 402:
        return "OpenPhone refused to send: the account is out of prepaid credits (402)."
    if status == 401:
        return "OpenPhone refused the API key (401)."
    if status == 404:
        return "OpenPhone does not know the sending line (404): check the campaign's line."
    if status == 403 and (code.endswith("02403") or "phone number user" in message.lower()):
        return "OpenPhone refused the sending line: the API user is not on that line (403 Not Phone Number User)."
    return ""


def campaign_pause_by_guardrail(*, campaign_id: int, reason: str, detail: str, at: datetime | None = None) -> bool:
    """Pause a running (or scheduled) campaign and keep why; mail the managers. False if it was not sending."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if locked is None or locked.status not in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED):
            return False
        locked.status = CampaignStatus.PAUSED
        locked.paused_reason, locked.paused_detail, locked.paused_at = reason, detail[:2000], at
        locked.save(update_fields=["status", "paused_reason", "paused_detail", "paused_at", "updated_at"])
        transaction.on_commit(lambda: _mail_managers_about_pause(campaign_id=campaign_id))
    logger.warning("Campaign %s paused by a guardrail: %s", campaign_id, reason)
    return True


def _mail_managers_about_pause(*, campaign_id: int) -> None:
    """E-mail the Manager group (those with an address) through Django's mail backend."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    from contacts.roles import MANAGER

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return
    recipients = sorted(set(
        get_user_model().objects.filter(groups__name=MANAGER, is_active=True).exclude(email="")
        .values_list("email", flat=True)
    ))
    if not recipients:
        return
    body = (
        f"The campaign “{campaign.name}” stopped sending by itself.\n\n"
        f"Why: {campaign.get_paused_reason_display()}. {campaign.paused_detail}\n\n"
        "It stays paused until someone resumes it on its page in the admin."
    )
    try:
        send_mail(
            f"Campaign paused: {campaign.name}", body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False
        )
    except Exception:  # the pause stands whether or not the mail leaves
        logger.exception("Could not e-mail the managers about paused campaign %s", campaign_id)


def campaign_check_guardrails(*, campaign_id: int, day_of: datetime) -> bool:
    """Pause the campaign if the texts it sent on `day_of`'s business day cross a guardrail rate.

    Rates are shares of that day's texts (memberships whose sent_at falls on the day): opted out,
    and failed delivery. Judged once the day has `guardrail_min_sends` texts. Returns True if it paused.
    """
    from django.db.models import Count

    from . import selectors

    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status not in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED):
        return False
    start, end = selectors.business_day_bounds(day_of)
    counts = CampaignMembership.objects.filter(campaign_id=campaign_id, sent_at__gte=start, sent_at__lt=end).aggregate(
        sent=Count("id"),
        opted_out=Count("id", filter=Q(status=MembershipStatus.OPTED_OUT)),
        failed=Count("id", filter=Q(status=MembershipStatus.FAILED)),
    )
    sent = counts["sent"]
    if sent < campaign.guardrail_min_sends:
        return False
    day = start.date().isoformat()
    for reason, count, limit, what in (
        (PauseReason.OPT_OUT_RATE, counts["opted_out"], campaign.max_opt_out_percent, "opted out"),
        (PauseReason.FAILURE_RATE, counts["failed"], campaign.max_failure_percent, "failed to be delivered"),
    ):
        if count * 100 > limit * sent:
            detail = (
                f"{count} of the {sent} texts sent on {day} {what} ({count / sent:.1%}); "
                f"the limit is {percent_text(limit)} %."
            )
            return campaign_pause_by_guardrail(campaign_id=campaign_id, reason=reason, detail=detail)
    return False


# --- Replies and deliveries ---------------------------------------------------------------

# A reply counts for the campaign text it answers only if it comes within this many days of it.
REPLY_ATTRIBUTION_DAYS = 30

# Staff set these after talking to the person; an automatic reply classification never overwrites them.
PROTECTED_LEAD_STATUSES = {LeadStatus.APPOINTMENT, LeadStatus.CUSTOMER}
LEAD_STATUS_FOR_REPLY = {
    ReplyCategory.INTERESTED: LeadStatus.INTERESTED,
    ReplyCategory.NOT_INTERESTED: LeadStatus.NOT_INTERESTED,
    ReplyCategory.OPT_OUT: LeadStatus.NOT_INTERESTED,
    ReplyCategory.WRONG_NUMBER: LeadStatus.WRONG_NUMBER,
}
# Categories that say something definite; an earlier question or "other" is replaced by them.
DECISIVE_CATEGORIES = set(LEAD_STATUS_FOR_REPLY)


def membership_record_reply(*, activity: Activity) -> CampaignMembership | None:
    """Attribute an inbound text to the contact's latest campaign text, classify it, update their lead status.

    Called by the webhook handler after it records the incoming message Activity. Marks the
    membership replied once (replied_at is the first reply's time); an opt-out moves it to
    opted_out (and opts the contact out if the handler has not already). Returns the
    membership, or None when the text answers no recent campaign text. Idempotent.
    """
    if activity.kind != ActivityKind.MESSAGE or activity.direction != Direction.INCOMING:
        return None
    category = ReplyCategory(activity.reading_category) if activity.reading_category else classify_reply(activity.body)
    at = activity.occurred_at
    with transaction.atomic():
        membership = (
            CampaignMembership.objects.select_for_update()
            .filter(
                contact_id=activity.contact_id,
                status__in=[MembershipStatus.SENT, MembershipStatus.DELIVERED, MembershipStatus.REPLIED],
                sent_at__lte=at,
                sent_at__gte=at - timedelta(days=REPLY_ATTRIBUTION_DAYS),
            )
            .order_by("-sent_at", "-pk")
            .first()
        )
        if membership is None:
            return None
        if membership.replied_at is None:
            membership.replied_at = at
            membership.reply_category = category
        elif category in DECISIVE_CATEGORIES and membership.reply_category not in DECISIVE_CATEGORIES:
            membership.reply_category = category
        membership.status = MembershipStatus.OPTED_OUT if category == ReplyCategory.OPT_OUT else MembershipStatus.REPLIED
        membership.save(update_fields=["replied_at", "reply_category", "status", "updated_at"])

        contacts = Contact.objects.filter(pk=activity.contact_id).exclude(lead_status__in=PROTECTED_LEAD_STATUSES)
        if category in LEAD_STATUS_FOR_REPLY:
            audited_update(contacts.exclude(lead_status=LEAD_STATUS_FOR_REPLY[category]),
                           reason=f"Replied to a campaign: {category}",
                           lead_status=LEAD_STATUS_FOR_REPLY[category], updated_at=timezone.now())
        else:
            audited_update(contacts.filter(lead_status=LeadStatus.NEW), reason=f"Replied to a campaign: {category}",
                           lead_status=LeadStatus.CONTACTED, updated_at=timezone.now())

        if category == ReplyCategory.OPT_OUT:
            from contacts.services import contact_opt_out

            contact = Contact.objects.only("pk", "opted_out").get(pk=activity.contact_id)
            if not contact.opted_out:
                contact_opt_out(
                    contact=contact, reason=opt_out_reason(activity.body), source="inbound_message",
                    activity=activity, at=at,
                )
    if category == ReplyCategory.OPT_OUT:
        campaign_check_guardrails(campaign_id=membership.campaign_id, day_of=membership.sent_at)
    return membership


DELIVERED_STATUSES = {"delivered"}
FAILED_DELIVERY_STATUSES = {"failed", "undelivered"}


def membership_record_delivery(*, activity: Activity) -> CampaignMembership | None:
    """Move the membership of an outgoing text to delivered or failed after its status changed.

    Called after a delivery webhook updated `activity.status`. Never moves a membership
    backwards (a replied or opted-out member stays so). Returns the membership, or None.
    """
    status = (activity.status or "").lower()
    if status in DELIVERED_STATUSES:
        target, allowed_from = MembershipStatus.DELIVERED, {MembershipStatus.SENDING, MembershipStatus.SENT}
    elif status in FAILED_DELIVERY_STATUSES:
        target, allowed_from = MembershipStatus.FAILED, {MembershipStatus.SENDING, MembershipStatus.SENT}
    else:
        return None
    with transaction.atomic():
        membership = CampaignMembership.objects.select_for_update().filter(activity_id=activity.pk).first()
        if membership is None:
            return None
        moved = membership.status in allowed_from
        if moved:
            membership.status = target
            if target == MembershipStatus.FAILED:
                membership.last_error = f"OpenPhone reported the text {status}."
            membership.sent_at = membership.sent_at or activity.occurred_at
            membership.save(update_fields=["status", "last_error", "sent_at", "updated_at"])
    if moved:
        from contacts.services import contact_phone_record_delivery

        phone = Contact.objects.filter(pk=membership.contact_id).values_list("phone", flat=True).first()
        if phone:
            contact_phone_record_delivery(
                contact_id=membership.contact_id, phone=phone, delivered=target == MembershipStatus.DELIVERED,
                at=activity.occurred_at,
            )
        if target == MembershipStatus.FAILED:
            campaign_check_guardrails(campaign_id=membership.campaign_id, day_of=membership.sent_at)
    return membership


# --- Daily batches -------------------------------------------------------------------------
#
# Pacing: OpenPhone allows 10 requests per second per API key. The OpenPhone client throttles
# itself (token bucket, backoff on 429), so the dispatcher sends as fast as the client lets it
# and never sleeps. A 125-text batch therefore takes at least ~13 seconds against OpenPhone.

# A membership still `sending` this long after its claim was abandoned by a crashed dispatcher:
# a whole batch needs well under a minute, so 15 minutes cannot catch a live send.
STALE_SENDING_MINUTES = 15
# A dispatcher sends nothing claimed longer ago than this (it hands the rest back instead), so a
# send never overlaps reconciliation: the 5-minute gap exceeds any HTTP timeout of the client.
SEND_DEADLINE = timedelta(minutes=STALE_SENDING_MINUTES - 5)
# How far before the claim to look for the text at OpenPhone, for clock differences between us and them.
RECONCILE_CLOCK_MARGIN = timedelta(minutes=2)
# Stale memberships reconciled per run: each costs one OpenPhone request.
RECONCILE_BATCH = 200
# Pending members examined per query while looking for ones inside their window: one query serves
# a whole 125-text batch when most members are sendable, and memory stays small for 100,000.
SCAN_CHUNK = 500
# Retryable provider errors (429, 5xx) after which a membership is given up as failed.
MAX_SEND_ATTEMPTS = 5
# A dry run lists at most this many members by name (the counts cover everyone).
DRY_RUN_DETAIL_LIMIT = 500

SKIP_LABELS = {
    "opted_out": "opted out",
    "held": "on hold until a person decides on an unclear reply",
    "no_valid_phone": "no valid mobile number",
    "cooldown": f"texted by another campaign within the cool-down ({settings.CAMPAIGN_COOLDOWN_DAYS} days)",
    "outside_window": "outside their local send window now",
    "daily_limit": "over today's allowance (campaign limit or line cap)",
    "frequency_cap": "already texted as often as their state allows in 24 hours",
    "undeliverable": "number marked undeliverable after repeated failed texts",
}


@dataclass
class PlannedText:
    """A member the dispatcher would text (dry run) or skipped, with why."""

    membership_id: int
    contact: str
    phone: str
    """Masked, safe for logs."""
    reason: str = ""


@dataclass
class CampaignBatch:
    """What one run did for one campaign."""

    campaign_id: int
    campaign_name: str
    allowance: int = 0
    would_send: int = 0
    """Dry run: how many members this run would text."""
    sent: int = 0
    failed: int = 0
    retry_later: int = 0
    unresolved: int = 0
    skipped: Counter = field(default_factory=Counter)
    planned: list[PlannedText] = field(default_factory=list)
    passed_over: list[PlannedText] = field(default_factory=list)
    completed: bool = False
    note: str = ""


@dataclass
class DispatchReport:
    """The outcome of one dispatcher run: reconciliation, then one batch per running campaign."""

    at: datetime
    dry_run: bool = False
    reconciled: Counter = field(default_factory=Counter)
    batches: list[CampaignBatch] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(b.sent for b in self.batches)

    def as_dict(self) -> dict:
        """A JSON-able summary (the Celery task's result)."""
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "reconciled": dict(self.reconciled),
            "campaigns": [
                {
                    "id": b.campaign_id, "name": b.campaign_name, "allowance": b.allowance, "sent": b.sent,
                    "failed": b.failed, "retry_later": b.retry_later, "unresolved": b.unresolved,
                    "skipped": dict(b.skipped), "would_send": b.would_send, "completed": b.completed,
                    "note": b.note,
                }
                for b in self.batches
            ],
        }


def _skip_reason(row: dict, at: datetime, window) -> str:
    from contacts.send_window import is_within_window, recipient_locale

    if row["contact__opted_out"]:
        return "opted_out"
    if row["contact__texting_held"]:
        return "held"  # stays pending: texted once a person decides "Keep texting"
    if not is_textable_number(row["contact__phone"]):
        return "no_valid_phone"
    if row["in_cooldown"]:
        return "cooldown"
    locale = recipient_locale(
        phone=row["contact__phone"], property_state=row["property_state"] or "",
        mailing_state=row["contact__mailing_state"],
    )
    if not is_within_window(locale, at, window):
        return "outside_window"
    return ""


def _planned(row: dict, reason: str = "") -> PlannedText:
    name = f"{row['contact__first_name']} {row['contact__last_name']}".strip() or f"Contact {row['contact_id']}"
    return PlannedText(row["pk"], name, mask_phone(row["contact__phone"]), reason)


def campaign_dispatch(*, campaign_id: int | None = None, dry_run: bool = False, now: datetime | None = None) -> DispatchReport:
    """Run one dispatch: reconcile crashed sends, then send each running campaign's share of today's allowance.

    Safe to run concurrently with itself: members are claimed with SELECT ... FOR UPDATE SKIP
    LOCKED and marked `sending` (committed) before any text leaves; the caps are counted under
    a lock on the line's campaigns. `now` (default: the application clock) decides the day and
    who is inside their window; message_send re-checks the window at the moment of sending.
    With `dry_run`, nothing is claimed, sent or changed: the report lists who would be texted
    and why the others are passed over.
    """
    from . import selectors

    now = now or timezone.now()
    report = DispatchReport(at=now, dry_run=dry_run)
    if not dry_run:
        report.reconciled = memberships_reconcile_stale(now=now, campaign_id=campaign_id)
    today = selectors.business_day_bounds(now)[0].date()
    if not dry_run:
        due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, starts_on__lte=today)
        for campaign in due.filter(pk=campaign_id) if campaign_id else due:
            try:
                campaign_start(campaign=campaign)
            except InvalidTransition:  # changed under us: the next run sees its new status
                pass
    campaigns = Campaign.objects.filter(status=CampaignStatus.RUNNING).filter(
        Q(starts_on__isnull=True) | Q(starts_on__lte=today)
    ).order_by("pk")
    if campaign_id:
        campaigns = campaigns.filter(pk=campaign_id)
    for campaign in campaigns:
        report.batches.append(_dispatch_campaign(campaign=campaign, now=now, dry_run=dry_run))
    if campaign_id and not report.batches:
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        status = campaign.get_status_display().lower() if campaign else "not found"
        report.batches.append(
            CampaignBatch(campaign_id=campaign_id, campaign_name=str(campaign or ""), note=f"not sending: {status}")
        )
    logger.info(
        "Campaign dispatch%s: %d sent, reconciled %s", " (dry run)" if dry_run else "", report.sent,
        dict(report.reconciled) or "nothing",
    )
    return report


def _dispatch_campaign(*, campaign: Campaign, now: datetime, dry_run: bool) -> CampaignBatch:
    from . import selectors

    batch = CampaignBatch(campaign_id=campaign.pk, campaign_name=campaign.name)
    window = (campaign.send_window_start, campaign.send_window_end)
    cooldown_since = now - timedelta(days=settings.CAMPAIGN_COOLDOWN_DAYS)
    used_campaign, used_line = selectors.sends_counted_today(campaign=campaign, at=now)
    batch.allowance = remaining = max(
        0, min(campaign.daily_limit - used_campaign, settings.CAMPAIGN_LINE_DAILY_CAP - used_line)
    )
    if remaining == 0 and not dry_run:
        batch.note = "today's allowance is used up"
        return batch
    sent_contact_ids: list[int] = []
    after_id = 0
    while True:
        rows = selectors.membership_dispatch_candidates(
            campaign=campaign, after_id=after_id, cooldown_since=cooldown_since, limit=SCAN_CHUNK
        )
        if not rows:
            break
        after_id = rows[-1]["pk"]
        eligible: list[int] = []
        never: dict[str, list[int]] = {}
        for row in rows:
            reason = _skip_reason(row, now, window)
            if not reason and dry_run and batch.would_send >= remaining:
                reason = "daily_limit"
            if reason:
                batch.skipped[reason] += 1
                if dry_run and len(batch.passed_over) < DRY_RUN_DETAIL_LIMIT:
                    batch.passed_over.append(_planned(row, SKIP_LABELS[reason]))
                if reason in ("opted_out", "no_valid_phone"):
                    never.setdefault(reason, []).append(row["pk"])
            elif dry_run:
                batch.would_send += 1
                if len(batch.planned) < DRY_RUN_DETAIL_LIMIT:
                    batch.planned.append(_planned(row))
            else:
                eligible.append(row["pk"])
        if dry_run:
            continue
        for reason, ids in never.items():
            # They can never be texted: settle them now so the campaign can complete.
            audited_update(
                CampaignMembership.objects.filter(pk__in=ids, status=MembershipStatus.PENDING),
                reason="Campaign dispatcher: never textable", status=MembershipStatus.SKIPPED,
                last_error=f"Not texted: {SKIP_LABELS[reason]}.", updated_at=now,
            )
        if not eligible:
            continue
        claimed, remaining = memberships_claim(campaign=campaign, membership_ids=eligible, now=now)
        sent_ids: list[int] = []
        for index, membership in enumerate(claimed):
            if timezone.now() - membership.claimed_at > SEND_DEADLINE:
                # Stalled so long that reconciliation may soon take these over: hand them back unsent.
                batch.retry_later += memberships_release(memberships=claimed[index:])
                remaining = 0
                break
            outcome = _send_claimed(campaign=campaign, membership=membership, window=window)
            if outcome == "account_refused":
                # Every further text would be refused too: hand the rest back and stop.
                memberships_release(memberships=claimed[index + 1:])
                batch.note = "paused: OpenPhone refused the account or line"
                remaining = 0
                break
            if outcome == "sent":
                batch.sent += 1
                sent_ids.append(membership.pk)
                sent_contact_ids.append(membership.contact_id)
            elif outcome == "retry":
                batch.retry_later += 1
            elif outcome == "unresolved":
                batch.unresolved += 1
            elif outcome in ("failed",):
                batch.failed += 1
            else:
                batch.skipped[outcome] += 1
        memberships_mark_sent(membership_ids=sent_ids)
        if remaining <= 0:
            break
    if sent_contact_ids:
        audited_update(Contact.objects.filter(pk__in=sent_contact_ids, lead_status=LeadStatus.NEW),
                       reason=f"Texted by campaign {campaign.name}", lead_status=LeadStatus.CONTACTED, updated_at=now)
    if not dry_run and not batch.note.startswith("paused") and not CampaignMembership.objects.filter(
        campaign=campaign, status__in=[MembershipStatus.PENDING, MembershipStatus.SENDING]
    ).exists():
        try:
            campaign_complete(campaign=campaign)
            batch.completed = True
        except InvalidTransition:  # paused or cancelled meanwhile
            pass
    return batch


def memberships_claim(
    *, campaign: Campaign, membership_ids: list[int], now: datetime
) -> tuple[list[CampaignMembership], int]:
    """Claim up to today's remaining allowance of the given pending members; returns them and what is left.

    One transaction: lock the campaigns sharing the line (so two dispatchers count the caps one
    after the other), count what today has used, lock the members and their contacts with
    SKIP LOCKED (a member or homeowner another dispatcher holds is simply passed over), re-check
    the cool-down with a fresh snapshot, mark the rest `sending` and commit before any text leaves.
    """
    from . import selectors

    cooldown_since = now - timedelta(days=settings.CAMPAIGN_COOLDOWN_DAYS)
    with transaction.atomic():
        statuses = dict(
            Campaign.objects.select_for_update()
            .filter(phone_number_id=campaign.phone_number_id)
            .order_by("pk")
            .values_list("pk", "status")
        )
        if statuses.get(campaign.pk) != CampaignStatus.RUNNING:
            return [], 0
        used_campaign, used_line = selectors.sends_counted_today(campaign=campaign, at=now)
        allowance = min(campaign.daily_limit - used_campaign, settings.CAMPAIGN_LINE_DAILY_CAP - used_line)
        if allowance <= 0:
            return [], 0
        claimed = list(
            selectors.with_merge_data(
                CampaignMembership.objects.filter(
                    pk__in=membership_ids,
                    campaign_id=campaign.pk,
                    status=MembershipStatus.PENDING,
                    contact__opted_out=False,
                    contact__texting_held=False,
                    contact__phone__isnull=False,
                )
            )
            .exclude(selectors.in_cooldown_elsewhere(campaign_id=campaign.pk, since=cooldown_since))
            .select_for_update(skip_locked=True, of=("self", "contact"))
            .order_by("pk")[:allowance]
        )
        if not claimed:
            return [], allowance
        # Another campaign's dispatcher may have claimed one of these homeowners and committed
        # after our query's snapshot was taken; this query sees its commit.
        busy = set(
            CampaignMembership.objects.filter(contact_id__in=[m.contact_id for m in claimed])
            .exclude(campaign_id=campaign.pk)
            .filter(Q(status=MembershipStatus.SENDING) | Q(sent_at__gte=cooldown_since))
            .values_list("contact_id", flat=True)
        )
        claimed = [m for m in claimed if m.contact_id not in busy]
        # The real clock, not `now`: reconciliation and the send deadline measure from it.
        claimed_at = timezone.now()
        audited_update(CampaignMembership.objects.filter(pk__in=[m.pk for m in claimed]),
                       reason="Campaign dispatcher: claimed to send", status=MembershipStatus.SENDING,
                       claimed_at=claimed_at, updated_at=claimed_at)
    for membership in claimed:
        membership.status, membership.claimed_at = MembershipStatus.SENDING, claimed_at
    if claimed:
        # Conversations the texts will be recorded in, created in one statement rather than one per text.
        Conversation.objects.bulk_create(
            [Conversation(contact_id=m.contact_id, phone_number_id=campaign.phone_number_id) for m in claimed],
            ignore_conflicts=True,
        )
    return claimed, allowance - len(claimed)


def memberships_release(*, memberships: list[CampaignMembership]) -> int:
    """Put claimed, unsent memberships back to pending (a stalled dispatcher giving up its claim)."""
    return audited_update(
        CampaignMembership.objects.filter(pk__in=[m.pk for m in memberships], status=MembershipStatus.SENDING),
        reason="Campaign dispatcher: handed back unsent", status=MembershipStatus.PENDING, claimed_at=None,
        updated_at=timezone.now(),
    )


def _send_claimed(*, campaign: Campaign, membership: CampaignMembership, window) -> str:
    """Text one claimed member and settle the membership; returns the outcome for the report."""
    from contacts.send_window import recipient_locale
    from contacts.services import TextRefused, message_send
    from crm.sms import SmsSendError

    from . import selectors

    contact = membership.contact
    template = campaign.template_a
    if membership.variant == Variant.B and (campaign.template_b or "").strip():
        template = campaign.template_b
    body = render_template(template, selectors.membership_merge_values(membership))
    locale = recipient_locale(
        phone=contact.phone, property_state=membership.property_state or "", mailing_state=contact.mailing_state
    )
    mine = CampaignMembership.objects.filter(pk=membership.pk, status=MembershipStatus.SENDING)

    def link(activity: Activity) -> None:
        # Bookkeeping inside message_send's transaction; the membership's history row for this step is
        # the "sent" one memberships_mark_sent writes for the whole batch, which carries the text.
        CampaignMembership.objects.filter(pk=membership.pk).update(activity=activity)

    def settle(status: str, error: str = "", attempted: bool = True, **extra) -> None:
        if attempted:
            extra["attempts"] = F("attempts") + 1
        audited_update(mine, reason=f"Campaign dispatcher: {status}", status=status, last_error=error[:1000],
                       updated_at=timezone.now(), **extra)

    try:
        message_send(
            contact=contact, body=body, from_line=campaign.phone_number_id, on_recorded=link,
            campaign_window=window, locale=locale,
        )
    except TextRefused as exc:
        message = "; ".join(exc.messages)
        if exc.code in ("outside_window", "held"):
            # Not now: back to pending, texted on a later run (held: once a person lifts the hold).
            settle(MembershipStatus.PENDING, message, attempted=False, claimed_at=None)
            return exc.code
        if exc.code == "frequency_cap":
            settle(MembershipStatus.PENDING, message, attempted=False, claimed_at=None)
            return "frequency_cap"
        if exc.code in ("opted_out", "no_phone", "undeliverable"):
            settle(MembershipStatus.SKIPPED, f"Not texted: {message}")
            return {"opted_out": "opted_out", "no_phone": "no_valid_phone"}.get(exc.code, exc.code)
        settle(MembershipStatus.FAILED, message)
        return "failed"
    except SmsSendError as exc:
        refusal = account_refusal(status=exc.status, code=exc.code, message=str(exc))
        if refusal:
            # Not this homeowner's fault: they stay pending for when the account is fixed.
            settle(MembershipStatus.PENDING, refusal, attempted=False, claimed_at=None)
            campaign_pause_by_guardrail(campaign_id=campaign.pk, reason=PauseReason.ACCOUNT_REFUSED, detail=refusal)
            return "account_refused"
        if exc.retryable and exc.status is None:
            # No answer from OpenPhone (timeout, dropped connection): the text may have left.
            # Leave it `sending`; reconciliation checks OpenPhone before any retry.
            logger.warning("Campaign text to %s: no answer from the provider; will reconcile", mask_phone(contact.phone))
            audited_update(mine, reason="Campaign dispatcher: no answer from OpenPhone", last_error=str(exc)[:1000],
                           attempts=F("attempts") + 1, updated_at=timezone.now())
            return "unresolved"
        if exc.retryable and membership.attempts + 1 < MAX_SEND_ATTEMPTS:
            settle(MembershipStatus.PENDING, str(exc), claimed_at=None)
            return "retry"
        settle(MembershipStatus.FAILED, str(exc))
        return "failed"
    except Exception:
        # We cannot tell whether the text left (e.g. the database failed after the provider took it):
        # leave it `sending` for reconciliation instead of risking a second text.
        logger.exception("Campaign text to %s failed unexpectedly; will reconcile", mask_phone(contact.phone))
        return "unresolved"
    # The Activity (recorded and linked to this membership in message_send's transaction) is the
    # durable proof of the send; the membership is marked sent with the rest of the batch in one
    # statement (memberships_mark_sent), and reconciliation finds the Activity after a crash.
    return "sent"


def memberships_mark_sent(*, membership_ids: list[int]) -> int:
    """Mark `sending` memberships whose text was recorded as sent, in one statement for a whole batch.

    Each takes its send time from the outgoing text linked to it when it was recorded. One a delivery
    webhook already moved on (delivered/failed) is left alone: it is never moved backwards.
    """
    if not membership_ids:
        return 0
    text = Activity.objects.filter(pk=OuterRef("activity_id"))
    return audited_update(
        CampaignMembership.objects.filter(pk__in=membership_ids, status=MembershipStatus.SENDING),
        reason="Campaign dispatcher: sent",
        status=MembershipStatus.SENT,
        sent_at=Subquery(text.values("occurred_at")[:1]),
        attempts=F("attempts") + 1,
        last_error="",
        updated_at=timezone.now(),
    )


def memberships_reconcile_stale(
    *, now: datetime | None = None, campaign_id: int | None = None, older_than: timedelta | None = None
) -> Counter:
    """Settle memberships left `sending` by a crashed dispatcher, by asking OpenPhone, before anything is re-sent.

    A text recorded locally, or found at OpenPhone on that line to that number since the claim,
    makes the membership `sent` (recording the Activity if it was lost); none found puts it
    back to `pending` for the next batch. If OpenPhone cannot be asked, it stays `sending`.
    Returns counts: sent, pending, unresolved.
    """
    from crm.sms import get_backend

    now = now or timezone.now()
    cutoff = now - (older_than if older_than is not None else timedelta(minutes=STALE_SENDING_MINUTES))
    stale = CampaignMembership.objects.filter(status=MembershipStatus.SENDING, claimed_at__lt=cutoff)
    if campaign_id:
        stale = stale.filter(campaign_id=campaign_id)
    stale = list(stale.select_related("contact", "campaign").order_by("claimed_at")[:RECONCILE_BATCH])
    counts: Counter = Counter()
    backend = get_backend() if stale else None
    for membership in stale:
        recorded = Activity.objects.filter(
            pk=membership.activity_id, kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING,
            occurred_at__gte=membership.claimed_at - RECONCILE_CLOCK_MARGIN,
        ).first() if membership.activity_id else None
        found = None
        if recorded is None:
            if not membership.contact.phone:
                counts["unresolved"] += 1
                continue
            try:
                matches = backend.find_sent(
                    to=membership.contact.phone, from_line=membership.campaign.phone_number_id,
                    since=membership.claimed_at - RECONCILE_CLOCK_MARGIN,
                )
            except Exception:
                logger.warning(
                    "Cannot reconcile campaign text to %s with the provider now; it stays sending",
                    mask_phone(membership.contact.phone), exc_info=True,
                )
                counts["unresolved"] += 1
                continue
            # The earliest text since the claim is the one the crashed dispatcher sent.
            found = matches[-1] if matches else None
        counts[_settle_reconciled(membership=membership, recorded=recorded, found=found, now=now)] += 1
    if counts:
        logger.info("Reconciled stale campaign sends: %s", dict(counts))
    return counts


def _settle_reconciled(*, membership: CampaignMembership, recorded: Activity | None, found, now: datetime) -> str:
    with transaction.atomic():
        # Only if nobody settled it meanwhile (same claim still in place).
        locked = (
            CampaignMembership.objects.select_for_update(skip_locked=True)
            .filter(pk=membership.pk, status=MembershipStatus.SENDING, claimed_at=membership.claimed_at)
            .first()
        )
        if locked is None:
            return "already_settled"
        if recorded is None and found is None:
            locked.status = MembershipStatus.PENDING
            locked.claimed_at = None
            locked.last_error = "An interrupted send was not found at OpenPhone; it will be sent in a later batch."
            locked.save(update_fields=["status", "claimed_at", "last_error", "updated_at"])
            return "pending"
        if recorded is None:
            line = membership.campaign.phone_number_id
            conversation, _ = Conversation.objects.get_or_create(contact_id=locked.contact_id, phone_number_id=line)
            recorded, _ = Activity.objects.get_or_create(
                openphone_id=found.provider_id,
                defaults={
                    "contact_id": locked.contact_id, "conversation": conversation, "kind": ActivityKind.MESSAGE,
                    "direction": Direction.OUTGOING, "body": found.body, "status": found.status,
                    "occurred_at": found.created_at,
                },
            )
        failed = (recorded.status or "").lower() in FAILED_DELIVERY_STATUSES
        locked.status = MembershipStatus.FAILED if failed else MembershipStatus.SENT
        locked.sent_at = recorded.occurred_at
        locked.activity = recorded
        locked.last_error = "Recovered after an interrupted send: the text had been sent."
        locked.save(update_fields=["status", "sent_at", "activity", "last_error", "updated_at"])
        return "sent"


# --- Creating and editing (the API's and any form's path) ------------------------------------

# Statuses in which a campaign's settings may still change; a finished one is a record.
EDITABLE_STATUSES = {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED}
# Changed only by the lifecycle functions above, or by Django.
_CAMPAIGN_WRITE_REFUSED = frozenset(
    {"id", "pk", "status", "paused_reason", "paused_detail", "paused_at", "created_at", "updated_at"}
)


def _campaign_check_fields(fields: dict) -> None:
    refused = _CAMPAIGN_WRITE_REFUSED & fields.keys()
    if refused:
        raise TypeError(f"campaigns are not written with {', '.join(sorted(refused))}; use the lifecycle functions")
    unknown = fields.keys() - {f.name for f in Campaign._meta.concrete_fields}
    if unknown:
        raise TypeError(f"unknown campaign fields: {', '.join(sorted(unknown))}")


def _campaign_validate(campaign: Campaign) -> None:
    """Field checks plus the rules a database constraint would only report by its name."""
    errors: dict[str, list[ValidationError]] = {}
    if campaign.send_window_start and campaign.send_window_end and (
        campaign.send_window_start >= campaign.send_window_end
    ):
        errors["send_window_end"] = [
            ValidationError("The send window must end after it starts.", code="send_window_order")
        ]
    if not (campaign.phone_number_id or "").strip():
        errors["phone_number_id"] = [
            ValidationError("Name the OpenPhone line (PN...) to send from.", code="required")
        ]
    try:
        campaign.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, field_errors in exc.error_dict.items():
            errors.setdefault(name, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)
    clash = Campaign.objects.filter(name=campaign.name).exclude(pk=campaign.pk).first()
    if clash is not None:
        raise ValidationError(
            {"name": ValidationError(f"Campaign {clash.pk} already has this name.", code="name_duplicate")}
        )


def campaign_create(*, created_by=None, **fields) -> Campaign:
    """A new draft campaign; the sending line defaults to OPENPHONE_PHONE_NUMBER_ID."""
    _campaign_check_fields(fields)
    with transaction.atomic():
        campaign = Campaign(created_by=created_by, **fields)
        _campaign_validate(campaign)
        campaign.save()
    return campaign


def campaign_update(*, campaign: Campaign, **fields) -> Campaign:
    """Change a campaign's settings; its status changes only through start/pause/resume/cancel."""
    _campaign_check_fields(fields)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise ValidationError(
                f"Campaign “{locked.name}” is {locked.get_status_display().lower()}; it can no longer be changed.",
                code="campaign_closed",
            )
        for name, value in fields.items():
            setattr(locked, name, value)
        _campaign_validate(locked)
        locked.save()
    for model_field in locked._meta.concrete_fields:
        setattr(campaign, model_field.attname, getattr(locked, model_field.attname))
    return campaign


def campaign_delete(*, campaign: Campaign) -> None:
    """Delete a draft; a campaign that has ever been started stays as a record (cancel it instead)."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.DRAFT:
            raise ValidationError(
                f"Campaign “{locked.name}” is {locked.get_status_display().lower()}; only drafts can be deleted "
                "(cancel it instead).",
                code="campaign_not_draft",
            )
        locked.delete()
