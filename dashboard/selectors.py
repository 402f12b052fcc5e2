"""Figures for the manager dashboard and the monthly report, each from a bounded number of aggregate queries.

"Today" and every period are calendar days in the business zone (settings.TIME_ZONE), read from the
application clock (timezone.now()). Python never loops over activity or membership rows here, only over
already aggregated groups (a day, a line, a campaign variant) and, for speed to lead, over the answered
waits the database paired.
"""
from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import Lag, Substr, TruncDate
from django.utils import timezone

from campaigns.merge_fields import count_segments
from campaigns.models import Campaign, CampaignMembership, CampaignStatus, Variant
from campaigns.reply_classifier import ReplyCategory

# One definition of enrolled/sent/delivered/replied/opted out/interested for campaign memberships:
# the campaigns app's (its metrics and the dashboard must agree), and its A/B test.
from campaigns.selectors import (
    SignificanceTest,
    VariantMetrics,
    line_sends_today,
    membership_metric_aggregates,
    two_proportion_z_test,
)
from contacts.models import Activity, ActivityKind, Contact, Conversation, Direction, OptOutEvent
from jobs.business_hours import business_seconds_between
from jobs.selectors import CampaignMoney, campaign_money

INTERESTED = ReplyCategory.INTERESTED
# Provider status of a text OpenPhone reported as delivered to the handset.
DELIVERED = "delivered"
# Call statuses that mean nobody picked up an incoming call (OpenPhone contract, section 7.3).
MISSED_CALL_STATUSES = ("missed", "no-answer", "abandoned")
# Campaigns whose line is shown on the daily-cap table even before it sends today.
ACTIVE_CAMPAIGN_STATUSES = (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)
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
# Money figures are shown to the cent, halves rounded up ($0.025 -> $0.03), as people round money.
CENT = Decimal("0.01")


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
    """Texts sent/delivered/received, missed calls and voicemails in [start, end): one query.

    Counts `occurred_at` (never null) rather than `id`, so PostgreSQL answers from the covering index
    activity_dashboard_cover_idx (migration dashboard 0003) without reading the table.
    """
    return Activity.objects.filter(occurred_at__gte=start, occurred_at__lt=end).aggregate(
        texts_sent=Count("occurred_at", filter=_OUTGOING_TEXT),
        texts_delivered=Count("occurred_at", filter=_OUTGOING_TEXT & Q(status=DELIVERED)),
        texts_received=Count("occurred_at", filter=_INCOMING_TEXT),
        missed_calls=Count("occurred_at", filter=_MISSED_CALL),
        voicemails=Count("occurred_at", filter=_VOICEMAIL),
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
    computed_at: dt.datetime
    texts_sent: int
    texts_delivered: int
    texts_received: int
    missed_calls: int
    voicemails: int
    opt_outs: int
    lines: list[LineUsage]


def today_figures(*, now: dt.datetime | None = None) -> TodayFigures:
    """Today's activity in the business zone and each line's use of its daily cap (five queries).

    Campaign texts per line are counted the way the dispatcher counts them against the cap
    (campaigns.selectors.line_sends_today); staff texts come from the timeline.
    """
    now = now or timezone.now()
    day = business_today(now=now)
    start, end = Period(day, day).bounds()
    counts = _timeline_counts(start, end)
    campaign_sent = line_sends_today(at=now)
    staff_sent = dict(
        Activity.objects.filter(_OUTGOING_TEXT, campaign_membership__isnull=True, occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .values_list("conversation__phone_number_id")
        .annotate(n=Count("id"))
    )
    # Lines with an active campaign (and the default line) appear even before their first text of the day.
    lines = set(campaign_sent) | set(staff_sent) | set(
        Campaign.objects.filter(status__in=ACTIVE_CAMPAIGN_STATUSES).values_list("phone_number_id", flat=True)
    )
    if settings.OPENPHONE_PHONE_NUMBER_ID:
        lines.add(settings.OPENPHONE_PHONE_NUMBER_ID)
    cap = settings.CAMPAIGN_LINE_DAILY_CAP
    usage = [
        LineUsage(line or "", campaign_sent.get(line, 0), staff_sent.get(line, 0), cap) for line in lines
    ]
    return TodayFigures(
        day=day,
        computed_at=now,
        opt_outs=_opt_outs(start, end),
        lines=sorted(usage, key=lambda u: (-u.sent, u.phone_number_id)),
        **counts,
    )


# --- Periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFigures:
    """What happened in a period.

    Texts sent/delivered/received, calls, opt-outs and new contacts are events in the period. The campaign
    figures follow the cohort of homeowners a campaign texted in the period: how many have replied, opted out
    or replied interested so far (the campaigns app's definitions, campaigns.selectors).
    """

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


def _texted_in(start: dt.datetime, end: dt.datetime) -> QuerySet[CampaignMembership]:
    """Memberships a campaign texted in [start, end): the cohort the period's rates follow."""
    return CampaignMembership.objects.filter(sent_at__gte=start, sent_at__lt=end).order_by()


def period_figures(*, period: Period) -> PeriodFigures:
    """Figures for one period (four aggregate queries, whatever the data size)."""
    start, end = period.bounds()
    counts = _timeline_counts(start, end)
    cohort = _texted_in(start, end).aggregate(**membership_metric_aggregates())
    new_contacts = Contact.objects.filter(created_at__gte=start, created_at__lt=end).count()
    return PeriodFigures(
        period=period,
        campaign_sent=cohort["sent"],
        replied=cohort["replied"],
        opted_out=cohort["opted_out"],
        interested=cohort["interested"],
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
            sent=Count("occurred_at", filter=Q(direction=Direction.OUTGOING)),
            replies=Count("occurred_at", filter=Q(direction=Direction.INCOMING)),
        )
        .order_by()  # unordered: PostgreSQL can hash the days instead of sorting every text
    )
    by_day = {row["day"]: row for row in rows}
    return [
        DayActivity(day, by_day.get(day, {}).get("sent", 0), by_day.get(day, {}).get("replies", 0))
        for day in period.dates()
    ]


# --- Campaigns ----------------------------------------------------------------------------


def total_metrics(variants: Iterable[VariantMetrics]) -> VariantMetrics:
    """The sum of per-variant metrics (the campaign's, or all campaigns')."""
    variants = list(variants)
    names = [name for name in VariantMetrics.__dataclass_fields__ if name != "variant"]
    return VariantMetrics(variant="all", **{name: sum(getattr(v, name) for v in variants) for name in names})


def ab_test(variants: list[VariantMetrics]) -> SignificanceTest | None:
    """Response rate of B against A with the campaigns app's two-proportion z-test; None without both."""
    by_name = {v.variant: v for v in variants}
    a, b = by_name.get(Variant.A), by_name.get(Variant.B)
    if a is None or b is None:
        return None
    return two_proportion_z_test(a.replied, a.sent, b.replied, b.sent)


@dataclass
class CampaignRow:
    """A campaign on the dashboard: progress, per-variant results, the A/B test and when it should finish."""

    campaign: Campaign
    variants: list[VariantMetrics]
    total: VariantMetrics
    sent_today: int
    daily_allowance: int
    projected_finish: dt.date | None
    ab_test: SignificanceTest | None

    @property
    def progress(self) -> float | None:
        return _ratio(self.total.sent, self.total.enrolled)


def projected_finish(
    *, status: str, remaining: int, sent_today: int, daily_allowance: int, starts_on: dt.date | None, today: dt.date
) -> dt.date | None:
    """The day the last pending member should be texted at the current daily allowance.

    None when nothing is left, the campaign is not going to send (draft, paused, done) or may send nothing.
    Assumes a batch every day from today (or the start date) and that no member is skipped.
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


def _variants_by_campaign(memberships: QuerySet[CampaignMembership], **extra) -> dict[int, list[dict]]:
    """One grouped query: the campaigns app's membership metrics per campaign and variant."""
    rows = (
        memberships.order_by()
        .values("campaign_id", "variant")
        .annotate(**membership_metric_aggregates(), **extra)
        .order_by("campaign_id", "variant")
    )
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row.pop("campaign_id"), []).append(row)
    return grouped


