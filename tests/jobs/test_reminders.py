"""Reminder texts: 6 PM the day before in the homeowner's zone, once, through message_send (frozen clock)."""
from __future__ import annotations

import os
import threading

import pytest
import time_machine
from django.db import connection

from contacts.services import contact_opt_out
from jobs import services
from jobs.models import Appointment, AppointmentState, ReminderTemplate
from tests.factories import ContactFactory, PropertyFactory
from tests.jobs.conftest import ny

pytestmark = pytest.mark.django_db


def _visit(**contact_fields):
    contact = ContactFactory(first_name="Jane", **contact_fields)
    house = PropertyFactory(address="12 Elm St", city="Worcester", state="MA")
    # Wednesday March 11, 2026, 9-10 AM in Massachusetts.
    return services.appointment_create(
        contact=contact, property=house, starts_at=ny(2026, 3, 11, 9), ends_at=ny(2026, 3, 11, 10)
    )


def _run(at):
    with time_machine.travel(at, tick=False):
        return services.appointment_reminders_send()


def test_the_reminder_goes_once_from_6_pm_the_day_before_with_the_saved_template(outbox):
    ReminderTemplate.objects.filter(kind="estimate").update(
        body="Hi {first_name|there}, see you {day}, {time_window} at {address}."
    )
    visit = _visit()
    assert _run(ny(2026, 3, 10, 17, 59)).sent == 0
    assert outbox == []
    assert _run(ny(2026, 3, 10, 18, 0)).sent == 1
    assert _run(ny(2026, 3, 10, 18, 10)).sent == 0  # never twice
    assert [(m.to, m.body) for m in outbox] == [
        (visit.contact.phone, "Hi Jane, see you Wednesday, March 11, 9:00–10:00 AM at 12 Elm St.")
    ]
    visit.refresh_from_db()
    assert visit.reminder_sent_at == ny(2026, 3, 10, 18, 0) and visit.reminder_result == "Sent"


def test_the_hour_is_the_homeowners_own(outbox):
    # A house in California: 6 PM Pacific is 9 PM in the business's zone.
    contact = ContactFactory(first_name="Cal", mailing_state="CA", phone="+14155550123")
    house = PropertyFactory(address="1 Bay St", city="San Francisco", state="CA", zip_code="94105")
    services.appointment_create(contact=contact, property=house, starts_at=ny(2026, 3, 11, 12),
                                ends_at=ny(2026, 3, 11, 13))
    assert _run(ny(2026, 3, 10, 20, 59)).sent == 0
    assert _run(ny(2026, 3, 10, 21, 0)).sent == 1
    assert "9:00–10:00 AM" in outbox[0].body  # the window in the homeowner's time


def test_an_opted_out_homeowner_gets_no_reminder_and_the_visit_says_why(outbox):
    visit = _visit()
    contact_opt_out(contact=visit.contact, reason="STOP", source="inbound_message")
    assert _run(ny(2026, 3, 10, 18, 0)).refused == 1
    assert _run(ny(2026, 3, 10, 18, 10)).refused == 0  # refused once, not retried every run
    assert outbox == []
    visit.refresh_from_db()
    assert visit.reminder_result.startswith("Not sent: ") and "opted out" in visit.reminder_result


def test_a_cancelled_visit_sends_nothing(outbox):
    visit = _visit()
    services.appointment_update(appointment=visit, state=AppointmentState.CANCELLED)
    _run(ny(2026, 3, 10, 18, 0))
    _run(ny(2026, 3, 11, 8, 0))
    assert outbox == []


def test_a_moved_visit_is_reminded_of_the_new_time_only(outbox):
    visit = _visit()
    _run(ny(2026, 3, 10, 18, 0))
    with time_machine.travel(ny(2026, 3, 10, 19, 0), tick=False):
        services.appointment_update(appointment=visit, starts_at=ny(2026, 3, 13, 14), ends_at=ny(2026, 3, 13, 15))
    assert _run(ny(2026, 3, 11, 18, 0)).sent == 0  # the old day's evening: nothing stale
    assert _run(ny(2026, 3, 12, 18, 0)).sent == 1
    assert [m.body for m in outbox][1].count("Friday, March 13, 2:00–3:00 PM") == 1
    assert len(outbox) == 2


def test_outside_calling_hours_the_reminder_waits_for_the_next_run(outbox):
    # Massachusetts allows texts until 8 PM: a run at 8:30 PM keeps the reminder for the next run
    # inside the window (8 AM), before the 9 AM visit.
    visit = _visit()
    assert _run(ny(2026, 3, 10, 20, 30)).postponed == 1
    visit.refresh_from_db()
    assert visit.reminder_sent_at is None and outbox == []
    assert _run(ny(2026, 3, 11, 8, 0)).sent == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_text(outbox):
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run this on PostgreSQL (DATABASE_URL)")
        pytest.skip("needs concurrent connections (PostgreSQL)")
    _visit()
    barrier = threading.Barrier(2)
    results = []

    def run():
        from django.db import connections

        barrier.wait()
        results.append(_run(ny(2026, 3, 10, 18, 0)).sent)
        connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [0, 1]
    assert len(outbox) == 1
    assert Appointment.objects.get().reminder_result == "Sent"
