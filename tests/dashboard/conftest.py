"""Dashboard fixtures: manager and office-staff users, a frozen business clock, a private cache per test."""
from __future__ import annotations

import uuid

import pytest
import time_machine
from django.contrib.auth.models import Group

from dashboard.access import MANAGER_GROUP
from tests.factories import UserFactory

from . import known_data

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory's password


def use_fresh_cache(settings) -> None:
    """Point the cache at a new, empty namespace: like clearing it, without flushing a Redis database
    that Celery's broker or other test workers share."""
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"crm-test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """A fresh cache namespace per test, so cached figures never leak between tests or xdist workers."""
    use_fresh_cache(settings)


@pytest.fixture
def manager(db):
    user = UserFactory(username="maria.manager", first_name="Maria", last_name="Manager")
    group, _ = Group.objects.get_or_create(name=MANAGER_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def office_staff(db):
    user = UserFactory(username="oscar.office")
    group, _ = Group.objects.get_or_create(name="Office staff")
    user.groups.add(group)
    return user


@pytest.fixture
def frozen_clock():
    with time_machine.travel(known_data.NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def known(db, frozen_clock):
    return known_data.build()
