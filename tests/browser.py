"""Steps the browser tests share (the Chromium itself comes from the `browser`/`page` fixtures in conftest)."""
from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.urls import reverse

# The password tests.factories.UserFactory gives every user.
PASSWORD = "pw-for-tests-1"

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"  # every run's screenshots (git-ignored)
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"  # the README's, committed


def admin_log_in(page, live_server, username: str) -> None:
    """Log in through the admin's own login form, as staff do."""
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.wait_for_load_state()


def save_screenshot(page, name: str, *, readme: bool = False, **options) -> Path:
    """Save a screenshot as artifacts/<name>.png; with UPDATE_SCREENSHOTS=1, README's ones also go to docs/screenshots/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **options)
    if readme and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **options)
    return path
