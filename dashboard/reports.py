"""The monthly report's shape: which month a `YYYY-MM` names, and its rows as CSV."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

from campaigns.selectors import SignificanceTest, VariantMetrics

from .selectors import MonthlyFigures

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
    """Overall first, then each campaign followed by its variants, then the campaigns' total."""
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
    for campaign in figures.campaigns:
        base = {"month": month, "campaign": campaign.name, "campaign_status": campaign.status}
        rows.append({**base, "scope": "campaign", **_campaign_cells(campaign.total), **_ab_cells(campaign.ab_test)})
        if len(campaign.variants) > 1:
            for variant in campaign.variants:
                rows.append({**base, "scope": "variant", "variant": variant.variant, **_campaign_cells(variant)})
    rows.append({"month": month, "scope": "all_campaigns", **_campaign_cells(figures.campaigns_total)})
    return rows


def monthly_report_csv(figures: MonthlyFigures) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(monthly_report_rows(figures))
    return out.getvalue()
