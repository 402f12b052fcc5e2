"""Run the vendored axe-core in a Playwright page and measure the page at phone width."""
from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"critical", "serious"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def axe_violations(page) -> list[dict]:
    """axe's WCAG 2.0/2.1 A and AA violations on the page as it is now, critical and serious only."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict], examples: int = 3) -> list[str]:
    """One line per failing rule: rule id, impact, how many elements, the first CSS targets, what to do."""
    lines = []
    for v in violations:
        targets = [" ".join(" > ".join(t) if isinstance(t, list) else t for t in node["target"]) for node in v["nodes"]]
        more = f" and {len(targets) - examples} more" if len(targets) > examples else ""
        lines.append(f"{v['id']} ({v['impact']}), {len(targets)} element(s): {v['help']} at "
                     + " | ".join(targets[:examples]) + more + f" [{v['helpUrl']}]")
    return lines


def page_width(page) -> int:
    """How wide the document is: wider than the viewport means the whole page scrolls sideways."""
    return page.evaluate("() => document.documentElement.scrollWidth")


def widest_elements(page, limit: int = 5) -> list[str]:
    """The elements reaching furthest right: where to look when a page is too wide."""
    return page.evaluate(
        """(limit) => {
            const vw = document.documentElement.clientWidth;
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.right > vw + 1 && r.width > 0) {
                    const id = el.id ? '#' + el.id : '';
                    const cls = el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
                    out.push([r.right, el.tagName.toLowerCase() + id + cls]);
                }
            }
            out.sort((a, b) => b[0] - a[0]);
            return out.slice(0, limit).map(([right, name]) => `${name} (right edge ${Math.round(right)} px)`);
        }""",
        limit,
    )
