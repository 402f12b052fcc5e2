"""Brief caching of the heavier dashboard figures in the configured cache (Redis when REDIS_URL is set).

Keys name the business days they cover, so "today" rolling over never serves yesterday's numbers.
"""
from __future__ import annotations

from django.core.cache import cache

from .charts import ActivityChart, activity_chart
from .selectors import CampaignRow, Period, PeriodFigures, campaign_rows, daily_activity, period_figures

# Long enough that a morning of managers refreshing costs one computation a minute, short enough
# that a text sent now shows up before anyone wonders.
FIGURES_CACHE_SECONDS = 60
_PREFIX = "dashboard:v1"


def period_cache_key(period: Period) -> str:
    return f"{_PREFIX}:period:{period.start:%Y%m%d}:{period.end:%Y%m%d}"


def cached_period_figures(period: Period) -> PeriodFigures:
    return cache.get_or_set(
        period_cache_key(period),
        lambda: period_figures(period=period),
        FIGURES_CACHE_SECONDS,
    )


def cached_activity_chart(period: Period) -> ActivityChart:
    return cache.get_or_set(
        f"{_PREFIX}:chart:{period.start:%Y%m%d}:{period.end:%Y%m%d}",
        lambda: activity_chart(daily_activity(period=period)),
        FIGURES_CACHE_SECONDS,
    )


def cached_campaign_rows(today) -> list[CampaignRow]:
    return cache.get_or_set(
        f"{_PREFIX}:campaigns:{today:%Y%m%d}",
        lambda: campaign_rows(today=today),
        FIGURES_CACHE_SECONDS,
    )
