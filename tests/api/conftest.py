"""API test helpers: members of the real "Office staff" and "Manager" groups, and clients with their tokens.

The users are in the groups contacts.roles creates, so these tests check what those people may
really do through the API (and may not), not a hand-written copy of their permissions.
"""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contacts.roles import MANAGER, OFFICE_STAFF
from tests.factories import UserFactory, group_member


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
    return group_member(OFFICE_STAFF, "office")


@pytest.fixture
def manager(db):
    return group_member(MANAGER, "manager")


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
