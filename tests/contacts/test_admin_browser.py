"""The office's screen in a real browser: log in, find a homeowner by a number typed any way, read the page."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import ActivityKind, Direction
from tests.browser import admin_log_in, save_screenshot
from tests.factories import ActivityFactory, ContactFactory, PropertyContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def homeowner():
    """Made before the browser starts: Playwright's event loop makes the ORM refuse to run beside it."""
    UserFactory(username="boss", is_superuser=True)
    homeowner = ContactFactory(first_name="Maureen", last_name="Kelly", phone="+16175550123")
    ContactFactory(first_name="Someone", last_name="Else", phone="+16175550199")
    PropertyContactFactory(contact=homeowner, property__address="48 Chadwick St", property__city="Haverhill")
    now = timezone.now()
    ActivityFactory(contact=homeowner, direction=Direction.INCOMING, body="Can you look at our bulkhead crack?",
                    occurred_at=now - datetime.timedelta(hours=2))
    ActivityFactory(contact=homeowner, kind=ActivityKind.VOICEMAIL, direction=Direction.INCOMING, body="",
                    duration_seconds=42, recording_url="https://recordings.example.com/RE1.mp3",
                    occurred_at=now - datetime.timedelta(hours=1))
    return homeowner


def test_staff_find_a_homeowner_by_phone_and_read_the_timeline(live_server, homeowner, page):
    admin_log_in(page, live_server, "boss")
    page.goto(f"{live_server.url}/admin/contacts/contact/")
    page.fill("#searchbar", "617.555.0123")
    page.press("#searchbar", "Enter")
    page.wait_for_url(lambda url: "q=617.555.0123" in url)
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "(617) 555-0123" in rows.first.inner_text()
    assert "48 Chadwick St, Haverhill" in rows.first.inner_text()

    rows.first.locator("th a").click()
    page.wait_for_url(lambda url: "/change/" in url)
    timeline = page.locator("#timeline")
    expect(timeline).to_be_visible()
    entries = timeline.locator("li.entry")
    assert entries.count() == 2
    assert "Voicemail" in entries.nth(0).inner_text()  # newest first
    assert entries.nth(0).locator("a", has_text="Listen to the recording").get_attribute("href") == (
        "https://recordings.example.com/RE1.mp3"
    )
    assert "bulkhead crack" in entries.nth(1).inner_text()
    assert page.locator("#id_phone").input_value() == "(617) 555-0123"
    save_screenshot(page, "contact", readme=True)  # the README's picture of a homeowner's page
