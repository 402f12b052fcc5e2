"""Second factor (django-otp): required of superusers and managers in production, optional for office staff."""
from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from contacts.roles import MANAGER, OFFICE_STAFF
from tests.browser import PASSWORD
from tests.crm.test_deploy import PRODUCTION, _manage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_rule(settings):
    """What crm.settings.production sets (checked in test_production_requires_it_of_managers)."""
    settings.OTP_REQUIRED_FOR_MANAGERS = True
    settings.OTP_REQUIRED_FOR_STAFF = False


def _sign_in(client, username):
    response = client.post(reverse("admin:login"), {"username": username, "password": PASSWORD,
                                                    "next": reverse("admin:index")})
    assert response.status_code == 302
    return client.get(reverse("admin:index"))


def _current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _enrol(client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert "<svg" in page and "otpauth" not in page  # the QR code is drawn here; the secret URL is not in the page
    device = TOTPDevice.objects.get(confirmed=False)
    done = client.post(reverse("two_factor_setup"), {"code": _current_code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li>(\w+)</li>", done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    return device, codes


def test_production_requires_it_of_managers():
    result = _manage("shell", "-c", "from django.conf import settings as s; "
                     "print(s.OTP_REQUIRED_FOR_MANAGERS, s.OTP_REQUIRED_FOR_STAFF)", **PRODUCTION)
    assert result.stdout.split()[-2:] == ["True", "False"], result.stderr


def test_a_superuser_without_a_second_factor_cannot_reach_the_admin(client, production_rule):
    UserFactory(username="root", is_superuser=True)
    response = _sign_in(client, "root")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))
    for url in (reverse("admin:contacts_contact_changelist"), reverse("dashboard:index"), "/api/v1/contacts/"):
        blocked = client.get(url)
        assert blocked.status_code in (302, 403)
        assert blocked.status_code == 403 or blocked["Location"].startswith(reverse("two_factor_setup"))


def test_a_manager_enrols_and_then_every_sign_in_asks_for_a_code(client, production_rule):
    manager = UserFactory(username="maria.manager")
    manager.groups.add(Group.objects.get(name=MANAGER))
    _sign_in(client, manager.username)
    device, codes = _enrol(client)
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200

    client.logout()
    response = _sign_in(client, manager.username)
    assert response["Location"].startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_verify"), {"code": "000000"})
    assert "That code did not work" in wrong.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    # A recovery code works once (after the pause a wrong code imposes).
    with time_machine.travel(time.time() + 10):
        ok = client.post(reverse("two_factor_verify"), {"code": codes[0], "next": reverse("admin:index")})
        assert ok["Location"] == reverse("admin:index")
        assert client.get(reverse("admin:index")).status_code == 200
        client.logout()
        _sign_in(client, manager.username)
        again = client.post(reverse("two_factor_verify"), {"code": codes[0]})
        assert "That code did not work" in again.content.decode()


def test_office_staff_may_work_without_one_and_may_turn_it_on(client, production_rule):
    clerk = UserFactory(username="oscar.office")
    clerk.groups.add(Group.objects.get(name=OFFICE_STAFF))
    assert _sign_in(client, clerk.username).status_code == 200
    assert "Two-step sign-in is <strong>off</strong>" in client.get(reverse("two_factor")).content.decode()
    device, _ = _enrol(client)
    client.logout()
    with time_machine.travel(time.time() + 60):  # the app shows the next code (each code is accepted once)
        assert _sign_in(client, clerk.username)["Location"].startswith(reverse("two_factor_verify"))
        client.post(reverse("two_factor_verify"), {"code": _current_code(device)})
        assert client.get(reverse("admin:index")).status_code == 200


def test_the_staff_setting_requires_it_of_office_staff(client, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    clerk = UserFactory(username="oscar.office")
    clerk.groups.add(Group.objects.get(name=OFFICE_STAFF))
    assert _sign_in(client, clerk.username)["Location"].startswith(reverse("two_factor_setup"))


def test_a_wrong_code_does_not_turn_it_on(client, production_rule):
    UserFactory(username="root", is_superuser=True)
    _sign_in(client, "root")
    client.get(reverse("two_factor_setup"))
    response = client.post(reverse("two_factor_setup"), {"code": "123456"})
    assert "That code is not the one your app shows now" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.get(reverse("admin:index")).status_code == 302
