"""Reads about campaigns: results per variant with an A/B significance test, progress lists, batch candidates.

Everything here is aggregate SQL: the figures cost the same few queries for 100 members or 100,000.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from contacts.models import Contact

from .models import Campaign, CampaignMembership, CampaignStatus, MembershipStatus, Variant
from .reply_classifier import ReplyCategory

# Two-sided significance level of the A/B test.
SIGNIFICANCE_LEVEL = 0.05

# Statuses that prove the text reached the phone (a reply or an opt-out does).
_REACHED = [MembershipStatus.DELIVERED, MembershipStatus.REPLIED, MembershipStatus.OPTED_OUT]


def business_day_bounds(at: datetime | None = None) -> tuple[datetime, datetime]:
    """Start and end of the calendar day containing `at` in the business time zone (settings.TIME_ZONE).

    `at` defaults to the application clock (timezone.now()), never the database's now().
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    day = (at or timezone.now()).astimezone(zone).date()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


# --- Results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantMetrics:
    """Counts and rates for one variant (or the whole campaign). Rates are shares of texts sent."""

    variant: str
    enrolled: int = 0
    pending: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    replied: int = 0
    opted_out: int = 0
    interested: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.replied, self.sent)

    @property
    def opt_out_rate(self) -> float | None:
        return self._rate(self.opted_out, self.sent)

    @property
    def interested_rate(self) -> float | None:
        return self._rate(self.interested, self.sent)

    @property
    def delivery_rate(self) -> float | None:
        return self._rate(self.delivered, self.sent)


@dataclass(frozen=True)
class SignificanceTest:
    """Two-proportion z-test of response rate, B against A (pooled standard error, two-sided)."""

    z: float
    p_value: float
    significant: bool
    """True when p_value < SIGNIFICANCE_LEVEL."""
    leader: str | None
    """"A" or "B" (higher response rate), None on a tie."""


@dataclass(frozen=True)
class CampaignMetrics:
    """A campaign's results: overall, per variant, and the A/B test (None without two variants sent)."""

    campaign_id: int
    overall: VariantMetrics
    variants: dict[str, VariantMetrics] = field(default_factory=dict)
    ab_test: SignificanceTest | None = None


def two_proportion_z_test(successes_a: int, n_a: int, successes_b: int, n_b: int) -> SignificanceTest | None:
    """z-test for the difference of two proportions; None when either group is empty or nobody differs."""
    if n_a == 0 or n_b == 0:
        return None
    p_a, p_b = successes_a / n_a, successes_b / n_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    leader = None if p_a == p_b else ("B" if p_b > p_a else "A")
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance == 0:
        return SignificanceTest(z=0.0, p_value=1.0, significant=False, leader=leader)
    z = (p_b - p_a) / math.sqrt(variance)
    p_value = math.erfc(abs(z) / math.sqrt(2))
    return SignificanceTest(z=z, p_value=p_value, significant=p_value < SIGNIFICANCE_LEVEL, leader=leader)


def membership_metric_aggregates(prefix: str = "") -> dict:
    """Aggregates counting memberships by outcome (enrolled, sent, delivered, replied, ...).

    The one definition of those counts: campaign metrics and the manager dashboard both use it.
    `prefix` reaches memberships through a relation (e.g. "memberships__").
    """
    def c(condition: Q | None = None):
        return Count(f"{prefix}id", filter=condition)

    def q(**lookups) -> Q:
        return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})

    return {
        "enrolled": c(),
        "pending": c(q(status=MembershipStatus.PENDING)),
        "sent": c(q(sent_at__isnull=False)),
        "delivered": c(q(status__in=_REACHED)),
        "failed": c(q(status=MembershipStatus.FAILED)),
        "replied": c(q(replied_at__isnull=False)),
        "opted_out": c(q(status=MembershipStatus.OPTED_OUT)),
        "interested": c(q(reply_category=ReplyCategory.INTERESTED)),
    }


def campaign_metrics(*, campaign: Campaign) -> CampaignMetrics:
    """Enrolled, sent, delivered, failed, replied and the rates, per variant and overall, in one query."""
    rows = (
        CampaignMembership.objects.filter(campaign_id=campaign.pk)
        .order_by()
        .values("variant")
        .annotate(**membership_metric_aggregates())
    )
    variants = {row["variant"]: VariantMetrics(**row) for row in rows}
    names = VariantMetrics.__dataclass_fields__
    overall = VariantMetrics(
        variant="all",
        **{name: sum(getattr(v, name) for v in variants.values()) for name in names if name != "variant"},
    )
    ab_test = None
    a, b = variants.get(Variant.A), variants.get(Variant.B)
    if a and b:
        ab_test = two_proportion_z_test(a.replied, a.sent, b.replied, b.sent)
    return CampaignMetrics(campaign_id=campaign.pk, overall=overall, variants=variants, ab_test=ab_test)


