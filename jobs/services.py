"""Writes for follow-ups, visits, quotes and jobs, and the two periodic jobs: follow-up rules and reminders.

Each function is one transaction (the reminder run: one per visit, around the send); keyword-only arguments.
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from campaigns.models import CampaignMembership
from campaigns.reply_classifier import ReplyCategory
from contacts.models import Activity, ActivityKind, Contact, Conversation, Direction, LeadStatus
from contacts.send_window import recipient_locale
from contacts.services import TextRefused, contact_lead_status_advance, message_send
from crm.sms import SmsSendError

from . import reminders
from .business_hours import add_business_hours
from .models import (
    QUOTE_DECIDED_STATES,
    Appointment,
    AppointmentKind,
    AppointmentState,
    CalendarFeed,
    FollowUpTask,
    Job,
    Quote,
    QuoteState,
    ReminderTemplate,
    TaskOrigin,
)
from .selectors import campaign_attribution

logger = logging.getLogger(__name__)

# Rule thresholds, as the issue states them.
REPLY_ANSWER_BUSINESS_HOURS = 2
ESTIMATE_QUOTE_DAYS = 2
QUOTE_FOLLOW_UP_DAYS = (3, 7, 14)


def _validated(instance, *, exclude=None):
    instance.full_clean(exclude=exclude)
    return instance


def _apply(instance, fields: dict, allowed: set[str]) -> list[str]:
    unknown = fields.keys() - allowed
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))}")
    changed = [name for name, value in fields.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, fields[name])
    return changed


# --- Follow-up tasks ------------------------------------------------------------------------

def task_create(
    *, contact: Contact, title: str, due_at: datetime.datetime, conversation: Conversation | None = None,
    property=None, assignee=None, notes: str = "",
) -> FollowUpTask:
    """A follow-up added by hand."""
    with transaction.atomic():
        task = _validated(FollowUpTask(
            contact=contact, title=title, due_at=due_at, conversation=conversation, property=property,
            assignee=assignee, notes=notes, origin=TaskOrigin.MANUAL,
        ))
        task.save()
    return task


TASK_EDITABLE = {"title", "due_at", "contact", "conversation", "property", "assignee", "notes"}


def task_update(*, task: FollowUpTask, **fields) -> FollowUpTask:
    with transaction.atomic():
        changed = _apply(task, fields, TASK_EDITABLE)
        if changed:
            _validated(task)
            task.save(update_fields=[*changed, "updated_at"])
    return task


def task_complete(*, task: FollowUpTask, by_user, at: datetime.datetime | None = None) -> bool:
    """Mark a task done by a person; False if it was already done."""
    with transaction.atomic():
        done = FollowUpTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
            done_at=at or timezone.now(), done_by=by_user, closed_reason="Done", updated_at=timezone.now()
        )
    task.refresh_from_db()
    return bool(done)


def task_reopen(*, task: FollowUpTask) -> bool:
    """Open a closed task again (marked done by mistake); False if it was open.

    A rule task whose reason is still gone is closed again by the next rule run.
    """
    with transaction.atomic():
        reopened = FollowUpTask.objects.filter(pk=task.pk, done_at__isnull=False).update(
            done_at=None, done_by=None, closed_reason="", updated_at=timezone.now()
        )
    task.refresh_from_db()
    return bool(reopened)


def _tasks_close(queryset, reason: str, now: datetime.datetime) -> int:
    return queryset.filter(done_at__isnull=True).update(done_at=now, closed_reason=reason, updated_at=now)


# --- Visits ---------------------------------------------------------------------------------

APPOINTMENT_EDITABLE = {"contact", "property", "starts_at", "ends_at", "assignee", "kind", "state", "notes",
                        "send_reminder"}


def appointment_create(
    *, contact: Contact, starts_at: datetime.datetime, ends_at: datetime.datetime, property=None, assignee=None,
    kind: str = AppointmentKind.ESTIMATE, notes: str = "", send_reminder: bool = True, created_by=None,
) -> Appointment:
    """Schedule a visit, attributed now (and for good) to the campaign and variant that earned it, as a quote is.

    The homeowner's lead status moves forward to "Appointment set".
    """
    with transaction.atomic():
        campaign_id, variant = campaign_attribution(contact_id=contact.pk)
        appointment = _validated(Appointment(
            contact=contact, property=property, starts_at=starts_at, ends_at=ends_at, assignee=assignee, kind=kind,
            notes=notes, send_reminder=send_reminder, created_by=created_by, campaign_id=campaign_id, variant=variant,
        ))
        appointment.save()
        contact_lead_status_advance(contact=contact, to=LeadStatus.APPOINTMENT, by_user=created_by,
                                    reason="Visit scheduled")
    return appointment


def appointment_update(*, appointment: Appointment, **fields) -> Appointment:
    """Change a visit. Every change raises its calendar sequence; a new time clears the sent reminder,
    so the homeowner is reminded of the new time only (the old one is never sent after the move).
    Another homeowner brings their own campaign credit."""
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        for name in ("reminder_sent_at", "reminder_result", "sequence"):
            setattr(appointment, name, getattr(locked, name))
        changed = _apply(appointment, fields, APPOINTMENT_EDITABLE)
        if not changed:
            return appointment
        _validated(appointment)
        if {"starts_at", "ends_at"} & set(changed) or "contact" in changed:
            appointment.reminder_sent_at = None
            appointment.reminder_result = ""
            changed += ["reminder_sent_at", "reminder_result"]
        if "contact" in changed:
            appointment.campaign_id, appointment.variant = campaign_attribution(contact_id=appointment.contact_id)
            changed += ["campaign", "variant"]
        appointment.sequence += 1
        appointment.save(update_fields=[*changed, "sequence", "updated_at"])
        if appointment.state == AppointmentState.SCHEDULED and "contact" in changed:
            contact_lead_status_advance(contact=appointment.contact, to=LeadStatus.APPOINTMENT,
                                        reason="Visit moved to this homeowner")
    return appointment


# --- Quotes and jobs ------------------------------------------------------------------------

QUOTE_EDITABLE = {"contact", "property", "amount", "line_items", "sent_on", "state"}


def quote_create(
    *, contact: Contact, amount, property=None, line_items=None, sent_on: datetime.date | None = None,
    state: str = QuoteState.DRAFT, created_by=None,
) -> Quote:
    """A quote, attributed now (and for good) to the campaign and variant that earned it."""
    with transaction.atomic():
        campaign_id, variant = campaign_attribution(contact_id=contact.pk)
        quote = _validated(Quote(
            contact=contact, property=property, amount=amount, line_items=line_items or [], sent_on=sent_on,
            state=state, campaign_id=campaign_id, variant=variant, created_by=created_by,
            decided_on=timezone.localdate() if state in QUOTE_DECIDED_STATES else None,
        ))
        quote.save()
    return quote


def quote_update(*, quote: Quote, **fields) -> Quote:
    """Change a quote. A decision (accepted, declined, expired) closes the tasks chasing it; another
    homeowner brings their own campaign credit."""
    with transaction.atomic():
        changed = _apply(quote, fields, QUOTE_EDITABLE)
        if not changed:
            return quote
        _validated(quote)
        if "contact" in changed:
            quote.campaign_id, quote.variant = campaign_attribution(contact_id=quote.contact_id)
            changed += ["campaign", "variant"]
        if "state" in changed:
            quote.decided_on = timezone.localdate() if quote.state in QUOTE_DECIDED_STATES else None
            changed.append("decided_on")
        quote.save(update_fields=[*changed, "updated_at"])
        if quote.state in QUOTE_DECIDED_STATES:
            _tasks_close(
                FollowUpTask.objects.filter(quote=quote, origin=TaskOrigin.QUOTE_UNDECIDED),
                f"Quote {quote.get_state_display().lower()}", timezone.now(),
            )
    return quote


JOB_EDITABLE = {"scheduled_on", "done_on", "amount_invoiced", "paid_on", "notes"}


def job_create(*, quote: Quote, scheduled_on=None, done_on=None, amount_invoiced=None, paid_on=None,
               notes: str = "") -> Job:
    """The job an accepted quote becomes (refused for any other quote); the homeowner becomes a customer."""
    with transaction.atomic():
        quote = Quote.objects.select_for_update().get(pk=quote.pk)
        job = _validated(Job(
            quote=quote, scheduled_on=scheduled_on, done_on=done_on, amount_invoiced=amount_invoiced,
            paid_on=paid_on, notes=notes,
        ))
        job.save()
        contact_lead_status_advance(contact=quote.contact, to=LeadStatus.CUSTOMER, reason="Job created")
    return job


def job_update(*, job: Job, **fields) -> Job:
    with transaction.atomic():
        changed = _apply(job, fields, JOB_EDITABLE)
        if changed:
            _validated(job)
            job.save(update_fields=[*changed, "updated_at"])
    return job


# --- Rules that create follow-up tasks -------------------------------------------------------

@dataclass
class RulesResult:
    created: dict[str, int] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)


def _create_tasks(tasks: list[FollowUpTask]) -> int:
    """Insert rule tasks; a key already taken (created earlier, even if closed since) is skipped."""
    if not tasks:
        return 0
    keys = [t.rule_key for t in tasks]
    existing = set(FollowUpTask.objects.filter(rule_key__in=keys).values_list("rule_key", flat=True))
    fresh = [t for t in tasks if t.rule_key not in existing]
    FollowUpTask.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def _rule_unanswered_reply(now: datetime.datetime, result: RulesResult) -> None:
    origin = TaskOrigin.UNANSWERED_REPLY
    result.closed[origin] = _tasks_close(
        FollowUpTask.objects.filter(origin=origin, conversation__waiting_for_reply=False), "Reply answered", now
    )
    if not settings.JOBS_RULE_UNANSWERED_REPLY:
        return
    last_in = Activity.objects.filter(
        conversation_id=OuterRef("pk"), kind=ActivityKind.MESSAGE, direction=Direction.INCOMING
    ).order_by("-occurred_at", "-id")
    interested = Q(reply_intent=ReplyCategory.INTERESTED) | Q(contact__lead_status=LeadStatus.INTERESTED) | Exists(
        CampaignMembership.objects.filter(contact_id=OuterRef("contact_id"), reply_category=ReplyCategory.INTERESTED)
    )
    waiting = (
        Conversation.objects.filter(waiting_for_reply=True).filter(interested)
        .annotate(last_in_id=Subquery(last_in.values("pk")[:1]), last_in_at=Subquery(last_in.values("occurred_at")[:1]))
        .filter(last_in_at__isnull=False, last_in_at__gte=now - datetime.timedelta(days=30))
        .select_related("contact")
    )
    tasks = []
    for conversation in waiting:
        deadline = add_business_hours(conversation.last_in_at, REPLY_ANSWER_BUSINESS_HOURS)
        if deadline > now:
            continue
        tasks.append(FollowUpTask(
            title=f"Answer {conversation.contact}: interested reply waiting", due_at=deadline,
            contact=conversation.contact, conversation=conversation, origin=TaskOrigin.UNANSWERED_REPLY,
            rule_key=f"reply:{conversation.pk}:{conversation.last_in_id}",
        ))
    result.created[origin] = _create_tasks(tasks)


def _rule_estimate_without_quote(now: datetime.datetime, result: RulesResult) -> None:
    origin = TaskOrigin.ESTIMATE_WITHOUT_QUOTE
    quoted_since_visit = Quote.objects.filter(contact_id=OuterRef("contact_id"), created_at__gte=OuterRef("starts_at"))
    result.closed[origin] = _tasks_close(
        FollowUpTask.objects.filter(origin=origin).filter(
            Exists(Quote.objects.filter(
                contact_id=OuterRef("appointment__contact_id"), created_at__gte=OuterRef("appointment__starts_at")
            ))
        ),
        "Quote made", now,
    )
    if not settings.JOBS_RULE_ESTIMATE_WITHOUT_QUOTE:
        return
    visits = (
        Appointment.objects.filter(
            kind=AppointmentKind.ESTIMATE, state=AppointmentState.DONE,
            ends_at__lte=now - datetime.timedelta(days=ESTIMATE_QUOTE_DAYS),
            ends_at__gte=now - datetime.timedelta(days=60),
        )
        .exclude(Exists(quoted_since_visit))
        .select_related("contact")
    )
    tasks = [
        FollowUpTask(
            title=f"Send {visit.contact} a quote: estimate done {timezone.localdate(visit.starts_at):%b %-d}",
            due_at=visit.ends_at + datetime.timedelta(days=ESTIMATE_QUOTE_DAYS), contact=visit.contact,
            property_id=visit.property_id, appointment=visit, assignee_id=visit.assignee_id, origin=origin,
            rule_key=f"estimate:{visit.pk}",
        )
        for visit in visits
    ]
    result.created[origin] = _create_tasks(tasks)


def _rule_quote_undecided(now: datetime.datetime, result: RulesResult) -> None:
    origin = TaskOrigin.QUOTE_UNDECIDED
    result.closed[origin] = _tasks_close(
        FollowUpTask.objects.filter(origin=origin).exclude(quote__state=QuoteState.SENT), "Quote decided", now
    )
    if not settings.JOBS_RULE_QUOTE_UNDECIDED:
        return
    today = timezone.localdate(now)
    quotes = Quote.objects.filter(
        state=QuoteState.SENT, sent_on__lte=today - datetime.timedelta(days=min(QUOTE_FOLLOW_UP_DAYS)),
        sent_on__gte=today - datetime.timedelta(days=max(QUOTE_FOLLOW_UP_DAYS) + 30),
    ).select_related("contact")
    tasks, superseded = [], []
    for quote in quotes:
        age = (today - quote.sent_on).days
        reached = max(d for d in QUOTE_FOLLOW_UP_DAYS if d <= age)
        tasks.append(FollowUpTask(
            title=f"Ask {quote.contact} about the ${quote.amount:,.0f} quote (sent {reached} days ago)",
            due_at=now, contact=quote.contact, property_id=quote.property_id, quote=quote, origin=origin,
            assignee_id=quote.created_by_id, rule_key=f"quote:{quote.pk}:day{reached}",
        ))
        superseded += [f"quote:{quote.pk}:day{d}" for d in QUOTE_FOLLOW_UP_DAYS if d < reached]
    result.created[origin] = _create_tasks(tasks)
    # A later follow-up replaces an earlier one still open.
    _tasks_close(FollowUpTask.objects.filter(rule_key__in=superseded), "Replaced by a later follow-up", now)


def follow_up_rules_run(*, now: datetime.datetime | None = None) -> RulesResult:
    """Close the rule tasks whose reason went away, then create the ones now due (each rule once per reason)."""
    now = now or timezone.now()
    result = RulesResult()
    with transaction.atomic():
        _rule_unanswered_reply(now, result)
        _rule_estimate_without_quote(now, result)
        _rule_quote_undecided(now, result)
    return result


# --- Reminder texts -------------------------------------------------------------------------

@dataclass
class RemindersResult:
    sent: int = 0
    refused: int = 0
    postponed: int = 0


def _reminder_body(kind: str) -> str:
    saved = ReminderTemplate.objects.filter(kind=kind).values_list("body", flat=True).first()
    if saved:
        return saved
    return reminders.DEFAULT_JOB_REMINDER if kind == AppointmentKind.JOB else reminders.DEFAULT_REMINDER


def appointment_reminders_send(*, now: datetime.datetime | None = None) -> RemindersResult:
    """Text each homeowner whose visit is tomorrow, from 6 PM their time, once.

    A visit is claimed by a conditional UPDATE (still scheduled, still at the time we read, no
    reminder yet) before its text goes out, so two runs never both send it; a moved visit is
    claimed only at its new time. A refusal for good (opted out, no number) keeps the claim and
    records why; a passing one (outside calling hours, provider error) releases it for the next run.
    """
    now = now or timezone.now()
    result = RemindersResult()
    candidates = (
        Appointment.objects.filter(
            state=AppointmentState.SCHEDULED, send_reminder=True, reminder_sent_at__isnull=True,
            starts_at__gt=now, starts_at__lte=now + datetime.timedelta(days=2),
        )
        .select_related("contact", "property")
        .order_by("starts_at")
    )
    for visit in candidates:
        locale = recipient_locale(
            phone=visit.contact.phone, property_state=visit.property.state if visit.property else "",
            mailing_state=visit.contact.mailing_state,
        )
        zone = reminders.homeowner_zone(locale)
        if now < reminders.reminder_due_at(visit.starts_at, zone):
            continue
        claimed = Appointment.objects.filter(
            pk=visit.pk, state=AppointmentState.SCHEDULED, send_reminder=True, reminder_sent_at__isnull=True,
            starts_at=visit.starts_at, ends_at=visit.ends_at,
        ).update(reminder_sent_at=now, reminder_result="Sending")
        if not claimed:
            continue
        body = reminders.reminder_render(
            body=_reminder_body(visit.kind), first_name=visit.contact.first_name,
            address=visit.property.address if visit.property else visit.contact.mailing_address,
            starts_at=visit.starts_at, ends_at=visit.ends_at, zone=zone,
        )
        try:
            message_send(contact=visit.contact, body=body, locale=locale)
        except TextRefused as exc:
            permanent = exc.code in ("opted_out", "no_phone", "empty_body", "too_long")
            Appointment.objects.filter(pk=visit.pk, reminder_sent_at=now).update(
                reminder_sent_at=now if permanent else None, reminder_result=f"Not sent: {' '.join(exc.messages)}"[:200]
            )
            if permanent:
                result.refused += 1
            else:
                result.postponed += 1
            continue
        except SmsSendError as exc:
            Appointment.objects.filter(pk=visit.pk, reminder_sent_at=now).update(
                reminder_sent_at=None, reminder_result=f"Will retry: {exc}"[:200]
            )
            result.postponed += 1
            logger.warning("Reminder for visit %s failed at the provider; will retry", visit.pk)
            continue
        Appointment.objects.filter(pk=visit.pk, reminder_sent_at=now).update(reminder_result="Sent")
        result.sent += 1
    return result


# --- Calendar feeds -------------------------------------------------------------------------

def calendar_feed_get_or_create(*, user) -> CalendarFeed:
    with transaction.atomic():
        feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_revoke(*, user) -> CalendarFeed:
    """Give the user a new secret address; the old one stops working at once."""
    from .models import _new_token

    with transaction.atomic():
        feed, created = CalendarFeed.objects.get_or_create(user=user)
        if not created:
            feed.token = _new_token()
            feed.save(update_fields=["token"])
    return feed

