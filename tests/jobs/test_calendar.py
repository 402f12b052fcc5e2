"""A staff member's private calendar feed, read back with the icalendar library."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.urls import reverse

from jobs import services
from jobs.models import AppointmentState, CalendarFeed
from tests.factories import ContactFactory, PropertyFactory, UserFactory
from tests.jobs.conftest import ny

pytestmark = pytest.mark.django_db


def _events(client, token):
    response = client.get(reverse("jobs:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


@time_machine.travel(ny(2026, 3, 1, 12), tick=True)
def test_the_feed_lists_the_users_visits_with_zoned_times_stable_uids_and_rising_sequence(client):
    mike, other = UserFactory(username="mike"), UserFactory(username="other")
    contact = ContactFactory(first_name="Jane", last_name="Doe")
    house = PropertyFactory(address="12 Elm St", city="Worcester", state="MA")
    visit = services.appointment_create(contact=contact, property=house, assignee=mike,
                                        starts_at=ny(2026, 3, 11, 9), ends_at=ny(2026, 3, 11, 10))
    services.appointment_create(contact=contact, assignee=other, starts_at=ny(2026, 3, 12, 9),
                                ends_at=ny(2026, 3, 12, 10))
    token = services.calendar_feed_get_or_create(user=mike).token

    [event] = _events(client, token)
    start = event.decoded("dtstart")
    assert start == ny(2026, 3, 11, 9) and start.tzinfo is not None
    assert str(event["dtstart"].params.get("TZID")) == "America/New_York"
    assert event.decoded("dtend") == ny(2026, 3, 11, 10)
    assert str(event["summary"]) == "Estimate visit: Jane Doe"
    assert str(event["location"]) == "12 Elm St, Worcester, MA"
    first_uid, first_sequence = str(event["uid"]), int(event["sequence"])

    services.appointment_update(appointment=visit, starts_at=ny(2026, 3, 11, 13), ends_at=ny(2026, 3, 11, 14))
    [moved] = _events(client, token)
    assert str(moved["uid"]) == first_uid
    assert int(moved["sequence"]) > first_sequence
    assert moved.decoded("dtstart").astimezone(ZoneInfo("UTC")) == datetime.datetime(2026, 3, 11, 17, tzinfo=ZoneInfo("UTC"))

    services.appointment_update(appointment=visit, state=AppointmentState.CANCELLED)
    [cancelled] = _events(client, token)
    assert str(cancelled["status"]) == "CANCELLED" and str(cancelled["uid"]) == first_uid


def test_a_replaced_address_stops_working_and_unknown_tokens_are_404(client):
    user = UserFactory(username="mike")
    old = services.calendar_feed_get_or_create(user=user).token
    new = services.calendar_feed_revoke(user=user).token
    assert new != old
    assert client.get(reverse("jobs:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("jobs:calendar_feed", args=[new])).status_code == 200
    assert client.get(reverse("jobs:calendar_feed", args=["guess"])).status_code == 404


def test_office_staff_find_and_replace_their_calendar_address(office_client, office_user):
    page = office_client.get(reverse("admin:jobs_my_calendar"))
    feed = CalendarFeed.objects.get(user=office_user)
    assert feed.token in page.content.decode()
    office_client.post(reverse("admin:jobs_my_calendar"))
    feed.refresh_from_db()
    assert feed.token not in page.content.decode()
