"""What the apps above contacts add to its screens through contacts/extensions.py, in their places, for the
people who use them: houses on the homeowner page, "Add to campaign…" on the homeowners list, the campaigns
section and the next steps."""
from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from contacts.models import Contact
from contacts.roles import OFFICE_STAFF
from tests.factories import CampaignMembershipFactory, ContactFactory, PropertyContactFactory, group_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client):
    client.force_login(group_member(OFFICE_STAFF, "ext.office"))
    return client


def test_the_homeowner_page_shows_each_apps_part_in_its_place(office):
    contact = ContactFactory(first_name="Rosa")
    PropertyContactFactory(contact=contact, property__address="12 Elm St")
    CampaignMembershipFactory(contact=contact, campaign__name="Elm Street spring")

    response = office.get(reverse("admin:contacts_contact_change", args=[contact.pk]))

    inlines = [formset.opts.__class__.__name__ for formset in response.context["inline_admin_formsets"]]
    assert inlines[:2] == ["ContactPhoneInline", "PropertyContactInline"]  # houses right after the numbers
    page = response.content.decode()
    assert "12 Elm St" in page and "Elm Street spring" in page and 'id="contact-campaigns"' in page
    assert page.count(">Schedule estimate<") == 1  # the next steps, once


def test_add_to_campaign_is_offered_third_on_the_homeowners_list(office):
    ContactFactory()
    response = office.get(reverse("admin:contacts_contact_changelist"))
    names = [name for name, _label in response.context["action_form"].fields["action"].choices if name]
    assert names.index("add_contacts_to_campaign") == names.index("add_tag") + 1


def test_registering_twice_adds_once():
    from campaigns.admin_actions import add_contacts_to_campaign
    from contacts import extensions

    extensions.contact_admin_action(add_contacts_to_campaign, position=2)
    assert admin.site.get_model_admin(Contact).actions.count(add_contacts_to_campaign) == 1


def test_the_homeowners_lists_actions_are_kept_in_the_shared_registry():
    """contacts.extensions files its actions in crm/admin_extensions.py under "contacts.Contact", like any list's."""
    import inspect

    from campaigns.admin_actions import add_contacts_to_campaign
    from contacts.admin import ContactAdmin
    from crm import admin_extensions

    assert (add_contacts_to_campaign, 2) in admin_extensions._actions["contacts.contact"]
    assert isinstance(inspect.getattr_static(ContactAdmin, "actions"), property)
    assert admin.site.get_model_admin(Contact).actions == admin_extensions.admin_actions(
        "contacts.Contact", ContactAdmin.own_actions)
