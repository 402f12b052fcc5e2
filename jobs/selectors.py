"""Reads for follow-ups, visits, quotes and jobs: "My day", calendar feeds, attribution, campaign money."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from campaigns.models import CampaignMembership
from contacts.models import Activity, ActivityKind, Direction

from .models import Appointment, AppointmentKind, AppointmentState, FollowUpTask, Job, Quote, QuoteState

# A campaign text older than this before the homeowner's first reply earns no credit for a visit or quote.
ATTRIBUTION_WINDOW = datetime.timedelta(days=90)
# Visits a calendar feed lists: from this long ago onward (calendars keep what they already have).
CALENDAR_PAST = datetime.timedelta(days=90)


def task_list() -> QuerySet[FollowUpTask]:
    return FollowUpTask.objects.select_related("contact", "assignee", "done_by", "property", "quote", "appointment")


def appointment_list() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("contact", "property", "assignee")


def quote_list() -> QuerySet[Quote]:
    return Quote.objects.select_related("contact", "property", "campaign")


def job_list() -> QuerySet[Job]:
    return Job.objects.select_related("quote", "quote__contact", "quote__property")


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, timezone.get_current_timezone())


@dataclass
class MyDay:
    today: datetime.date
    tasks: list[FollowUpTask]
    visits: list[Appointment]
    money_waiting: list[Quote]


def my_day(*, now: datetime.datetime | None = None, limit: int = 200) -> MyDay:
    """Today's and overdue open tasks, today's and tomorrow's visits, accepted quotes with no job date.

    Three queries whatever the number of rows (each list is capped at `limit`).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow_end = _day_start(today + datetime.timedelta(days=2))
    tasks = list(
        task_list().filter(done_at__isnull=True, due_at__lt=_day_start(today + datetime.timedelta(days=1)))
        .order_by("due_at", "id")[:limit]
    )
    visits = list(
        appointment_list().filter(
            starts_at__gte=_day_start(today), starts_at__lt=tomorrow_end, state=AppointmentState.SCHEDULED
        ).order_by("starts_at", "id")[:limit]
    )
    waiting = list(
        quote_list().filter(state=QuoteState.ACCEPTED)
        .filter(Q(job__isnull=True) | Q(job__scheduled_on__isnull=True))
        .order_by("decided_on", "id")[:limit]
    )
    return MyDay(today=today, tasks=tasks, visits=visits, money_waiting=waiting)


def calendar_visits(*, user, now: datetime.datetime | None = None) -> QuerySet[Appointment]:
    """The visits a user's calendar feed lists: theirs, from 90 days ago on, cancelled ones included."""
    now = now or timezone.now()
    return appointment_list().filter(assignee=user, starts_at__gte=now - CALENDAR_PAST).order_by("starts_at", "id")


def campaign_attribution(*, contact_id: int) -> tuple[int | None, str]:
    """(campaign id, variant) of the campaign text that last reached the homeowner before they first replied.

    The first reply is the homeowner's first text after our first campaign text to them (or a
    membership's recorded reply time, whichever is earlier). Only a campaign text sent within 90
    days before that reply counts. (None, "") when no campaign earns the credit. Quotes and visits
    store the answer when they are made, so a later campaign never takes their credit.
    """
    memberships = CampaignMembership.objects.filter(contact_id=contact_id, sent_at__isnull=False)
    first = memberships.aggregate(first_sent=Min("sent_at"), first_replied=Min("replied_at"))
    if first["first_sent"] is None:
        return None, ""
    first_text_back = (
        Activity.objects.filter(
            contact_id=contact_id, kind=ActivityKind.MESSAGE, direction=Direction.INCOMING,
            occurred_at__gt=first["first_sent"],
        ).aggregate(at=Min("occurred_at"))["at"]
    )
    replies = [at for at in (first_text_back, first["first_replied"]) if at is not None]
    if not replies:
        return None, ""
    replied_at = min(replies)
    last = (
        memberships.filter(sent_at__lte=replied_at, sent_at__gte=replied_at - ATTRIBUTION_WINDOW)
        .order_by("-sent_at", "-id").values("campaign_id", "variant").first()
    )
    if last is None:
        return None, ""
    return last["campaign_id"], last["variant"]


@dataclass
class CampaignMoney:
    """What one campaign (or one of its variants) led to after the replies."""

    estimates: int = 0
    quotes_sent: int = 0
    quotes_accepted: int = 0
    revenue_won: Decimal = Decimal("0")

    @property
    def revenue_won_cents(self) -> int:
        return int(self.revenue_won * 100)


def campaign_money(*, campaign_ids=None, period: tuple[datetime.datetime, datetime.datetime] | None = None,
                   ) -> dict[tuple[int, str], CampaignMoney]:
    """Estimates, quotes sent, accepted and revenue won per (campaign id, variant), in two queries.

    Quotes and estimate visits (not cancelled) count by the campaign and variant kept on them (see
    campaign_attribution). Revenue won is the invoiced amount of the job where there is one, else the
    accepted quote's amount. With a period (start, end), quotes count when created in it and visits
    when they start in it.
    """
    quotes = Quote.objects.filter(campaign__isnull=False)
    visits = Appointment.objects.filter(kind=AppointmentKind.ESTIMATE, campaign__isnull=False).exclude(
        state=AppointmentState.CANCELLED
    )
    if campaign_ids is not None:
        quotes = quotes.filter(campaign_id__in=campaign_ids)
        visits = visits.filter(campaign_id__in=campaign_ids)
    if period is not None:
        quotes = quotes.filter(created_at__gte=period[0], created_at__lt=period[1])
        visits = visits.filter(starts_at__gte=period[0], starts_at__lt=period[1])
    rows = quotes.values("campaign_id", "variant").annotate(
        sent=Count("id", filter=~Q(state=QuoteState.DRAFT)),
        accepted=Count("id", filter=Q(state=QuoteState.ACCEPTED)),
        quoted_won=Sum("amount", filter=Q(state=QuoteState.ACCEPTED, job__amount_invoiced__isnull=True)),
        invoiced_won=Sum("job__amount_invoiced", filter=Q(state=QuoteState.ACCEPTED)),
    )
    money: dict[tuple[int, str], CampaignMoney] = {}
    for row in rows:
        entry = money.setdefault((row["campaign_id"], row["variant"]), CampaignMoney())
        entry.quotes_sent += row["sent"]
        entry.quotes_accepted += row["accepted"]
        entry.revenue_won += (row["quoted_won"] or Decimal("0")) + (row["invoiced_won"] or Decimal("0"))

    for row in visits.order_by().values("campaign_id", "variant").annotate(n=Count("id")):
        money.setdefault((row["campaign_id"], row["variant"]), CampaignMoney()).estimates += row["n"]
    return money


def campaign_money_totals(money: dict[tuple[int, str], CampaignMoney]) -> dict[int, CampaignMoney]:
    """The per-variant figures of campaign_money added up per campaign."""
    totals: dict[int, CampaignMoney] = {}
    for (campaign_id, _variant), entry in money.items():
        total = totals.setdefault(campaign_id, CampaignMoney())
        total.estimates += entry.estimates
        total.quotes_sent += entry.quotes_sent
        total.quotes_accepted += entry.quotes_accepted
        total.revenue_won += entry.revenue_won
    return totals
