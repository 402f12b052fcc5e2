"""The live character and segment counter under the campaign templates, in Chromium."""

import pytest
from django.urls import reverse

from contacts.roles import MANAGER
from tests.browser import admin_log_in
from tests.factories import group_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_user():
    """A member of the real Manager group (managers write campaigns). Created before Playwright
    starts: ORM calls made while its event loop runs would open a second, never-closed database
    connection (Django keys connections by async context)."""
    return group_member(MANAGER, "maria.manager")


def test_counter_updates_as_staff_type_and_switches_to_ucs2(manager_user, live_server, page):
    admin_log_in(page, live_server, "maria.manager")
    page.goto(live_server.url + reverse("admin:campaigns_campaign_add"))

    counter = page.locator("#id_template_a + .sms-counter")
    page.fill("#id_template_a", "a" * 160)
    assert counter.inner_text().startswith("As typed: 160 characters, 1 segment (GSM-7).")
    page.fill("#id_template_a", "a" * 161)
    assert "161 characters, 2 segments (GSM-7)" in counter.inner_text()
    page.fill("#id_template_a", "Hi {first_name|there} 😀")
    text = counter.inner_text()
    assert "As typed: 23 characters, 1 segment (UCS-2)" in text
    # "Jennifer" stands in for the first name: "Hi Jennifer 😀" is 13 characters.
    assert "With typical names and addresses: 13 characters, 1 segment (UCS-2)" in text
    page.fill("#id_template_a", "€" * 81)
    assert "81 characters, 2 segments (GSM-7)" in counter.inner_text()
    assert page.locator("#id_template_b + .sms-counter").inner_text().startswith("As typed: 0 characters, 0 segments")
