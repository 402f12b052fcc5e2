"""Brief caching of the dashboard's figures in the configured cache (Redis when REDIS_URL is set).

Everything on the page except "Waiting for us" is cached for FIGURES_CACHE_SECONDS: a morning of
managers refreshing costs one computation a minute. Keys name the business days they cover, so
midnight never serves yesterday's "today".
"""
from __future__ import annotations

import datetime as dt

from django.core.cache import cache

from .charts import activity_chart, render_activity_chart
from .selectors import (
    CampaignRow,
    Period,
    PeriodFigures,
    TodayFigures,
    business_today,
    campaign_rows,
    daily_activity,
    period_figures,
    recent_interested_replies,
    today_figures,
)

# Long enough to spare the database, short enough that a text sent now shows up before anyone wonders.
FIGURES_CACHE_SECONDS = 60
_PREFIX = "dashboard:v1"


def period_cache_key(period: Period) -> str:
    return f"{_PREFIX}:period:{period.start:%Y%m%d}:{period.end:%Y%m%d}"


def today_cache_key(day: dt.date) -> str:
    return f"{_PREFIX}:today:{day:%Y%m%d}"


def cached_today_figures(now: dt.datetime) -> TodayFigures:
    return cache.get_or_set(
        today_cache_key(business_today(now=now)), lambda: today_figures(now=now), FIGURES_CACHE_SECONDS
    )


def cached_period_figures(period: Period) -> PeriodFigures:
    return cache.get_or_set(period_cache_key(period), lambda: period_figures(period=period), FIGURES_CACHE_SECONDS)


def cached_activity_chart_svg(period: Period) -> str:
    """The chart's SVG markup, kept rendered: drawing it is most of the page's template work."""
    return cache.get_or_set(
        f"{_PREFIX}:chart:{period.start:%Y%m%d}:{period.end:%Y%m%d}",
        lambda: render_activity_chart(activity_chart(daily_activity(period=period))),
        FIGURES_CACHE_SECONDS,
    )


def cached_campaign_rows(today: dt.date) -> list[CampaignRow]:
    return cache.get_or_set(
        f"{_PREFIX}:campaigns:{today:%Y%m%d}", lambda: campaign_rows(today=today), FIGURES_CACHE_SECONDS
    )


def cached_recent_interested_replies() -> list:
    return cache.get_or_set(
        f"{_PREFIX}:interested", lambda: list(recent_interested_replies()), FIGURES_CACHE_SECONDS
    )
