"""'Add owners to campaign…' on the house list, as the people who use it see it."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from campaigns.models import CampaignMembership
from contacts.roles import MANAGER, OFFICE_STAFF
from tests.factories import (
    CampaignFactory,
    ContactFactory,
    PropertyContactFactory,
    PropertyFactory,
    UserFactory,
    group_member,
)

pytestmark = pytest.mark.django_db

HOUSES = reverse("admin:properties_property_changelist")


def _action_names(client) -> list[str]:
    form = client.get(HOUSES).context["action_form"]  # None when the list offers this user no action
    return [name for name, _label in form.fields["action"].choices if name] if form else []


def test_office_staff_are_offered_add_owners_to_campaign_first_on_the_house_list(client):
    PropertyFactory()
    client.force_login(group_member(OFFICE_STAFF, "house.office"))
    assert _action_names(client) == ["add_property_owners_to_campaign"]  # office staff delete nothing


def test_managers_get_it_first_among_the_lists_own_actions(client):
    PropertyFactory()
    client.force_login(group_member(MANAGER, "house.manager"))
    assert _action_names(client) == ["delete_selected", "add_property_owners_to_campaign"]


def test_office_staff_enroll_a_houses_owners(client):
    campaign = CampaignFactory(name="Elm Street spring")
    house = PropertyFactory()
    owners = {PropertyContactFactory(property=house).contact_id for _ in range(2)}
    client.force_login(group_member(OFFICE_STAFF, "house.office"))

    response = client.post(HOUSES, {"action": "add_property_owners_to_campaign", "_selected_action": [house.pk],
                                     "apply": "1", "campaign": campaign.pk}, follow=True)

    assert "Added 2 homeowners to “Elm Street spring”." in response.content.decode()
    assert set(campaign.memberships.values_list("contact_id", flat=True)) == owners


def test_without_campaign_permissions_the_action_is_not_offered_and_a_forged_post_enrolls_no_one(client):
    campaign = CampaignFactory()
    house = PropertyFactory()
    PropertyContactFactory(property=house)
    clerk = UserFactory(username="house.clerk")
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="properties", codename="view_property"))
    client.force_login(clerk)
    assert "add_property_owners_to_campaign" not in _action_names(client)

    response = client.post(HOUSES, {"action": "add_property_owners_to_campaign", "_selected_action": [house.pk],
                                     "apply": "1", "campaign": campaign.pk}, follow=True)

    assert response.status_code == 200
    assert not CampaignMembership.objects.exists()


def test_the_homeowners_list_offers_add_to_campaign_only_to_who_may_enroll(client):
    ContactFactory()
    viewer = UserFactory(username="list.viewer")
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="contacts", codename="view_contact"))
    client.force_login(viewer)
    response = client.get(reverse("admin:contacts_contact_changelist"))
    offered = [name for name, _label in response.context["action_form"].fields["action"].choices if name]
    assert "add_contacts_to_campaign" not in offered

    client.force_login(group_member(OFFICE_STAFF, "list.office"))
    response = client.get(reverse("admin:contacts_contact_changelist"))
    assert "add_contacts_to_campaign" in [name for name, _ in response.context["action_form"].fields["action"].choices]
