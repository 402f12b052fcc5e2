"""A manager signs in through the dashboard's form in Chromium and reads the dashboard; a screenshot is kept."""
from __future__ import annotations

import pytest
from django.urls import reverse

from contacts.models import Activity, ActivityKind, Direction
from dashboard.selectors import Period, business_today
from tests.browser import ARTIFACTS, save_screenshot

from . import recent_activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_sees_the_chart_and_todays_figures(live_server, browser, manager):
    recent_activity.build()
    today = business_today()
    start, end = Period(today, today).bounds()
    sent_today = Activity.objects.filter(
        kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING, occurred_at__gte=start, occurred_at__lt=end
    ).count()
    start_30, end_30 = Period.last_days(30, today=today).bounds()
    sent_30 = Activity.objects.filter(
        kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING, occurred_at__gte=start_30, occurred_at__lt=end_30
    ).count()

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + reverse("dashboard:index"))
    assert reverse("dashboard:login") in page.url  # anonymous: to the dashboard's sign-in form
    page.fill("#id_username", manager.username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("dashboard:index"))

    assert page.locator("h1").inner_text() == "Outreach today"
    bars = page.locator("#activity-chart rect.bar")
    assert bars.count() == 30
    heights = [float(h) for h in bars.evaluate_all("els => els.map(e => e.getAttribute('height'))")]
    assert sum(1 for h in heights if h > 0) >= 20  # the weekdays are drawn
    assert page.locator("#activity-chart polyline.replies-line").get_attribute("points").count(",") == 30
    box = page.locator("#activity-chart svg").bounding_box()
    assert box["width"] > 600 and box["height"] > 150  # laid out, not collapsed
    assert page.locator('[data-figure="today-texts-sent"]').inner_text() == f"{sent_today:,}"
    assert page.locator('[data-figure="period-2-texts-sent"]').inner_text() == f"{sent_30:,}"

    save_screenshot(page, "dashboard", readme=True, full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "dashboard-print.png"), full_page=True)
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