def campaign_rows(*, today: dt.date | None = None, limit: int = CAMPAIGN_TABLE_LIMIT) -> list[CampaignRow]:
    """The dashboard's campaigns table: active campaigns first, newest first within a status (two queries)."""
    today = today or business_today()
    today_start, today_end = Period(today, today).bounds()
    order = Case(
        *[When(status=status, then=Value(i)) for i, status in enumerate(CAMPAIGN_STATUS_ORDER)],
        output_field=IntegerField(),
    )
    campaigns = list(Campaign.objects.annotate(status_order=order).order_by("status_order", "-created_at")[:limit])
    grouped = _variants_by_campaign(
        CampaignMembership.objects.filter(campaign_id__in=[c.pk for c in campaigns]),
        sent_today=Count("id", filter=Q(sent_at__gte=today_start, sent_at__lt=today_end)),
    )
    line_cap = settings.CAMPAIGN_LINE_DAILY_CAP
    rows = []
    for campaign in campaigns:
        found = grouped.get(campaign.pk, [])
        sent_today = sum(row.pop("sent_today") for row in found)
        variants = [VariantMetrics(**row) for row in found]
        total = total_metrics(variants)
        allowance = min(campaign.daily_limit, line_cap)
        rows.append(
            CampaignRow(
                campaign=campaign,
                variants=variants,
                total=total,
                sent_today=sent_today,
                daily_allowance=allowance,
                projected_finish=projected_finish(
                    status=campaign.status,
                    remaining=total.pending,
                    sent_today=sent_today,
                    daily_allowance=allowance,
                    starts_on=campaign.starts_on,
                    today=today,
                ),
                ab_test=ab_test(variants),
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
        .order_by("last_activity_at", "id")[:limit]
    )


def waiting_count() -> int:
    return Conversation.objects.filter(waiting_for_reply=True).count()


def held_count() -> int:
    """Homeowners on hold after an unclear reply (maybe a request to stop): a person must decide."""
    from contacts.selectors import contacts_held_count

    return contacts_held_count()


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
    """A campaign's members texted in a period, per variant and in total, with the period's A/B test."""

    campaign_id: int
    name: str
    status: str
    variants: list[VariantMetrics]
    total: VariantMetrics
    ab_test: SignificanceTest | None


@dataclass(frozen=True)
class MonthlyFigures:
    """The month's report: the page and its CSV (downloaded or stored) show these same figures."""

    period: Period
    overall: PeriodFigures
    campaigns: list[CampaignPeriodRow]
    campaigns_total: VariantMetrics
    money: list[MoneyRow]
    money_total: MoneyFigures
    speed: SpeedToLead


def campaign_period_rows(*, period: Period) -> list[CampaignPeriodRow]:
    """Per campaign and variant: members texted in the period and what came of them (two queries)."""
    start, end = period.bounds()
    grouped = _variants_by_campaign(_texted_in(start, end))
    campaigns = Campaign.objects.filter(pk__in=grouped).order_by("name").values("pk", "name", "status")
    rows = []
    for campaign in campaigns:
        variants = [VariantMetrics(**row) for row in grouped[campaign["pk"]]]
        rows.append(
            CampaignPeriodRow(
                campaign_id=campaign["pk"],
                name=campaign["name"],
                status=campaign["status"],
                variants=variants,
                total=total_metrics(variants),
                ab_test=ab_test(variants),
            )
        )
    return rows


def monthly_figures(*, month: dt.date) -> MonthlyFigures:
    """The month's figures overall, per campaign, from reply to revenue and speed to lead (twelve queries)."""
    period = Period.month(month)
    campaigns = campaign_period_rows(period=period)
    money = campaign_money_rows(period=period)
    return MonthlyFigures(
        period=period,
        overall=period_figures(period=period),
        campaigns=campaigns,
        campaigns_total=total_metrics(row.total for row in campaigns),
        money=money,
        money_total=money_total("all", (row.total for row in money)),
        speed=speed_to_lead(period=period),
    )


# --- From reply to revenue (jobs) ---------------------------------------------------------

# "won a job" or "replied": what the revenue table's A/B comparison counts as success.
AB_BASES = {"replied": "Replied", "won": "Won a job"}


@dataclass
class MoneyFigures:
    """What one campaign or variant earned after the replies, and what its texts cost."""

    label: str
    sent: int
    replied: int
    segments: int
    estimates: int
    quotes_sent: int
    quotes_accepted: int
    revenue_won: Decimal

    @property
    def text_cost(self) -> Decimal:
        return (settings.TEXT_SEGMENT_PRICE * self.segments).quantize(CENT, ROUND_HALF_UP)

    @property
    def cost_per_won_job(self) -> Decimal | None:
        return (self.text_cost / self.quotes_accepted).quantize(CENT, ROUND_HALF_UP) if self.quotes_accepted else None

    @property
    def revenue_per_100_texts(self) -> Decimal | None:
        return (self.revenue_won * 100 / self.sent).quantize(CENT, ROUND_HALF_UP) if self.sent else None


@dataclass
class MoneyRow:
    campaign_id: int
    name: str
    total: MoneyFigures
    variants: list[MoneyFigures]
    ab_test: SignificanceTest | None
    status: str = ""


_MONEY_SUMS = ("sent", "replied", "segments", "estimates", "quotes_sent", "quotes_accepted", "revenue_won")


def money_total(label: str, figures: Iterable[MoneyFigures]) -> MoneyFigures:
    """Several campaigns' or variants' money figures added up."""
    figures = list(figures)
    return MoneyFigures(
        label=label,
        **{name: sum((getattr(f, name) for f in figures), Decimal("0") if name == "revenue_won" else 0)
           for name in _MONEY_SUMS},
    )


def _segments_by_variant(memberships: QuerySet[CampaignMembership]) -> dict[tuple[int, str], int]:
    """SMS segments of the texts actually sent, per (campaign, variant), in one query (grouped by body)."""
    segments: dict[tuple[int, str], int] = {}
    rows = (
        memberships.filter(activity__isnull=False).order_by()
        .values("campaign_id", "variant", "activity__body").annotate(n=Count("id"))
    )
    for row in rows:
        key = (row["campaign_id"], row["variant"])
        segments[key] = segments.get(key, 0) + count_segments(row["activity__body"] or "").segments * row["n"]
    return segments


def campaign_money_rows(*, campaign_ids: list[int] | None = None, period: Period | None = None,
                        ab_basis: str = "replied") -> list[MoneyRow]:
    """Per campaign and per variant: texts, replies, estimates, quotes, revenue won and cost (five queries).

    With a period, texts count when sent in it and quotes when created in it.
    """
    memberships = CampaignMembership.objects.filter(sent_at__isnull=False)
    if campaign_ids is not None:
        memberships = memberships.filter(campaign_id__in=campaign_ids)
    if period is not None:
        start, end = period.bounds()
        memberships = memberships.filter(sent_at__gte=start, sent_at__lt=end)
    counts = {
        (row["campaign_id"], row["variant"]): row
        for row in memberships.order_by().values("campaign_id", "variant").annotate(
            sent=Count("id"), replied=Count("id", filter=Q(replied_at__isnull=False))
        )
    }
    segments = _segments_by_variant(memberships)
    money = campaign_money(campaign_ids=campaign_ids, period=period.bounds() if period else None)
    keys = set(counts) | set(money)
    campaigns = {
        pk: (name, status)
        for pk, name, status in Campaign.objects.filter(pk__in={k[0] for k in keys}).values_list("pk", "name", "status")
    }
    rows: dict[int, MoneyRow] = {}
    for campaign_id, variant in sorted(keys):
        count = counts.get((campaign_id, variant), {})
        earned = money.get((campaign_id, variant), CampaignMoney())
        figures = MoneyFigures(
            label=variant or "?", sent=count.get("sent", 0), replied=count.get("replied", 0),
            segments=segments.get((campaign_id, variant), 0), estimates=earned.estimates,
            quotes_sent=earned.quotes_sent, quotes_accepted=earned.quotes_accepted, revenue_won=earned.revenue_won,
        )
        name, status = campaigns.get(campaign_id, ("?", ""))
        row = rows.setdefault(campaign_id, MoneyRow(campaign_id, name, None, [], None, status))
        row.variants.append(figures)
    for row in rows.values():
        row.total = money_total("all", row.variants)
        by_name = {v.label: v for v in row.variants}
        a, b = by_name.get(Variant.A), by_name.get(Variant.B)
        if a and b:
            success = "quotes_accepted" if ab_basis == "won" else "replied"
            row.ab_test = two_proportion_z_test(getattr(a, success), a.sent, getattr(b, success), b.sent)
    return sorted(rows.values(), key=lambda r: (-r.total.revenue_won, r.name))


# --- Speed to lead ------------------------------------------------------------------------


@dataclass
class SpeedFigures:
    label: str
    answered: int
    median_hours: float | None
    p90_hours: float | None
    week: dt.date | None = None  # the Monday, for a week's figures


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, math.ceil(share * len(ordered)) - 1)
    return ordered[index]


