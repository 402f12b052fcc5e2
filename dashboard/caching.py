"""The dashboard's figures, cached briefly as rendered sections in the configured cache (Redis when
REDIS_URL is set).

Everything on the page except "Waiting for us" is computed at most once a minute
(FIGURES_CACHE_SECONDS) and kept as HTML, so a cached page costs a few cache reads and the live
waiting list. Keys name the business days they cover, so midnight never serves yesterday's "today".
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .charts import activity_chart, render_activity_chart
from .selectors import (
    AB_BASES,
    Period,
    business_today,
    campaign_money_rows,
    campaign_rows,
    daily_activity,
    period_figures,
    recent_interested_replies,
    speed_to_lead,
    today_figures,
)

# Long enough to spare the database, short enough that a text sent now shows up before anyone wonders.
FIGURES_CACHE_SECONDS = 60
_PREFIX = "dashboard:v2"
TODAY_SECTIONS = ("as_of", "cards", "lines")


def _cached(key: str, build: Callable[[], object]):
    return cache.get_or_set(f"{_PREFIX}:{key}", build, FIGURES_CACHE_SECONDS)


def today_cache_key(day: dt.date) -> str:
    return f"{_PREFIX}:today:{day:%Y%m%d}"


def periods_cache_key(periods: list[Period], chart_period: Period) -> str:
    spans = ",".join(f"{p.start:%Y%m%d}-{p.end:%Y%m%d}" for p in periods)
    return f"{_PREFIX}:periods:{spans}:chart:{chart_period.start:%Y%m%d}-{chart_period.end:%Y%m%d}"


def today_sections(now: dt.datetime) -> dict[str, SafeString]:
    """The "as of" line, today's cards and the daily-cap table."""

    def build():
        context = {"today": today_figures(now=now), "line_cap": settings.CAMPAIGN_LINE_DAILY_CAP}
        return {name: render_to_string(f"dashboard/_today_{name}.html", context) for name in TODAY_SECTIONS}

    return cache.get_or_set(today_cache_key(business_today(now=now)), build, FIGURES_CACHE_SECONDS)


def periods_section(*, periods: list[Period], selected: Period | None, chart_period: Period) -> SafeString:
    """The period figures table (one column per period), their definitions and the chart."""

    def build():
        context = {
            "periods": [period_figures(period=period) for period in periods],
            "selected": selected,
            "chart_title": selected.label if selected else "last 30 days",
            "chart_svg": render_activity_chart(activity_chart(daily_activity(period=chart_period))),
            "time_zone": settings.TIME_ZONE,
        }
        return render_to_string("dashboard/_periods.html", context)

    return cache.get_or_set(periods_cache_key(periods, chart_period), build, FIGURES_CACHE_SECONDS)


def campaigns_section(today: dt.date) -> SafeString:
    return _cached(
        f"campaigns:{today:%Y%m%d}",
        lambda: render_to_string(
            "dashboard/_campaigns.html",
            {"campaigns": campaign_rows(today=today), "line_cap": settings.CAMPAIGN_LINE_DAILY_CAP},
        ),
    )


def interested_section(now: dt.datetime) -> SafeString:
    return _cached(
        f"interested:{business_today(now=now):%Y%m%d}",
        lambda: render_to_string(
            "dashboard/_interested.html", {"interested": list(recent_interested_replies()), "now": now}
        ),
    )


def revenue_section(today: dt.date, ab_basis: str) -> SafeString:
    """From reply to revenue per campaign and variant (last 90 days of texts and quotes) and speed to lead."""
    def build():
        period = Period.last_days(90, today=today)
        context = {
            "rows": campaign_money_rows(period=period, ab_basis=ab_basis),
            "ab_basis": ab_basis, "ab_bases": AB_BASES, "ab_label": AB_BASES[ab_basis], "period": period,
            "speed": speed_to_lead(period=Period.last_days(28, today=today)),
            "segment_price": settings.TEXT_SEGMENT_PRICE,
        }
        return render_to_string("dashboard/_revenue.html", context)

    return _cached(f"revenue:{today:%Y%m%d}:{ab_basis}", build)
