"""Users in the real role groups (made by contacts.roles at migrate time) and a few helpers for jobs tests."""
from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from contacts.roles import MANAGER, OFFICE_STAFF, roles_sync
from tests.factories import UserFactory

NY = ZoneInfo("America/New_York")


def ny(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=NY)


def _in_group(username: str, group: str):
    roles_sync()  # a transactional test's flush removes the groups; recreate them as migrate does
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def office_user(db):
    return _in_group("olivia.office", OFFICE_STAFF)


@pytest.fixture
def manager_user(db):
    return _in_group("mark.manager", MANAGER)


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client
