"""Template helpers for the dashboard: rates as percentages, and who counts as a manager."""
from __future__ import annotations

from django import template

from crm.dashboard.access import user_is_manager

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.1234 -> "12.3%"; None (nothing to divide by) -> an em dash."""
    if value is None:
        return "—"
    return f"{value * 100:.{int(digits)}f}%"


@register.filter
def share_width(value: float | None) -> str:
    """A ratio as a CSS width between 0% and 100%."""
    if not value:
        return "0%"
    return f"{min(max(value, 0.0), 1.0) * 100:.1f}%"


@register.filter
def is_manager(user) -> bool:
    return user_is_manager(user)