def campaigns_overview(*, statuses: list[str] | None = None, at: datetime | None = None) -> QuerySet[Campaign]:
    """Campaigns with their progress, for lists and the dashboard, in one query.

    Each campaign carries: `enrolled_count`, `pending_count`, `sent_count`, `replied_count`,
    `opted_out_count`, `sent_today` (business-day count, the figure `daily_limit` caps) and
    `created_by` loaded. Filter with `statuses` (e.g. ["running", "paused"]).
    """
    start, end = business_day_bounds(at)
    qs = Campaign.objects.select_related("created_by").annotate(
        enrolled_count=Count("memberships"),
        pending_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.PENDING)),
        sent_count=Count("memberships", filter=Q(memberships__sent_at__isnull=False)),
        replied_count=Count("memberships", filter=Q(memberships__replied_at__isnull=False)),
        opted_out_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.OPTED_OUT)),
        sent_today=Count(
            "memberships", filter=Q(memberships__sent_at__gte=start, memberships__sent_at__lt=end)
        ),
    )
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("-created_at")


def line_sends_today(*, at: datetime | None = None) -> dict[str, int]:
    """Campaign texts sent today per OpenPhone line (the figure CAMPAIGN_LINE_DAILY_CAP caps)."""
    start, end = business_day_bounds(at)
    rows = (
        CampaignMembership.objects.filter(sent_at__gte=start, sent_at__lt=end)
        .order_by()
        .values("campaign__phone_number_id")
        .annotate(n=Count("id"))
    )
    return {row["campaign__phone_number_id"]: row["n"] for row in rows}


# --- What the dispatcher reads --------------------------------------------------------------


def sends_counted_today(*, campaign: Campaign, at: datetime) -> tuple[int, int]:
    """(this campaign's, its line's) texts counted against today's caps: sent today, or being sent now."""
    start, end = business_day_bounds(at)
    counted = Q(sent_at__gte=start, sent_at__lt=end) | Q(status=MembershipStatus.SENDING)
    # `counted` in WHERE (not only in FILTER) lets PostgreSQL combine the sent_at and status indexes
    # instead of reading every membership of the line: the cost follows today's texts, not the campaign size.
    row = CampaignMembership.objects.filter(counted, campaign__phone_number_id=campaign.phone_number_id).aggregate(
        line=Count("id"),
        campaign=Count("id", filter=Q(campaign_id=campaign.pk)),
    )
    return row["campaign"], row["line"]


def in_cooldown_elsewhere(*, campaign_id: int, since: datetime) -> Exists:
    """True for a membership whose contact another campaign texted since `since`, or is texting now."""
    return Exists(
        CampaignMembership.objects.filter(contact_id=OuterRef("contact_id"))
        .exclude(campaign_id=campaign_id)
        .filter(Q(status=MembershipStatus.SENDING) | Q(sent_at__gte=since))
    )


def _first_property(field_name: str) -> Subquery:
    """A fact of the member's first linked house, reached from the homeowner's side of the link."""
    return Subquery(
        Contact.objects.filter(pk=OuterRef("contact_id"), property_links__isnull=False)
        .order_by("property_links__pk")
        .values(f"property_links__property__{field_name}")[:1]
    )


def membership_dispatch_candidates(
    *, campaign: Campaign, after_id: int, cooldown_since: datetime, limit: int
) -> list[dict]:
    """The next `limit` pending members (by id, after `after_id`) with what deciding to text them needs."""
    return list(
        CampaignMembership.objects.filter(campaign_id=campaign.pk, status=MembershipStatus.PENDING, pk__gt=after_id)
        .order_by("pk")
        .annotate(
            property_state=_first_property("state"),
            in_cooldown=in_cooldown_elsewhere(campaign_id=campaign.pk, since=cooldown_since),
        )
        .values(
            "pk", "contact_id", "contact__phone", "contact__opted_out", "contact__texting_held", "contact__mailing_state",
            "contact__first_name", "contact__last_name", "property_state", "in_cooldown",
        )[:limit]
    )


def with_merge_data(qs: QuerySet[CampaignMembership]) -> QuerySet[CampaignMembership]:
    """Memberships with their contact and first property's address, city and state (for rendering and windows)."""
    return qs.select_related("contact").annotate(
        property_address=_first_property("address"),
        property_city=_first_property("city"),
        property_state=_first_property("state"),
    )


def campaign_preview_members(*, campaign: Campaign, limit: int = 3) -> list[CampaignMembership]:
    """A few enrolled members to preview the message for, pending ones first."""
    pending_first = Case(When(status=MembershipStatus.PENDING, then=Value(0)), default=Value(1))
    return list(
        with_merge_data(CampaignMembership.objects.filter(campaign_id=campaign.pk)).order_by(pending_first, "pk")[
            :limit
        ]
    )


def membership_merge_values(membership: CampaignMembership) -> dict[str, str]:
    """The merge-field values of a membership loaded through `with_merge_data`."""
    contact = membership.contact
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "property_address": getattr(membership, "property_address", "") or "",
        "city": getattr(membership, "property_city", "") or contact.mailing_city,
    }


def campaigns_paused_by_guardrail() -> list[Campaign]:
    """Campaigns a guardrail paused and nobody has resumed yet, newest pause first."""
    return list(
        Campaign.objects.filter(status=CampaignStatus.PAUSED).exclude(paused_reason="")
        .only("id", "name", "status", "paused_reason", "paused_detail", "paused_at")
        .order_by("-paused_at", "-pk")
    )


# --- Lists for the REST API -------------------------------------------------------------


def membership_list(*, campaign: Campaign | int) -> QuerySet[CampaignMembership]:
    """A campaign's members in enrollment order, with their contact."""
    campaign_id = campaign.pk if isinstance(campaign, Campaign) else campaign
    return CampaignMembership.objects.filter(campaign_id=campaign_id).select_related("contact").order_by("id")
