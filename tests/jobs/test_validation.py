"""Bad input is refused with a message at the field it is about, in the services, the admin and the database."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from contacts.models import LeadStatus
from contacts.services import contact_opt_out
from jobs import services
from jobs.models import Appointment, Job, Quote, QuoteState
from tests.factories import ContactFactory, PropertyFactory
from tests.jobs.conftest import ny

pytestmark = pytest.mark.django_db


def test_a_visit_ending_before_it_starts_is_refused_at_ends_at():
    contact = ContactFactory()
    with pytest.raises(ValidationError) as refused:
        services.appointment_create(contact=contact, starts_at=ny(2026, 3, 10, 10), ends_at=ny(2026, 3, 10, 9))
    assert refused.value.message_dict == {"ends_at": ["The visit must end after it starts."]}
    assert not Appointment.objects.exists()


def test_the_database_refuses_a_visit_ending_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(contact=ContactFactory(), starts_at=ny(2026, 3, 10, 10), ends_at=ny(2026, 3, 10, 9))


def test_a_negative_quote_is_refused_at_amount_and_by_the_database():
    contact = ContactFactory()
    with pytest.raises(ValidationError) as refused:
        services.quote_create(contact=contact, amount=Decimal("-5.00"))
    assert refused.value.message_dict["amount"] == ["A quote cannot be for a negative amount."]
    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.create(contact=contact, amount=Decimal("-5.00"))


def test_a_job_for_a_declined_quote_is_refused_at_quote():
    quote = services.quote_create(contact=ContactFactory(), amount=Decimal("4200"), state=QuoteState.DECLINED,
                                  sent_on=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError) as refused:
        services.job_create(quote=quote)
    assert refused.value.message_dict == {"quote": ["Only an accepted quote becomes a job; this one is declined."]}
    assert not Job.objects.exists()


def test_a_job_for_an_accepted_quote_makes_the_homeowner_a_customer():
    contact = ContactFactory(lead_status=LeadStatus.APPOINTMENT)
    quote = services.quote_create(contact=contact, amount=Decimal("4200"), state=QuoteState.ACCEPTED,
                                  sent_on=datetime.date(2026, 3, 1))
    services.job_create(quote=quote, scheduled_on=datetime.date(2026, 3, 20))
    contact.refresh_from_db()
    assert contact.lead_status == LeadStatus.CUSTOMER


def test_a_reminder_for_an_opted_out_homeowner_is_refused_at_send_reminder():
    contact = ContactFactory(first_name="Ann", last_name="Lee")
    contact_opt_out(contact=contact, reason="STOP", source="staff")
    contact.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.appointment_create(contact=contact, starts_at=ny(2026, 3, 10, 9), ends_at=ny(2026, 3, 10, 10))
    assert list(refused.value.message_dict) == ["send_reminder"]
    assert "Ann Lee has opted out of texts" in refused.value.message_dict["send_reminder"][0]
    # Without a reminder the visit is fine.
    services.appointment_create(contact=contact, starts_at=ny(2026, 3, 10, 9), ends_at=ny(2026, 3, 10, 10),
                                send_reminder=False)


def test_scheduling_a_visit_moves_the_lead_status_forward_but_never_back():
    fresh = ContactFactory(lead_status=LeadStatus.INTERESTED)
    services.appointment_create(contact=fresh, starts_at=ny(2026, 3, 10, 9), ends_at=ny(2026, 3, 10, 10))
    fresh.refresh_from_db()
    assert fresh.lead_status == LeadStatus.APPOINTMENT

    customer = ContactFactory(lead_status=LeadStatus.CUSTOMER)
    services.appointment_create(contact=customer, starts_at=ny(2026, 3, 10, 9), ends_at=ny(2026, 3, 10, 10))
    customer.refresh_from_db()
    assert customer.lead_status == LeadStatus.CUSTOMER


def _visit_form(contact, property, **changes):
    data = {
        "contact": contact.pk, "property": property.pk, "kind": "estimate",
        "starts_at_0": "2026-03-10", "starts_at_1": "10:00", "ends_at_0": "2026-03-10", "ends_at_1": "11:00",
        "assignee": "", "send_reminder": "on", "notes": "",
    }
    data.update(changes)
    return data


def test_office_staff_see_the_field_error_in_the_admin(office_client):
    contact, house = ContactFactory(), PropertyFactory()
    response = office_client.post(
        reverse("admin:jobs_appointment_add"), _visit_form(contact, house, ends_at_1="09:00")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"ends_at": ["The visit must end after it starts."]}
    assert not Appointment.objects.exists()


def test_office_staff_schedule_a_visit_in_the_admin_and_the_lead_status_moves(office_client):
    contact, house = ContactFactory(lead_status=LeadStatus.INTERESTED), PropertyFactory()
    response = office_client.post(reverse("admin:jobs_appointment_add"), _visit_form(contact, house))
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit = Appointment.objects.get()
    assert (visit.contact, visit.property, visit.starts_at) == (contact, house, ny(2026, 3, 10, 10))
    contact.refresh_from_db()
    assert contact.lead_status == LeadStatus.APPOINTMENT


def test_office_staff_see_the_negative_amount_error_in_the_admin(office_client):
    contact = ContactFactory()
    response = office_client.post(reverse("admin:jobs_quote_add"), {
        "contact": contact.pk, "property": "", "amount": "-10", "line_items": "[]", "state": "draft", "sent_on": "",
        "job-TOTAL_FORMS": "0", "job-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"amount": ["A quote cannot be for a negative amount."]}


def test_office_staff_may_not_delete_quotes_but_managers_may(office_client, manager_user, client):
    quote = services.quote_create(contact=ContactFactory(), amount=Decimal("100"))
    url = reverse("admin:jobs_quote_delete", args=[quote.pk])
    assert office_client.post(url, {"post": "yes"}).status_code == 403
    client.force_login(manager_user)
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Quote.objects.exists()
