"""Figures for the manager dashboard and the monthly report, each from a bounded number of aggregate queries.

"Today" and every period are calendar days in the business zone (settings.TIME_ZONE), read from the
application clock (timezone.now()). Python never loops over activity or membership rows here, only over
already aggregated groups (a day, a line, a campaign variant).
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from campaigns.models import Campaign, CampaignMembership, CampaignStatus, MembershipStatus
from contacts.models import Activity, ActivityKind, Contact, Conversation, Direction, OptOutEvent

# reply_category value of a reply that shows interest ("yes, call me").
INTERESTED = "interested"
# Provider status of a text OpenPhone reported as delivered to the handset.
DELIVERED = "delivered"
# Call statuses that mean nobody picked up an incoming call (OpenPhone contract, section 7.3).
MISSED_CALL_STATUSES = ("missed", "no-answer", "abandoned")
# Memberships still to be texted: the projection counts these.
REMAINING_STATUSES = (MembershipStatus.PENDING, MembershipStatus.SENDING)
# Campaign statuses listed first on the dashboard, in this order.
CAMPAIGN_STATUS_ORDER = [
    CampaignStatus.RUNNING,
    CampaignStatus.SCHEDULED,
    CampaignStatus.PAUSED,
    CampaignStatus.DRAFT,
    CampaignStatus.COMPLETED,
    CampaignStatus.CANCELLED,
]
# The campaigns table shows at most this many campaigns (active ones first); the admin lists the rest.
CAMPAIGN_TABLE_LIMIT = 25
# "Waiting for us" shows the oldest this many; the count above it covers all of them.
WAITING_LIMIT = 25
# Preview of the homeowner's last text in the waiting list, in characters.
WAITING_PREVIEW_CHARS = 140
RECENT_INTERESTED_LIMIT = 10


# --- Clock and periods --------------------------------------------------------------------


def business_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def business_today(*, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the business zone."""
    return timezone.localtime(now or timezone.now(), business_zone()).date()


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the business zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=business_zone())


@dataclass(frozen=True)
class Period:
    """Whole business days from `start` to `end`, both included."""

    start: dt.date
    end: dt.date
    label: str = ""

    @classmethod
    def last_days(cls, days: int, *, today: dt.date) -> Period:
        return cls(start=today - dt.timedelta(days=days - 1), end=today, label=f"Last {days} days")

    @classmethod
    def month(cls, first: dt.date) -> Period:
        first = first.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return cls(start=first, end=following - dt.timedelta(days=1), label=first.strftime("%B %Y"))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[first midnight, midnight after the last day) in the business zone."""
        return day_start(self.start), day_start(self.end + dt.timedelta(days=1))

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- Texts on the timeline ----------------------------------------------------------------

_OUTGOING_TEXT = Q(kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING)
_INCOMING_TEXT = Q(kind=ActivityKind.MESSAGE, direction=Direction.INCOMING)
_MISSED_CALL = Q(kind=ActivityKind.CALL, direction=Direction.INCOMING, status__in=MISSED_CALL_STATUSES)
_VOICEMAIL = Q(kind=ActivityKind.VOICEMAIL)


def _timeline_counts(start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """Texts sent/delivered/received, missed calls and voicemails in [start, end): one query."""
    return Activity.objects.filter(occurred_at__gte=start, occurred_at__lt=end).aggregate(
        texts_sent=Count("id", filter=_OUTGOING_TEXT),
        texts_delivered=Count("id", filter=_OUTGOING_TEXT & Q(status=DELIVERED)),
        texts_received=Count("id", filter=_INCOMING_TEXT),
        missed_calls=Count("id", filter=_MISSED_CALL),
        voicemails=Count("id", filter=_VOICEMAIL),
    )


def _opt_outs(start: dt.datetime, end: dt.datetime) -> int:
    """People who opted out in [start, end) (any way: reply, staff, import); one query."""
    return (
        OptOutEvent.objects.filter(opted_out=True, occurred_at__gte=start, occurred_at__lt=end)
        .values("contact_id").distinct().count()
    )


# --- Today --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineUsage:
    """Texts sent today from one OpenPhone line: campaign texts count against the line's daily cap."""

    phone_number_id: str
    campaign_sent: int
    staff_sent: int
    cap: int

    @property
    def sent(self) -> int:
        return self.campaign_sent + self.staff_sent

    @property
    def remaining(self) -> int:
        return max(0, self.cap - self.campaign_sent)

    @property
    def used_share(self) -> float:
        return min(1.0, self.campaign_sent / self.cap) if self.cap else 1.0


