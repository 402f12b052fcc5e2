"""Sign-in lockout (django-axes): five wrong passwords for one username from one address lock the admin's
and the dashboard's sign-in for 30 minutes; a manager unlocks from the admin, an operator from the command line."""
from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contacts.roles import MANAGER, OFFICE_STAFF
from tests.browser import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN_PAGES = [reverse("admin:login"), reverse("dashboard:login")]


@pytest.fixture
def office_staff(db):
    user = UserFactory(username="oscar.office")
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    return user


@pytest.fixture
def manager(db):
    user = UserFactory(username="maria.manager")
    user.groups.add(Group.objects.get(name=MANAGER))
    return user


def _sign_in(client, url, username, password, address="203.0.113.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, url, username, times, address="203.0.113.7"):
    """`times` wrong passwords; the fifth failure already answers with the lockout page."""
    for n in range(times):
        response = _sign_in(client, url, username, "wrong password", address)
        assert response.status_code == (200 if n < 4 else 429)


@pytest.mark.parametrize("url", SIGN_IN_PAGES)
def test_four_wrong_passwords_still_let_the_right_one_in(client, office_staff, url):
    _fail(client, url, office_staff.username, 4)
    response = _sign_in(client, url, office_staff.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(office_staff.pk)
    assert not AccessAttempt.objects.filter(username=office_staff.username).exists()  # success resets the count


@pytest.mark.parametrize("url", SIGN_IN_PAGES)
def test_five_wrong_passwords_lock_out_even_the_right_one_and_say_when_to_try_again(client, office_staff, url):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        _fail(client, url, office_staff.username, 5)
        response = _sign_in(client, url, office_staff.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    until = timezone.localtime(now + dt.timedelta(minutes=30))
    assert until.strftime("%-I:%M") in page
    assert f'datetime="{until.strftime("%Y-%m-%dT%H:%M:%S")}' in page


def test_the_lockout_is_shared_by_the_admin_and_the_dashboard(client, office_staff):
    _fail(client, reverse("admin:login"), office_staff.username, 3)
    assert _sign_in(client, reverse("dashboard:login"), office_staff.username, "wrong").status_code == 200
    assert _sign_in(client, reverse("dashboard:login"), office_staff.username, "wrong").status_code == 429
    assert _sign_in(client, reverse("admin:login"), office_staff.username, PASSWORD).status_code == 429
    assert _sign_in(client, reverse("dashboard:login"), office_staff.username, PASSWORD).status_code == 429


def test_the_lockout_is_per_user_and_address(client, office_staff, manager):
    _fail(client, reverse("admin:login"), office_staff.username, 5, address="203.0.113.7")
    # Same user from another address, another user from the same address: not locked.
    assert _sign_in(client, reverse("admin:login"), office_staff.username, PASSWORD, "198.51.100.2").status_code == 302
    client.logout()
    assert _sign_in(client, reverse("admin:login"), manager.username, PASSWORD, "203.0.113.7").status_code == 302


def test_the_lockout_ends_after_30_minutes(client, office_staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, reverse("admin:login"), office_staff.username, 5)
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert _sign_in(client, reverse("admin:login"), office_staff.username, PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert _sign_in(client, reverse("admin:login"), office_staff.username, PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(client, office_staff, settings):
    settings.AXES_BEHIND_PROXY = True
    url = reverse("admin:login")
    for n in range(5):  # a client forging X-Forwarded-For cannot make each attempt look like a new address
        client.post(url, {"username": office_staff.username, "password": "wrong"},
                    REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")
    locked = client.post(url, {"username": office_staff.username, "password": PASSWORD},
                         REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert locked.status_code == 429
    other = client.post(url, {"username": office_staff.username, "password": PASSWORD},
                        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert other.status_code == 302


def test_the_unlock_command_lets_the_user_in_again(client, office_staff):
    _fail(client, reverse("admin:login"), office_staff.username, 5)
    out = StringIO()
    call_command("user_unlock", office_staff.username, stdout=out)
    assert f"{office_staff.username}: unlocked" in out.getvalue()
    assert _sign_in(client, reverse("admin:login"), office_staff.username, PASSWORD).status_code == 302
    out = StringIO()
    call_command("user_unlock", office_staff.username, stdout=out)
    assert "was not locked out" in out.getvalue()


def test_a_superuser_unlocks_from_the_users_list(client, office_staff):
    admin_user = UserFactory(username="root", is_superuser=True)
    _fail(client, reverse("admin:login"), office_staff.username, 5)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [office_staff.pk]}, follow=True,
    )
    assert f"Unlocked: {office_staff.username}" in response.content.decode()
    client.logout()
    assert _sign_in(client, reverse("admin:login"), office_staff.username, PASSWORD).status_code == 302


def test_office_staff_cannot_unlock_anyone(client, office_staff, manager):
    _fail(client, reverse("admin:login"), manager.username, 5)
    client.force_login(office_staff)
    response = client.post(
        reverse("admin:auth_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [manager.pk]},
    )
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username=manager.username).exists()


def test_a_manager_sees_lockouts_but_cannot_unlock_without_the_change_user_permission(client, office_staff, manager):
    """Managers may view users, not change them: unlocking is for whoever administers accounts."""
    _fail(client, reverse("admin:login"), office_staff.username, 5)
    client.force_login(manager)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    page = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "unlock_sign_in" not in page
