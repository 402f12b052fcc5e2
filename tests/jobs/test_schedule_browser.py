"""An office staff member schedules an estimate from the homeowner's page, or from an inbox thread, in a real browser."""
from __future__ import annotations

import datetime

import pytest
import time_machine

from contacts.models import LeadStatus
from jobs.models import Appointment
from tests.browser import admin_log_in
from tests.factories import ActivityFactory, ContactFactory, ConversationFactory, PropertyContactFactory
from tests.jobs.conftest import ny

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@time_machine.travel(ny(2026, 3, 9, 10, 0), tick=True)
def test_office_staff_schedule_an_estimate_from_the_contact_page(live_server, page, office_user):
    contact = ContactFactory(first_name="Jane", last_name="Doe", lead_status=LeadStatus.INTERESTED)
    house = PropertyContactFactory(contact=contact).property

    admin_log_in(page, live_server, office_user.username)
    page.goto(f"{live_server.url}/admin/contacts/contact/{contact.pk}/change/")
    page.click("text=Schedule estimate")

    page.wait_for_selector("#appointment_form")
    # The homeowner and the house are filled in already.
    assert page.input_value("#id_contact") == str(contact.pk)
    assert page.input_value("#id_property") == str(house.pk)
    page.fill("#id_starts_at_0", "2026-03-10")
    page.fill("#id_starts_at_1", "09:00")
    page.fill("#id_ends_at_0", "2026-03-10")
    page.fill("#id_ends_at_1", "10:00")
    page.click("input[name=_save]")

    page.wait_for_selector(".messagelist .success")
    visit = Appointment.objects.get()
    assert (visit.contact, visit.property, visit.kind) == (contact, house, "estimate")
    assert visit.starts_at == ny(2026, 3, 10, 9) and visit.ends_at - visit.starts_at == datetime.timedelta(hours=1)
    assert visit.created_by == office_user
    contact.refresh_from_db()
    assert contact.lead_status == LeadStatus.APPOINTMENT

    # Tomorrow's visit is on "My day", reached from the admin header.
    page.click("#my-day-link")
    page.wait_for_selector("#my-day")
    assert "Jane Doe" in page.inner_text("#my-day-visits")


@time_machine.travel(ny(2026, 3, 9, 10, 0), tick=True)
def test_office_staff_schedule_an_estimate_from_an_inbox_thread(live_server, page, office_user):
    contact = ContactFactory(first_name="Mary", last_name="Ortiz", lead_status=LeadStatus.INTERESTED)
    house = PropertyContactFactory(contact=contact).property
    conversation = ConversationFactory(contact=contact, waiting_for_reply=True)
    ActivityFactory(
        contact=contact, conversation=conversation, direction="incoming", status="received",
        body="Yes please, can someone look at the crack this week?", occurred_at=ny(2026, 3, 9, 9, 30),
    )

    admin_log_in(page, live_server, office_user.username)
    page.goto(f"{live_server.url}/admin/inbox/{conversation.pk}/")
    page.click("nav.homeowner-actions >> text=Schedule estimate")

    page.wait_for_selector("#appointment_form")
    assert page.input_value("#id_contact") == str(contact.pk)
    assert page.input_value("#id_property") == str(house.pk)
    page.fill("#id_starts_at_0", "2026-03-11")
    page.fill("#id_starts_at_1", "14:00")
    page.fill("#id_ends_at_0", "2026-03-11")
    page.fill("#id_ends_at_1", "15:00")
    page.click("input[name=_save]")

    page.wait_for_selector(".messagelist .success")
    visit = Appointment.objects.get()
    assert (visit.contact, visit.property, visit.kind) == (contact, house, "estimate")
    assert visit.starts_at == ny(2026, 3, 11, 14)
    contact.refresh_from_db()
    assert contact.lead_status == LeadStatus.APPOINTMENT