@dataclass(frozen=True)
class TodayFigures:
    day: dt.date
    texts_sent: int
    texts_delivered: int
    texts_received: int
    missed_calls: int
    voicemails: int
    opt_outs: int
    lines: list[LineUsage]


def today_figures(*, now: dt.datetime | None = None) -> TodayFigures:
    """Today's activity in the business zone and each line's use of its daily cap (four queries)."""
    day = business_today(now=now)
    start, end = Period(day, day).bounds()
    counts = _timeline_counts(start, end)
    per_line = (
        Activity.objects.filter(_OUTGOING_TEXT, occurred_at__gte=start, occurred_at__lt=end)
        .values(line=F("conversation__phone_number_id"))
        .annotate(
            campaign_sent=Count("id", filter=Q(membership__isnull=False)),
            staff_sent=Count("id", filter=Q(membership__isnull=True)),
        )
        .order_by("line")
    )
    cap = settings.CAMPAIGN_LINE_DAILY_CAP
    usage = {
        row["line"] or "": LineUsage(row["line"] or "", row["campaign_sent"], row["staff_sent"], cap)
        for row in per_line
    }
    # Lines with an active campaign (and the default line) appear even before their first text of the day.
    active_lines = set(
        Campaign.objects.filter(
            status__in=[CampaignStatus.RUNNING, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED]
        ).values_list("phone_number_id", flat=True).distinct()
    )
    if settings.OPENPHONE_PHONE_NUMBER_ID:
        active_lines.add(settings.OPENPHONE_PHONE_NUMBER_ID)
    for line in active_lines - usage.keys():
        usage[line] = LineUsage(line, 0, 0, cap)
    return TodayFigures(
        day=day,
        opt_outs=_opt_outs(start, end),
        lines=sorted(usage.values(), key=lambda u: (-u.sent, u.phone_number_id)),
        **counts,
    )


# --- Periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFigures:
    """What happened in a period. Rates follow the campaign texts sent in the period (a cohort):
    of the homeowners a campaign texted in the period, how many replied / opted out (so far)."""

    period: Period
    texts_sent: int
    texts_delivered: int
    texts_received: int
    missed_calls: int
    voicemails: int
    campaign_sent: int
    replied: int
    opted_out: int
    interested: int
    opt_outs: int
    new_contacts: int

    @property
    def delivery_rate(self) -> float | None:
        return _ratio(self.texts_delivered, self.texts_sent)

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.replied, self.campaign_sent)

    @property
    def opt_out_rate(self) -> float | None:
        return _ratio(self.opted_out, self.campaign_sent)


def _membership_counts(start: dt.datetime, end: dt.datetime) -> dict[str, Count]:
    """Conditional counts over memberships texted, or replied to, in [start, end)."""
    sent = Q(sent_at__gte=start, sent_at__lt=end)
    return {
        "sent": Count("id", filter=sent),
        "delivered": Count("id", filter=sent & Q(activity__status=DELIVERED)),
        "replied": Count("id", filter=sent & Q(replied_at__isnull=False)),
        # Opted out after this campaign texted them: by the reply (status) or any way since (contact).
        "opted_out": Count(
            "id",
            filter=sent & (Q(status=MembershipStatus.OPTED_OUT) | Q(contact__opted_out_at__gte=F("sent_at"))),
        ),
        "interested": Count("id", filter=Q(replied_at__gte=start, replied_at__lt=end, reply_category=INTERESTED)),
    }


def _memberships_touched(start: dt.datetime, end: dt.datetime) -> QuerySet[CampaignMembership]:
    return CampaignMembership.objects.filter(
        Q(sent_at__gte=start, sent_at__lt=end) | Q(replied_at__gte=start, replied_at__lt=end)
    )


def period_figures(*, period: Period) -> PeriodFigures:
    """Figures for one period (four aggregate queries, whatever the data size)."""
    start, end = period.bounds()
    counts = _timeline_counts(start, end)
    memberships = _memberships_touched(start, end).aggregate(**_membership_counts(start, end))
    new_contacts = Contact.objects.filter(created_at__gte=start, created_at__lt=end).count()
    return PeriodFigures(
        period=period,
        campaign_sent=memberships["sent"],
        replied=memberships["replied"],
        opted_out=memberships["opted_out"],
        interested=memberships["interested"],
        opt_outs=_opt_outs(start, end),
        new_contacts=new_contacts,
        **counts,
    )


