"""Steps the browser tests share (the Chromium itself comes from the `browser`/`page` fixtures in conftest)."""
from __future__ import annotations

from django.urls import reverse

# The password tests.factories.UserFactory gives every user.
PASSWORD = "pw-for-tests-1"


def admin_log_in(page, live_server, username: str) -> None:
    """Log in through the admin's own login form, as staff do."""
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