def _speed(label: str, seconds: list[float], week: dt.date | None = None) -> SpeedFigures:
    hours = [s / 3600 for s in seconds]
    return SpeedFigures(label, len(hours), statistics.median(hours) if hours else None, _percentile(hours, 0.9), week)


@dataclass
class SpeedToLead:
    overall: SpeedFigures
    by_week: list[SpeedFigures]
    by_staff: list[SpeedFigures]

    @property
    def overall_rows(self) -> list[SpeedFigures]:
        return [self.overall] if self.overall.answered else []


# An answer given this long after the period still ends a wait that started in it.
ANSWER_GRACE = dt.timedelta(days=7)


def _answered_waits(start: dt.datetime, end: dt.datetime):
    """(asked at, answered at, staff id, username, first and last name) of each wait that started in [start, end).

    A wait starts at the first homeowner text after our last answer in the conversation and ends at the
    next text a staff member sends there; campaign and reminder texts (no sender) are not answers. The
    database pairs them (one query): of the homeowner's texts and our answers, in conversation order,
    it keeps each that changes who spoke last, then an answer kept right after a homeowner's text
    ends the wait that text started.
    """
    in_order = {"partition_by": [F("conversation_id")], "order_by": [F("occurred_at").asc(), F("id").asc()]}
    answer = Q(direction=Direction.OUTGOING, sent_by__isnull=False)
    texts = Activity.objects.filter(
        Q(direction=Direction.INCOMING, occurred_at__lt=end) | answer,
        kind=ActivityKind.MESSAGE, conversation__isnull=False, occurred_at__gte=start, occurred_at__lt=end + ANSWER_GRACE,
    )
    turns = texts.annotate(before=Window(Lag("direction", default=Value("")), **in_order)).exclude(
        before=F("direction")
    )
    return (
        # The turns again, found from the same index range (a bare pk IN over the whole table scans it).
        texts.filter(pk__in=turns.values("pk"))
        .annotate(
            asked_at=Window(Lag("occurred_at"), **in_order), asked_by=Window(Lag("direction"), **in_order)
        )
        .filter(asked_by=Direction.INCOMING)
        .order_by()
        .values_list(
            "asked_at", "occurred_at", "sent_by_id", "sent_by__username", "sent_by__first_name", "sent_by__last_name"
        )
    )


