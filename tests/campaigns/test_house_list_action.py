"""'Add owners to campaign…' on the house list, as the people who use it see it."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from campaigns.models import CampaignMembership
from contacts.roles import MANAGER, OFFICE_STAFF
from tests.factories import CampaignFactory, PropertyContactFactory, PropertyFactory, UserFactory, group_member

pytestmark = pytest.mark.django_db

HOUSES = reverse("admin:properties_property_changelist")


def _action_names(client) -> list[str]:
    response = client.get(HOUSES)
    return [name for name, _label in response.context["action_form"].fields["action"].choices if name]


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

    assert "Added 2 contacts to “Elm Street spring”." in response.content.decode()
    assert set(campaign.memberships.values_list("contact_id", flat=True)) == owners


def test_without_campaign_permissions_the_action_enrolls_no_one(client):
    """The action has no allowed_permissions, so whoever sees the house list sees it; it checks
    campaigns.add_campaignmembership itself and refuses."""
    campaign = CampaignFactory()
    house = PropertyFactory()
    PropertyContactFactory(property=house)
    clerk = UserFactory(username="house.clerk")
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="properties", codename="view_property"))
    client.force_login(clerk)

    response = client.post(HOUSES, {"action": "add_property_owners_to_campaign", "_selected_action": [house.pk],
                                     "apply": "1", "campaign": campaign.pk}, follow=True)

    assert "You are not allowed to enroll homeowners in campaigns." in response.content.decode()
    assert not CampaignMembership.objects.exists()
