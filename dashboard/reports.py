"""The monthly report's shape: which month a `YYYY-MM` names, and its rows as CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from campaigns.selectors import SignificanceTest, VariantMetrics

from .selectors import MoneyFigures, MonthlyFigures, SpeedFigures, total_metrics

CSV_COLUMNS = [
    "month",
    "scope",
    "campaign",
    "campaign_status",
    "variant",
    "texts_sent",
    "delivered",
    "delivery_rate",
    "replied",
    "response_rate",
    "interested_replies",
    "opted_out",
    "opt_out_rate",
    "campaign_texts_sent",
    "incoming_texts",
    "missed_calls",
    "voicemails",
    "all_opt_outs",
    "new_contacts",
    "ab_z",
    "ab_p_value",
    "ab_significant",
    "ab_leader",
    # From reply to revenue (campaign, variant and all_campaigns rows).
    "estimates",
    "quotes_sent",
    "quotes_accepted",
    "revenue_won",
    "text_cost",
    "cost_per_won_job",
    "revenue_per_100_texts",
    # Speed to lead (speed_month, speed_week and speed_staff rows), in office hours.
    "week",
    "staff",
    "answered",
    "median_business_hours",
    "p90_business_hours",
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class BadMonth(ValueError):
    """A month parameter that is not YYYY-MM."""


def parse_month(value: str) -> dt.date:
    """First day of the month named `YYYY-MM`; BadMonth says what is wrong otherwise."""
    match = _MONTH.match((value or "").strip())
    if not match:
        raise BadMonth(f"“{value}” is not a month: use YYYY-MM, for example 2025-03.")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 2000:
        raise BadMonth(f"“{value}” is not a month: the month must be 01–12 and the year 2000 or later.")
    return dt.date(year, month, 1)


def previous_month(today: dt.date) -> dt.date:
    """First day of the month before the one `today` falls in."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _campaign_cells(figures: VariantMetrics) -> dict[str, object]:
    return {
        "texts_sent": figures.sent,
        "delivered": figures.delivered,
        "delivery_rate": _rate(figures.delivery_rate),
        "replied": figures.replied,
        "response_rate": _rate(figures.response_rate),
        "interested_replies": figures.interested,
        "opted_out": figures.opted_out,
        "opt_out_rate": _rate(figures.opt_out_rate),
        "campaign_texts_sent": figures.sent,
    }


def _dollars(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _money_cells(figures: MoneyFigures | None) -> dict[str, object]:
    if figures is None:
        return {}
    return {
        "estimates": figures.estimates,
        "quotes_sent": figures.quotes_sent,
        "quotes_accepted": figures.quotes_accepted,
        "revenue_won": _dollars(figures.revenue_won),
        "text_cost": _dollars(figures.text_cost),
        "cost_per_won_job": _dollars(figures.cost_per_won_job),
        "revenue_per_100_texts": _dollars(figures.revenue_per_100_texts),
    }


def _speed_cells(figures: SpeedFigures) -> dict[str, object]:
    return {
        "answered": figures.answered,
        "median_business_hours": _hours(figures.median_hours),
        "p90_business_hours": _hours(figures.p90_hours),
    }


def _ab_cells(test: SignificanceTest | None) -> dict[str, object]:
    if test is None:
        return {}
    return {
        "ab_z": f"{test.z:.3f}",
        "ab_p_value": f"{test.p_value:.4f}",
        "ab_significant": "yes" if test.significant else "no",
        "ab_leader": test.leader or "",
    }


def monthly_report_rows(figures: MonthlyFigures) -> list[dict[str, object]]:
    """Overall first, then each campaign followed by its variants, then the campaigns' total, then speed to lead.

    A campaign row carries the members texted in the month and what came of them, and the month's
    estimates, quotes and revenue credited to the campaign (a campaign with only the latter has zero
    texts). Speed to lead: the month, each week (by its Monday) and each staff member.
    """
    month = f"{figures.period.start:%Y-%m}"
    overall = figures.overall
    rows: list[dict[str, object]] = [
        {
            "month": month,
            "scope": "overall",
            "texts_sent": overall.texts_sent,
            "delivered": overall.texts_delivered,
            "delivery_rate": _rate(overall.delivery_rate),
            "replied": overall.replied,
            "response_rate": _rate(overall.response_rate),
            "interested_replies": overall.interested,
            "opted_out": overall.opted_out,
            "opt_out_rate": _rate(overall.opt_out_rate),
            "campaign_texts_sent": overall.campaign_sent,
            "incoming_texts": overall.texts_received,
            "missed_calls": overall.missed_calls,
            "voicemails": overall.voicemails,
            "all_opt_outs": overall.opt_outs,
            "new_contacts": overall.new_contacts,
        }
    ]
    texted = {campaign.campaign_id: campaign for campaign in figures.campaigns}
    money = {row.campaign_id: row for row in figures.money}
    names = {pk: (row.name, row.status) for pk, row in {**money, **texted}.items()}
    for campaign_id in sorted(names, key=lambda pk: (names[pk][0].casefold(), pk)):
        name, status = names[campaign_id]
        campaign, earned = texted.get(campaign_id), money.get(campaign_id)
        metrics = {v.variant: v for v in campaign.variants} if campaign else {}
        earned_by_variant = {v.label: v for v in earned.variants} if earned else {}
        base = {"month": month, "campaign": name, "campaign_status": status}
        rows.append({
            **base, "scope": "campaign", **_campaign_cells(campaign.total if campaign else total_metrics([])),
            **_ab_cells(campaign.ab_test if campaign else None), **_money_cells(earned.total if earned else None),
        })
        variants = sorted(set(metrics) | set(earned_by_variant))
        if len(variants) > 1:
            for variant in variants:
                rows.append({
                    **base, "scope": "variant", "variant": variant,
                    **_campaign_cells(metrics.get(variant) or total_metrics([])),
                    **_money_cells(earned_by_variant.get(variant)),
                })
    rows.append({
        "month": month, "scope": "all_campaigns", **_campaign_cells(figures.campaigns_total),
        **_money_cells(figures.money_total),
    })
    speed = figures.speed
    rows.append({"month": month, "scope": "speed_month", **_speed_cells(speed.overall)})
    for week in speed.by_week:
        rows.append({"month": month, "scope": "speed_week", "week": f"{week.week:%Y-%m-%d}", **_speed_cells(week)})
    for person in speed.by_staff:
        rows.append({"month": month, "scope": "speed_staff", "staff": person.label, **_speed_cells(person)})
    return rows


def monthly_report_csv(figures: MonthlyFigures) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(monthly_report_rows(figures))
    return out.getvalue()
