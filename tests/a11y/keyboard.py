"""Walk a page with the Tab key, as someone without a mouse does, and record what got focus and how it looked."""
from __future__ import annotations

from dataclasses import dataclass

# Everything a keyboard user must be able to reach: visible, enabled, not taken out of the tab order.
MARK_FOCUSABLES = """(scope) => {
    const root = document.querySelector(scope) || document.body;
    const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
    let n = 0;
    for (const el of root.querySelectorAll(selector)) {
        const hidden = el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden';
        if (hidden || el.disabled || el.tabIndex < 0 || el.closest('[inert], [aria-hidden=true]')) continue;
        // Inside a closed <details> only its summary shows (Chromium still lays the rest out, hidden).
        const closed = el.closest('details:not([open])');
        if (closed && !(el.tagName === 'SUMMARY' && el.parentElement === closed)) continue;
        el.dataset.kbd = String(n++);
    }
    return n;
}"""

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
        || style.boxShadow !== 'none' || !!el.closest('.select2-container--focus');
    const name = el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].innerText)
        || el.innerText || el.value || el.name || el.id || el.tagName;
    return {kbd: el.dataset.kbd === undefined ? null : Number(el.dataset.kbd), ring: ring, tag: el.tagName.toLowerCase(),
            id: el.id, name: String(name).trim().slice(0, 60), tabindex: el.getAttribute('tabindex')};
}"""


@dataclass
class Stop:
    kbd: int | None
    ring: bool
    tag: str
    id: str
    name: str
    tabindex: str | None


def tab_walk(page, scope: str = "body", limit: int = 400) -> tuple[int, list[Stop]]:
    """Mark the focusable elements under `scope`, then press Tab from the top of the page until focus leaves
    the page or comes round again. Returns how many were marked and each stop in order."""
    total = page.evaluate(MARK_FOCUSABLES, scope)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    stops: list[Stop] = []
    seen: set[int] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info is None:
            break
        stop = Stop(**info)
        if stops and stop.kbd is not None and stop.kbd == stops[-1].kbd:
            continue  # Tab moves between the month, day and year parts of one date field
        if stop.kbd is not None and stop.kbd in seen:
            break
        if stop.kbd is not None:
            seen.add(stop.kbd)
        stops.append(stop)
    return total, stops