def speed_to_lead(*, period: Period) -> SpeedToLead:
    """Time from a homeowner's text to a staff member's answer, in business hours (one query).

    Waits that start in the period count (answered up to a week after it), in the week (Monday) the
    homeowner texted and for the person who answered; unanswered ones are left out. The database pairs
    each text with its answer (see _answered_waits); only the office-hours arithmetic runs here, per wait.
    """
    start, end = period.bounds()
    zone = business_zone()
    waits: list[tuple[dt.date, int, float]] = []
    names: dict[int, str] = {}
    for asked, answered, staff_id, username, first_name, last_name in _answered_waits(start, end):
        local = asked.astimezone(zone).date()
        names[staff_id] = f"{first_name} {last_name}".strip() or username
        waits.append((local - dt.timedelta(days=local.weekday()), staff_id, business_seconds_between(asked, answered)))
    weeks = sorted({w[0] for w in waits})
    return SpeedToLead(
        overall=_speed("all", [w[2] for w in waits]),
        by_week=[_speed(f"Week of {week:%b %-d}", [w[2] for w in waits if w[0] == week], week) for week in weeks],
        by_staff=sorted(
            (_speed(name, [w[2] for w in waits if w[1] == staff_id]) for staff_id, name in names.items()),
            key=lambda s: s.label,
        ),
    )
