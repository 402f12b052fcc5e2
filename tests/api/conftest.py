"""API test helpers: users holding exactly the permissions of a role, and clients with their tokens.

The roles mirror the admin groups ("Office staff", "Manager") by listing the model permissions
explicitly, so these tests do not depend on how the groups are created.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

# What office staff do in the admin: find, create and edit homeowners and houses, write notes,
# read conversations and campaigns, enroll homeowners. No deleting, no running campaigns.
OFFICE_STAFF_PERMS = [
    "contacts.view_contact", "contacts.add_contact", "contacts.change_contact",
    "contacts.view_tag", "contacts.add_tag",
    "contacts.view_activity", "contacts.add_activity",
    "contacts.view_conversation",
    "properties.view_property", "properties.add_property", "properties.change_property",
    "properties.view_propertycontact", "properties.add_propertycontact", "properties.change_propertycontact",
    "campaigns.view_campaign",
    "campaigns.view_campaignmembership", "campaigns.add_campaignmembership",
]
# Managers also run campaigns and delete records.
MANAGER_PERMS = OFFICE_STAFF_PERMS + [
    "contacts.delete_contact",
    "properties.delete_property",
    "campaigns.add_campaign", "campaigns.change_campaign", "campaigns.delete_campaign",
    "campaigns.change_campaignmembership",
]


def user_with_perms(username: str, perms: list[str]):
    user = UserFactory(username=username)
    for dotted in perms:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def office_staff(db):
    return user_with_perms("office", OFFICE_STAFF_PERMS)


@pytest.fixture
def manager(db):
    return user_with_perms("manager", MANAGER_PERMS)


@pytest.fixture
def nobody(db):
    """Logged in, but holding no permission at all."""
    return user_with_perms("nobody", [])


@pytest.fixture
def office_client(office_staff):
    return token_client(office_staff)


@pytest.fixture
def manager_client(manager):
    return token_client(manager)


@pytest.fixture
def nobody_client(nobody):
    return token_client(nobody)


@pytest.fixture
def anonymous_client():
    return APIClient()
