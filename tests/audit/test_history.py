"""Audit trail: changes to homeowners, their numbers, properties, owners, campaigns and memberships are kept
with who and when, and shown on the record's History page in the admin with what changed."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contacts.models import Contact, ContactPhone
from contacts.roles import MANAGER, OFFICE_STAFF
from tests.factories import CampaignFactory, ContactFactory, PropertyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db):
    user = UserFactory(username="oscar.office")
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    return user


@pytest.fixture
def manager(db):
    user = UserFactory(username="maria.manager")
    user.groups.add(Group.objects.get(name=MANAGER))
    return user


def test_a_number_changed_through_the_api_shows_in_the_history_with_the_tokens_user(clerk, manager, client):
    contact = ContactFactory(phone="+16175550111")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")
    response = api.patch(f"/api/v1/contacts/{contact.pk}/", {"phone": "(617) 555-0122"}, format="json")
    assert response.status_code == 200, response.content

    latest = Contact.history.filter(id=contact.pk).latest("history_date")
    assert latest.phone == "+16175550122"
    assert latest.history_user == clerk
    assert latest.diff_against(latest.prev_record).changed_fields == ["phone"]

    client.force_login(manager)
    page = client.get(reverse("admin:contacts_contact_history", args=[contact.pk])).content.decode()
    assert "oscar.office" in page
    assert "+16175550111" in page and "+16175550122" in page


def test_an_admin_edit_records_the_office_user_and_shows_what_changed(clerk, client):
    contact = ContactFactory(first_name="Ann", last_name="Lee")
    client.force_login(clerk)
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    data = {
        "first_name": "Anne", "last_name": "Lee", "phone": contact.phone, "email": "", "lead_status": "new",
        "source": "manual", "notes": "", "mailing_address": "", "mailing_city": "", "mailing_state": "",
        "mailing_zip": "",
    }
    for prefix in ("phones", "property_links", "opt_out_events", "texting_holds"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = Contact.history.filter(id=contact.pk).latest("history_date")
    assert (latest.first_name, latest.history_user) == ("Anne", clerk)

    page = client.get(reverse("admin:contacts_contact_history", args=[contact.pk])).content.decode()
    assert "Ann" in page and "Anne" in page and "oscar.office" in page


def test_a_second_number_change_shows_on_the_homeowners_history_page(clerk, client):
    contact = ContactFactory()
    extra = ContactPhone.objects.create(contact=contact, phone="+16175550133", label="landline")
    extra._history_user = clerk
    extra.phone = "+16175550144"
    extra.save()
    client.force_login(clerk)
    page = client.get(reverse("admin:contacts_contact_history", args=[contact.pk])).content.decode()
    assert "Changes to its parts" in page
    assert "phone: +16175550133 → +16175550144" in page


@pytest.mark.parametrize("make", [PropertyFactory, CampaignFactory])
def test_properties_and_campaigns_keep_their_history(make, manager):
    record = make()
    record.save()
    assert type(record).history.filter(id=record.pk).count() == 2


def test_reverting_from_the_history_is_off(clerk, client):
    contact = ContactFactory()
    contact.first_name = "Changed"
    contact.save()
    version = Contact.history.filter(id=contact.pk).earliest("history_date")
    client.force_login(clerk)
    page = client.get(reverse("admin:contacts_contact_history", args=[contact.pk])).content.decode()
    assert "Choose a date from the list below to revert" not in page
    form = client.get(reverse("admin:contacts_contact_simple_history", args=[contact.pk, version.history_id]))
    assert b"Revert" not in form.content


def test_the_data_request_export_holds_the_person_and_every_change(clerk, client):
    import csv
    import io

    contact = ContactFactory(first_name="Ann", phone="+16175550111")
    contact._history_user = clerk
    contact.first_name = "Anne"
    contact.save()
    number = ContactPhone.objects.create(contact=contact, phone="+16175550111")
    number.phone = "+16175550122"
    number.save()
    other = ContactFactory(first_name="Zed")
    client.force_login(clerk)
    response = client.post(reverse("admin:contacts_contact_changelist"),
                           {"action": "export_history_csv", "_selected_action": [contact.pk]})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    blank = rows.index([])
    people, history = rows[1:blank], rows[blank + 2:]
    assert [row[0] for row in people] == [str(contact.pk)]
    assert ["Homeowner", "oscar.office", "Changed", "first_name", "Ann", "Anne"] in [
        [row[1], *row[4:]] for row in history]
    assert any(row[1] == "Phone number" and row[5:] == ["Changed", "phone", "+16175550111", "+16175550122"]
               for row in history)
    assert all(row[0] == str(contact.pk) for row in history)
    assert str(other.pk) not in {row[0] for row in history}


def test_deleting_a_user_keeps_the_changes_they_made_with_no_name_attached(clerk, manager, client):
    """The history tables have no database constraint on who made a change (an import writes hundreds of
    thousands of history rows, each of which would be checked against the users table); deleting the user
    goes through Django, which clears their name from every history table and keeps the rows."""
    contact = ContactFactory(first_name="Ann")
    contact.first_name = "Anne"
    contact._history_user = clerk
    contact.save()
    number = ContactPhone.objects.create(contact=contact, phone="+16175550177", label="mobile")
    ContactPhone.history.filter(id=number.pk).update(history_user=clerk)
    clerk_id = clerk.pk

    clerk.delete()

    latest = Contact.history.filter(id=contact.pk).latest("history_date")
    assert (latest.first_name, latest.history_user_id) == ("Anne", None)
    assert ContactPhone.history.filter(id=number.pk).exists()
    assert not ContactPhone.history.filter(history_user_id=clerk_id).exists()
    client.force_login(manager)
    page = client.get(reverse("admin:contacts_contact_history", args=[contact.pk]))
    assert page.status_code == 200 and "Anne" in page.content.decode()
