"""crm/admin_extensions.py: actions one app adds to another app's admin list, by model label, in their places."""
from __future__ import annotations

import inspect

import pytest
from django.contrib import admin

from campaigns.admin_actions import add_property_owners_to_campaign
from crm import admin_extensions
from properties.admin import PropertyAdmin
from properties.models import Property


def first(modeladmin, request, queryset): ...
def second(modeladmin, request, queryset): ...
def far(modeladmin, request, queryset): ...


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(admin_extensions, "_actions", {})
    return admin_extensions


def test_actions_are_placed_at_their_positions_among_the_lists_own(registry):
    registry.admin_action("shop.Thing", far, position=99)
    registry.admin_action("shop.Thing", second, position=2)
    registry.admin_action("shop.Thing", first, position=0)

    assert registry.admin_actions("shop.Thing", ["a", "b", "c"]) == [first, "a", second, "b", "c", far]
    assert registry.admin_actions("shop.thing", []) == [first, second, far]  # the label in any case
    assert registry.admin_actions("shop.Other", ["a"]) == ["a"]


def test_registering_twice_adds_once(registry):
    registry.admin_action("shop.Thing", first, position=0)
    registry.admin_action("shop.Thing", first, position=1)
    assert registry.admin_actions("shop.Thing", ["a"]) == [first, "a"]


def test_the_house_lists_actions_come_from_the_registry(registry):
    model_admin = admin.site.get_model_admin(Property)
    assert isinstance(model_admin, PropertyAdmin)
    # `actions` is the mixin's property, not a list set on the class by another app.
    assert isinstance(inspect.getattr_static(PropertyAdmin, "actions"), property)
    assert "actions" not in PropertyAdmin.__dict__
    assert model_admin.actions == PropertyAdmin.own_actions  # the registry emptied: nothing else adds any

    registry.admin_action("properties.Property", first, position=0)
    assert model_admin.actions == [first, *PropertyAdmin.own_actions]


def test_campaigns_registers_add_owners_to_campaign_first_on_the_house_list():
    assert admin.site.get_model_admin(Property).actions[0] is add_property_owners_to_campaign
    assert (add_property_owners_to_campaign, 0) in admin_extensions._actions["properties.property"]


def test_the_system_check_names_actions_registered_where_no_admin_takes_them(registry):
    assert registry.check_registered_actions() == []
    registry.admin_action("shop.Thing", first, position=0)  # no such model
    registry.admin_action("auth.Permission", second, position=0)  # a model with no admin list that takes them
    errors = registry.check_registered_actions()
    assert [(error.id, "first" in error.msg or "second" in error.msg) for error in errors] == [
        ("crm.E101", True), ("crm.E102", True)
    ]
    assert "'shop.thing'" in errors[0].msg and "auth.permission" in errors[1].msg


def test_the_projects_registered_actions_pass_the_check():
    from django.core import checks

    assert [e for e in checks.run_checks(tags=[checks.Tags.admin]) if e.id.startswith("crm.")] == []
