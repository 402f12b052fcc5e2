"""The office's screens in Chromium, as a user of the real "Office staff" group: the index's groups,
the Homeowners list, a property worth $1,182,000, a campaign's A/B result in words, an import run,
the favicon; then what a Manager sees there that office staff do not (Schedules, never crontabs)."""
from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import CampaignStatus, MembershipStatus, Variant
from contacts.roles import MANAGER, OFFICE_STAFF
from properties.models import ImportRun, ImportStatus
from tests.browser import admin_log_in, save_screenshot
from tests.factories import CampaignFactory, CampaignMembershipFactory, PropertyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office_data():
    """Made before the browser starts: Playwright's event loop makes the ORM refuse to run beside it."""
    for username, group in (("olivia.office", OFFICE_STAFF), ("mark.manager", MANAGER)):
        UserFactory(username=username, is_staff=True).groups.add(Group.objects.get(name=group))
    house = PropertyFactory(address="12 Hillcrest Rd", city="Newton", estimated_value=1182000, estimated_equity=820000,
                            equity_percent=69)
    campaign = CampaignFactory(name="Spring foundation check", status=CampaignStatus.COMPLETED,
                               template_b="Hello {first_name|there}, free foundation check in {city}?")
    sent = timezone.now() - datetime.timedelta(days=3)
    # A: 3 of 50 replied (6.0 %); B: 43 of 200 (21.5 %): z = 2.53, p = 0.011.
    for variant, texted, replied in ((Variant.A, 50, 3), (Variant.B, 200, 43)):
        for i in range(texted):
            answered = i < replied
            CampaignMembershipFactory(campaign=campaign, variant=variant, sent_at=sent,
                                      status=MembershipStatus.REPLIED if answered else MembershipStatus.DELIVERED,
                                      replied_at=sent + datetime.timedelta(hours=1) if answered else None)
    run = ImportRun.objects.create(kind="propertyradar", file_name="Spring list.csv", file_sha256="5e" * 32,
                                   status=ImportStatus.COMPLETED, rows_total=1200, rows_done=1200, rows_rejected=394,
                                   batch_size=5000, last_committed_line=1201, finished_at=timezone.now())
    return {"house": house, "campaign": campaign, "run": run}


def _captions(page) -> list[str]:
    return [text.strip() for text in page.locator("#content-main caption").all_text_contents()]  # as written, not as styled


def test_office_staff_walk_their_screens_in_plain_words(live_server, office_data, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    admin_log_in(page, live_server, "olivia.office")

    # The index: the office's groups, nothing of the machinery.
    assert _captions(page) == ["Inbox", "Homeowners", "Properties", "Campaigns", "Imports", "Follow-ups and jobs"]
    main = page.locator("#content-main").text_content().lower()
    for hidden in ("Schedules", "Crontabs", "Intervals", "Task results", "Tokens", "Webhook", "User accounts"):
        assert hidden.lower() not in main
    assert page.locator("a", has_text="View site").get_attribute("href") == "/dashboard/"
    save_screenshot(page, "office-index")

    # The favicon: linked from the page, and /favicon.ico answers with an icon.
    assert page.locator("link[rel=icon]").count() == 2
    icon = page.evaluate("""async () => { const r = await fetch('/favicon.ico');
        return {ok: r.ok, redirected: r.redirected, type: r.headers.get('content-type')}; }""")
    assert icon["ok"] and icon["redirected"] and icon["type"].startswith("image/")

    # The homeowner list is called what it holds.
    page.locator("#content-main a", has_text="Homeowners").first.click()
    page.wait_for_url(lambda url: url.endswith("/admin/contacts/contact/"))
    assert page.locator("#content h1").inner_text() == "Homeowners"
    assert page.title().startswith("Homeowners |")

    # The property page: $1,182,000 fits its box, and the money reads as a sentence.
    page.goto(live_server.url + reverse("admin:properties_property_change", args=[office_data["house"].pk]))
    value = page.locator("#id_estimated_value")
    assert value.input_value() == "1,182,000"
    assert value.evaluate("el => el.scrollWidth <= el.clientWidth")  # nothing cut off
    assert "Worth $1,182,000; equity $820,000 (69 %)" in page.locator(".field-value_summary").inner_text()
    page.locator("#id_estimated_value").scroll_into_view_if_needed()
    save_screenshot(page, "office-property")

    # The campaign's A/B result: a sentence; the statistics open on a click.
    page.goto(live_server.url + reverse("admin:campaigns_campaign_change", args=[office_data["campaign"].pk]))
    assert page.locator(".ab-sentence").inner_text() == (
        "B did better: 21.5 % replied against 6.0 %, unlikely to be chance."
    )
    numbers = page.locator(".ab-numbers p")
    expect(numbers).to_be_hidden()
    page.locator(".ab-numbers summary").click()
    expect(numbers).to_be_visible()
    assert "z = 2.53, p = 0.0114" in numbers.inner_text()
    page.locator(".field-results").scroll_into_view_if_needed()
    save_screenshot(page, "office-campaign-results")

    # The import run: rows imported and rejected first, the fingerprint and batch size folded away.
    page.goto(live_server.url + reverse("admin:properties_importrun_change", args=[office_data["run"].pk]))
    outcome = page.locator(".import-outcome").first
    assert outcome.inner_text().startswith("806 rows imported, 394 rejected")
    rejects = page.locator(".field-outcome a", has_text="Download the 394 rejected rows")
    assert rejects.get_attribute("href") == reverse("admin:properties_importrun_rejects",
                                                    args=[office_data["run"].pk])
    expect(page.get_by_text("5e" * 32)).to_be_hidden()
    page.locator("summary", has_text="Technical details").click()
    expect(page.get_by_text("5e" * 32)).to_be_visible()
    save_screenshot(page, "office-import-run", full_page=True)

    # Dates read one way: the run's end is "Mon Dec 7, 2026, 1:38 PM"-like.
    finished = page.locator(".field-finished_at .readonly").inner_text()
    assert finished == timezone.localtime(office_data["run"].finished_at).strftime("%a %b %-d, %Y, %-I:%M %p")
    page.close()


def test_managers_see_the_schedules_office_staff_do_not(live_server, office_data, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    admin_log_in(page, live_server, "mark.manager")
    captions = _captions(page)
    assert captions[:5] == ["Inbox", "Homeowners", "Properties", "Campaigns", "Imports"]
    assert "Schedules" in captions and "Reports" in captions
    main = page.locator("#content-main").text_content().lower()
    for hidden in ("Crontabs", "Intervals", "Solar events", "Clocked", "Task results", "Tokens"):
        assert hidden.lower() not in main
    page.locator("#content-main tr a", has_text="Schedules").click()
    page.wait_for_url(lambda url: "/admin/django_celery_beat/periodictask/" in url)
    assert page.locator("#content h1").inner_text() == "Schedules"
    page.goto(live_server.url + "/admin/django_celery_beat/crontabschedule/")
    assert "403" in page.title() or page.locator("body").inner_text().strip().startswith("403")
    page.close()