@dataclass(frozen=True)
class DayActivity:
    day: dt.date
    sent: int
    replies: int


def daily_activity(*, period: Period) -> list[DayActivity]:
    """Texts sent and replies received per business day, zero days included (one query)."""
    start, end = period.bounds()
    rows = (
        Activity.objects.filter(kind=ActivityKind.MESSAGE, occurred_at__gte=start, occurred_at__lt=end)
        .annotate(day=TruncDate("occurred_at", tzinfo=business_zone()))
        .values("day")
        .annotate(
            sent=Count("id", filter=Q(direction=Direction.OUTGOING)),
            replies=Count("id", filter=Q(direction=Direction.INCOMING)),
        )
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    return [
        DayActivity(day, by_day.get(day, {}).get("sent", 0), by_day.get(day, {}).get("replies", 0))
        for day in period.dates()
    ]


# --- Campaigns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantFigures:
    """One variant of a campaign (or the whole campaign) over memberships."""

    variant: str
    enrolled: int = 0
    sent: int = 0
    delivered: int = 0
    replied: int = 0
    opted_out: int = 0
    interested: int = 0
    remaining: int = 0
    sent_today: int = 0

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.replied, self.sent)

    @property
    def opt_out_rate(self) -> float | None:
        return _ratio(self.opted_out, self.sent)

    @property
    def delivery_rate(self) -> float | None:
        return _ratio(self.delivered, self.sent)

    def __add__(self, other: VariantFigures) -> VariantFigures:
        return VariantFigures(
            variant="",
            **{name: getattr(self, name) + getattr(other, name) for name in _SUMMED},
        )


_SUMMED = ("enrolled", "sent", "delivered", "replied", "opted_out", "interested", "remaining", "sent_today")


def _total(figures: Iterable[VariantFigures]) -> VariantFigures:
    total = VariantFigures(variant="")
    for item in figures:
        total = total + item
    return total


@dataclass
class CampaignRow:
    """A campaign on the dashboard: progress, per-variant results and when it should finish."""

    campaign: Campaign
    variants: list[VariantFigures] = field(default_factory=list)
    total: VariantFigures = field(default_factory=lambda: VariantFigures(variant=""))
    daily_allowance: int = 0
    projected_finish: dt.date | None = None

    @property
    def progress(self) -> float | None:
        return _ratio(self.total.sent, self.total.enrolled)


def projected_finish(
    *, status: str, remaining: int, sent_today: int, daily_allowance: int, starts_on: dt.date | None, today: dt.date
) -> dt.date | None:
    """The day the last remaining member should be texted at the current daily allowance.

    None when nothing is left, the campaign is not going to send (draft, paused, done) or may send nothing.
    Assumes a batch every day from today (or the start date) and ignores members that will be skipped.
    """
    if remaining <= 0 or daily_allowance <= 0:
        return None
    if status not in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED):
        return None
    first_day = max(today, starts_on) if starts_on else today
    left_first_day = max(0, daily_allowance - sent_today) if first_day == today else daily_allowance
    if remaining <= left_first_day:
        return first_day
    return first_day + dt.timedelta(days=math.ceil((remaining - left_first_day) / daily_allowance))


def campaign_variant_figures(*, campaign_ids: list[int], today: dt.date) -> dict[int, list[VariantFigures]]:
    """Membership counts per campaign and variant, for many campaigns in one grouped query."""
    today_start, today_end = Period(today, today).bounds()
    has_been_sent = Q(sent_at__isnull=False)
    rows = (
        CampaignMembership.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id", "variant")
        .annotate(
            enrolled=Count("id"),
            sent=Count("id", filter=has_been_sent),
            delivered=Count("id", filter=has_been_sent & Q(activity__status=DELIVERED)),
            replied=Count("id", filter=has_been_sent & Q(replied_at__isnull=False)),
            opted_out=Count(
                "id",
                filter=has_been_sent
                & (Q(status=MembershipStatus.OPTED_OUT) | Q(contact__opted_out_at__gte=F("sent_at"))),
            ),
            interested=Count("id", filter=Q(reply_category=INTERESTED)),
            remaining=Count("id", filter=Q(status__in=REMAINING_STATUSES)),
            sent_today=Count("id", filter=Q(sent_at__gte=today_start, sent_at__lt=today_end)),
        )
        .order_by("campaign_id", "variant")
    )
    result: dict[int, list[VariantFigures]] = {cid: [] for cid in campaign_ids}
    for row in rows:
        campaign_id = row.pop("campaign_id")
        result[campaign_id].append(VariantFigures(**row))
    return result


