"""The accessibility gate: every office and manager page passes axe-core's WCAG 2.1 A/AA rules with no
critical or serious violation, and fits a 390 px phone without sideways scrolling.

Each role opens every page of tests/a11y/pages.py that is theirs, at desktop and at phone width, as a real
member of the "Office staff" or "Manager" group (or signed out, for the sign-in pages). All failures of
a role are collected and reported together: rule id, impact, CSS target and axe's advice per element.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

from tests.browser import admin_log_in

from .axe import DESKTOP, PHONE, axe_violations, describe, page_width, widest_elements
from .pages import ANONYMOUS, MANAGER, OFFICE, PAGES
from .seed import MANAGER_USER, OFFICE_USER, seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "a11y"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
USERS = {OFFICE: OFFICE_USER, MANAGER: MANAGER_USER}


@pytest.fixture
def seeded(db):
    """Made before the browser starts: Playwright's event loop makes the ORM refuse to run beside it."""
    return seed()


def _exists(path: str) -> bool:
    """Whether a URL pattern of its own answers the path (the admin's unnamed catch-all does not count)."""
    try:
        return bool(resolve(path.split("?")[0]).url_name)
    except Resolver404:
        return False


def _settle(page) -> None:
    """Wait until select2 has built every picker and our scripts have had a frame to label them."""
    page.wait_for_function(
        "() => document.querySelectorAll('.select2-container').length >="
        " document.querySelectorAll('select.admin-autocomplete:not([name*=__prefix__])').length"
    )
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _keep_screenshot(page, name: str) -> None:
    """Always into artifacts/; into docs/screenshots/ (committed) when UPDATE_SCREENSHOTS=1."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / name, SCREENSHOTS / name)


@pytest.mark.parametrize("role", [OFFICE, MANAGER, ANONYMOUS])
def test_every_page_passes_axe_and_fits_a_phone(role, seeded, live_server, browser):
    pages = [p for p in PAGES if role in p.roles and (not p.optional or _exists(p.path.format(**seeded)))]
    assert pages, f"no page in tests/a11y/pages.py for {role}"
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    if role in USERS:
        admin_log_in(page, live_server, USERS[role])
        page.wait_for_url(f"{live_server.url}/admin/")

    problems: dict[str, list[str]] = {}
    for entry in pages:
        url = live_server.url + entry.path.format(**seeded)
        found: list[str] = []
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            response = page.goto(url)
            _settle(page)
            if response.status != entry.status:
                found.append(f"HTTP {response.status} at {viewport['width']} px, expected {entry.status}")
                break
            for line in describe(axe_violations(page)):
                if line not in found:
                    found.append(line)
            if viewport is PHONE:
                width = page_width(page)
                if width > PHONE["width"]:
                    found.append(f"{width} px wide at a {PHONE['width']} px phone; widest: "
                                 + "; ".join(widest_elements(page)))
                if entry.screenshot and role == MANAGER:
                    _keep_screenshot(page, entry.screenshot)
        print(f"{role}: {entry.name} ({entry.path}): {len(found)} problem(s)")
        if found:
            problems[f"{entry.name} ({url})"] = found
    context.close()

    report = "\n".join(f"\n{name}:\n  " + "\n  ".join(lines) for name, lines in problems.items())
    assert not problems, f"{len(problems)} of {len(pages)} pages fail for {role}:{report}"
