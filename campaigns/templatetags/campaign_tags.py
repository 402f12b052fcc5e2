"""The A/B test's result in plain words, with the statistics behind a toggle.

Used by the campaign page in the admin and by the manager dashboard, so both say it the same way.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import template

from campaigns.selectors import SIGNIFICANCE_LEVEL, SignificanceTest

register = template.Library()


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _response_rates(variants: Mapping | Iterable) -> dict[str, float | None]:
    """{"A": 0.06, "B": 0.215} from a campaign's metrics (a dict by variant) or the dashboard's list."""
    items = variants.values() if isinstance(variants, Mapping) else variants
    return {item.variant: item.response_rate for item in items}


def ab_sentence(test: SignificanceTest, rates: Mapping[str, float | None]) -> str:
    """"B did better: 21.5 % replied against 6.0 %, unlikely to be chance." and its weaker forms."""
    if test.leader is None:
        return f"No difference so far: {_rate(rates.get('A'))} replied to each version."
    other = "A" if test.leader == "B" else "B"
    leading, trailing = _rate(rates.get(test.leader)), _rate(rates.get(other))
    if test.significant:
        return f"{test.leader} did better: {leading} replied against {trailing}, unlikely to be chance."
    return f"{test.leader} is ahead so far: {leading} replied against {trailing}, but that could still be chance."


@register.inclusion_tag("campaigns/ab_result.html")
def ab_result(test: SignificanceTest | None, variants, compact: bool = False) -> dict:
    """The result sentence, and z and p inside a <details> toggle."""
    if test is None:
        return {"test": None}
    return {
        "test": test, "sentence": ab_sentence(test, _response_rates(variants)), "compact": compact,
        "z": f"{test.z:.2f}", "p": "< 0.001" if test.p_value < 0.001 else f"= {test.p_value:.4f}",
        "level": f"{SIGNIFICANCE_LEVEL:g}",
    }
