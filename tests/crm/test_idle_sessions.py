"""Sessions end after 8 hours without a request; using the site keeps them going."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from contacts.roles import OFFICE_STAFF
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db):
    user = UserFactory(username="oscar.office")
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    return user


def test_eight_hours_idle_signs_out(client, clerk, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(clerk)
        assert client.get(reverse("admin:index")).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=8, minutes=1), tick=False):
        response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_working_through_the_day_keeps_the_session(client, clerk):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(clerk)
    for hours in (3, 6, 9, 12):  # a request every 3 hours: never 8 hours idle
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            assert client.get(reverse("admin:index")).status_code == 200, f"signed out after {hours} h"
