"""In Chromium: five wrong passwords lock the admin's and the dashboard's sign-in; the page says when to try
again; a superuser under the production rule must set up the second factor (QR code drawn locally) first."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from contacts.roles import OFFICE_STAFF
from tests.browser import PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"


@pytest.mark.parametrize(("url_name", "submit"), [("admin:login", "input[type=submit]"),
                                                  ("dashboard:login", "button[type=submit]")])
def test_five_wrong_passwords_lock_the_sign_in(live_server, page, url_name, submit):
    clerk = UserFactory(username="oscar.office")
    clerk.groups.add(Group.objects.get(name=OFFICE_STAFF))
    for attempt in range(5):
        page.goto(live_server.url + reverse(url_name))
        page.fill("#id_username", clerk.username)
        page.fill("#id_password", f"wrong-{attempt}")
        page.click(submit)
        if attempt < 4:
            assert "correct username and password" in page.content() or "Please enter" in page.content()
    page.goto(live_server.url + reverse(url_name))
    page.fill("#id_username", clerk.username)
    page.fill("#id_password", PASSWORD)
    page.click(submit)
    assert page.locator("h1").inner_text() == "Too many failed sign-ins"
    assert "Try again after" in page.locator("#try-again").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sign-in-locked-{url_name.split(':')[0]}.png"))
    page.goto(live_server.url + reverse("admin:index"))
    assert reverse("admin:login") in page.url  # not signed in


def test_a_superuser_sets_up_the_second_factor_before_reaching_the_admin(live_server, page, settings):
    settings.OTP_REQUIRED_FOR_MANAGERS = True  # as crm.settings.production
    UserFactory(username="root", is_superuser=True)
    page.goto(live_server.url + reverse("admin:index"))
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    assert reverse("two_factor_setup") in page.url
    assert page.locator("#qr-code svg").count() == 1
    page.goto(live_server.url + reverse("admin:contacts_contact_changelist"))
    assert reverse("two_factor_setup") in page.url  # nothing else until it is set up
    device = TOTPDevice.objects.get(user__username="root", confirmed=False)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.fill("#id_code", f"{code:06d}")
    page.click("input[type=submit][value='Turn on two-step sign-in']")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("#continue")
    page.goto(live_server.url + reverse("admin:contacts_contact_changelist"))
    assert page.url.endswith(reverse("admin:contacts_contact_changelist"))
