"""Template helpers for the dashboard: rates as percentages, and who counts as a manager."""
from __future__ import annotations

from django import template

from dashboard.access import user_is_manager

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


@register.filter
def age(moment, now) -> str:
    """How long ago `moment` was, in the two largest units: "2 d 18 h", "16 h 33 min", "5 min"."""
    if moment is None or now is None:
        return "—"
    minutes = max(0, int((now - moment).total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else "just now"


@register.filter
def p_value(value: float | None) -> str:
    """A test's p-value as people read it: "p = 0.049", "p < 0.001"."""
    if value is None:
        return ""
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"