def campaign_rows(*, today: dt.date | None = None, limit: int = CAMPAIGN_TABLE_LIMIT) -> list[CampaignRow]:
    """The dashboard's campaigns table: active campaigns first, newest first within a status (two queries)."""
    today = today or business_today()
    order = Case(
        *[When(status=status, then=Value(i)) for i, status in enumerate(CAMPAIGN_STATUS_ORDER)],
        output_field=IntegerField(),
    )
    campaigns = list(Campaign.objects.annotate(status_order=order).order_by("status_order", "-created_at")[:limit])
    figures = campaign_variant_figures(campaign_ids=[c.pk for c in campaigns], today=today)
    line_cap = settings.CAMPAIGN_LINE_DAILY_CAP
    rows = []
    for campaign in campaigns:
        variants = figures[campaign.pk]
        total = _total(variants)
        allowance = min(campaign.daily_limit, line_cap)
        rows.append(
            CampaignRow(
                campaign=campaign,
                variants=variants,
                total=total,
                daily_allowance=allowance,
                projected_finish=projected_finish(
                    status=campaign.status,
                    remaining=total.remaining,
                    sent_today=total.sent_today,
                    daily_allowance=allowance,
                    starts_on=campaign.starts_on,
                    today=today,
                ),
            )
        )
    return rows


# --- Who needs a person -------------------------------------------------------------------


def waiting_conversations(*, limit: int = WAITING_LIMIT) -> QuerySet[Conversation]:
    """Conversations whose last message is the homeowner's, oldest first, with a preview of that text."""
    last_incoming = (
        Activity.objects.filter(conversation=OuterRef("pk"), kind=ActivityKind.MESSAGE, direction=Direction.INCOMING)
        .order_by("-occurred_at", "-id")
        .values("body")[:1]
    )
    return (
        Conversation.objects.filter(waiting_for_reply=True)
        .select_related("contact")
        .annotate(last_text=Substr(Subquery(last_incoming), 1, WAITING_PREVIEW_CHARS))
        .order_by(F("last_activity_at").asc(nulls_first=True), "id")[:limit]
    )


def waiting_count() -> int:
    return Conversation.objects.filter(waiting_for_reply=True).count()


def recent_interested_replies(*, limit: int = RECENT_INTERESTED_LIMIT) -> QuerySet[CampaignMembership]:
    """The newest campaign replies marked interested, with their homeowner and campaign."""
    return (
        CampaignMembership.objects.filter(reply_category=INTERESTED, replied_at__isnull=False)
        .select_related("contact", "campaign")
        .order_by("-replied_at", "-id")[:limit]
    )


# --- Monthly report -----------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignPeriodRow:
    campaign_id: int
    name: str
    status: str
    variants: list[VariantFigures]
    total: VariantFigures


@dataclass(frozen=True)
class MonthlyFigures:
    period: Period
    overall: PeriodFigures
    campaigns: list[CampaignPeriodRow]
    campaigns_total: VariantFigures


def campaign_period_rows(*, period: Period) -> list[CampaignPeriodRow]:
    """Per campaign and variant: memberships texted in the period and what came of them (two queries)."""
    start, end = period.bounds()
    rows = (
        _memberships_touched(start, end)
        .values("campaign_id", "variant")
        .annotate(**_membership_counts(start, end))
        .order_by("campaign_id", "variant")
    )
    by_campaign: dict[int, list[VariantFigures]] = {}
    for row in rows:
        by_campaign.setdefault(row.pop("campaign_id"), []).append(VariantFigures(**row))
    campaigns = Campaign.objects.filter(pk__in=by_campaign).order_by("name").values("pk", "name", "status")
    return [
        CampaignPeriodRow(
            campaign_id=c["pk"],
            name=c["name"],
            status=c["status"],
            variants=by_campaign[c["pk"]],
            total=_total(by_campaign[c["pk"]]),
        )
        for c in campaigns
    ]


def monthly_figures(*, month: dt.date) -> MonthlyFigures:
    """The month's figures overall and per campaign (six queries)."""
    period = Period.month(month)
    campaigns = campaign_period_rows(period=period)
    return MonthlyFigures(
        period=period,
        overall=period_figures(period=period),
        campaigns=campaigns,
        campaigns_total=_total(row.total for row in campaigns),
    )
