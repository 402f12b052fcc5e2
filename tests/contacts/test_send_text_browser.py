"""A staff member texts a homeowner from the contact page in a real browser."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission

from contacts.models import Activity
from tests.browser import admin_log_in
from tests.factories import ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@time_machine.travel(datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York")), tick=True)
def test_staff_sends_a_text_from_the_contact_page(live_server, page, outbox):
    staff = UserFactory(username="office")
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_contact", "change_contact"]))
    contact = ContactFactory(first_name="Jane", last_name="Doe", phone="+16175550123")

    admin_log_in(page, live_server, "office")
    page.goto(f"{live_server.url}/admin/contacts/contact/{contact.pk}/change/")

    page.fill("#send-text-form textarea", "Hi Jane, can we stop by Thursday?")
    page.click("#send-text-form input[type=submit]")

    page.wait_for_selector(".messagelist .success")
    assert page.inner_text(".messagelist .success") == "Text sent to Jane Doe at (617) 555-0123."
    assert [(m.to, m.body) for m in outbox] == [("+16175550123", "Hi Jane, can we stop by Thursday?")]
    assert Activity.objects.get(contact=contact).sent_by == staff
