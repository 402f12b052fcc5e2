"""Office staff and managers: what each may do in the admin (groups made by a data migration)."""
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from contacts.models import Contact
from contacts.roles import MANAGER, OFFICE_STAFF
from contacts.services import contact_create, contact_opt_out
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    ConversationFactory,
    PropertyContactFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:contacts_contact_changelist")


@pytest.fixture
def office_client(client):
    user = UserFactory(username="maria")
    user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(client):
    user = UserFactory(username="dave")
    user.groups.add(Group.objects.get(name=MANAGER))
    client.force_login(user)
    return client


def _edit_form(contact, **changes):
    data = {
        "first_name": contact.first_name, "last_name": contact.last_name, "phone": contact.phone,
        "email": contact.email, "lead_status": contact.lead_status, "source": contact.source, "notes": "",
        "mailing_address": "", "mailing_city": "", "mailing_state": "", "mailing_zip": "",
    }
    for prefix in ("phones", "property_links", "opt_out_events", "texting_holds"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(changes)
    return data


def test_office_staff_can_edit_a_contact(office_client):
    contact = ContactFactory()
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    assert office_client.get(url).status_code == 200
    response = office_client.post(url, _edit_form(contact, lead_status="appointment", notes="Estimate Tuesday 10am"))
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert (contact.lead_status, contact.notes) == ("appointment", "Estimate Tuesday 10am")


def test_office_staff_can_use_the_office_actions_but_not_bulk_delete(office_client):
    contact = ContactFactory()
    page = office_client.get(CHANGELIST).content.decode()
    assert 'value="mark_opted_out"' in page and 'value="add_tag"' in page and 'value="export_csv"' in page
    assert 'value="delete_selected"' not in page
    response = office_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [str(contact.pk)],
                                               "post": "yes"})
    assert response.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_office_staff_cannot_reach_user_accounts(office_client):
    someone = UserFactory(username="someone")
    assert office_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert office_client.get(reverse("admin:auth_user_change", args=[someone.pk])).status_code == 403


def test_manager_can_bulk_delete_contacts(manager_client):
    # A homeowner with a history: deleting them deletes their numbers, timeline and records too.
    contact = contact_create(first_name="Jane", last_name="Doe", phone="617-555-0123")
    PropertyContactFactory(contact=contact)
    ActivityFactory(contact=contact, conversation=ConversationFactory(contact=contact))
    contact_opt_out(contact=contact, reason="STOP", source="inbound_message")
    confirm = manager_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [str(contact.pk)]})
    assert confirm.status_code == 200 and "Are you sure you want to delete" in confirm.content.decode()
    done = manager_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [str(contact.pk)],
                                            "post": "yes"})
    assert done.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_manager_can_see_user_accounts(manager_client):
    someone = UserFactory(username="someone")
    assert manager_client.get(reverse("admin:auth_user_change", args=[someone.pk])).status_code == 200


@pytest.mark.parametrize(
    ("perm", "office", "manager"),
    [
        ("contacts.change_contact", True, True),
        ("contacts.delete_contact", False, True),
        ("contacts.change_optoutevent", False, False),  # the audit trail is never edited
        ("contacts.delete_activity", False, True),
        ("properties.change_property", True, True),
        ("campaigns.view_campaign", True, True),
        ("campaigns.add_campaign", False, True),
        ("campaigns.change_campaign", False, True),
        ("campaigns.delete_campaign", False, True),
        ("campaigns.change_campaignmembership", True, True),
        ("openphone.view_webhookevent", False, True),
        ("auth.change_user", False, False),
        ("auth.view_user", False, True),
        ("authtoken.view_token", False, False),  # tokens are secrets
        ("django_celery_beat.change_periodictask", False, True),
        ("django_celery_beat.view_crontabschedule", False, False),  # building blocks: superusers only
        ("django_celery_beat.change_intervalschedule", False, False),
        ("django_celery_results.view_taskresult", False, False),
    ],
)
def test_role_permissions(perm, office, manager):
    office_user, manager_user = UserFactory(username="o"), UserFactory(username="m")
    office_user.groups.add(Group.objects.get(name=OFFICE_STAFF))
    manager_user.groups.add(Group.objects.get(name=MANAGER))
    assert office_user.has_perm(perm) is office
    assert manager_user.has_perm(perm) is manager
