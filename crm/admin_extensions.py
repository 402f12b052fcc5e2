"""Admin actions one app adds to another app's list, named by model label, so neither imports the other.

An app registers an action for a model ("properties.Property") at a position among that list's own
actions; the model's admin takes its actions from here with `RegisteredActionsMixin`:

    # campaigns/admin.py
    admin_extensions.admin_action("properties.Property", add_property_owners_to_campaign, position=0,
                                  permissions=["campaigns.add_campaignmembership"])

    # properties/admin.py
    class PropertyAdmin(RegisteredActionsMixin, ..., admin.ModelAdmin):
        own_actions = ["..."]

The list is put together each time the admin asks, so the order in which apps load does not matter.
An action registered with `permissions` is offered only to users who hold all of them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

_actions: dict[str, list[tuple[Callable, int]]] = {}
_permissions: dict[Callable, tuple[str, ...]] = {}


def admin_action(model_label: str, action: Callable, *, position: int, permissions: Iterable[str] = ()) -> Callable:
    """Register `action` on the admin list of `model_label`, offered at `position` among the list's own,
    to users holding every one of `permissions` ("app_label.codename")."""
    registered = _actions.setdefault(model_label.lower(), [])
    if all(known is not action for known, _ in registered):
        registered.append((action, position))
    if permissions:
        _permissions[action] = tuple(permissions)
    return action


def placed(own: list, added: list[tuple[object, int]]) -> list:
    """`own` with each added item inserted at its position (lowest first; past the end goes last)."""
    result = list(own)
    for item, position in sorted(added, key=lambda pair: pair[1]):
        result.insert(min(position, len(result)), item)
    return result


def admin_actions(model_label: str, own: list) -> list:
    """The list's own actions with those registered for `model_label` in their places."""
    return placed(own, _actions.get(model_label.lower(), []))


class RegisteredActionsMixin:
    """A ModelAdmin whose actions are its `own_actions` plus those registered for its model.

    Put it before ModelAdmin in the bases; set `own_actions`, never `actions`.
    """

    own_actions: list = []

    @property
    def actions(self):
        return admin_actions(self.model._meta.label, self.own_actions)

    def get_actions(self, request):
        """The actions this user may run: registered ones need the permissions they were registered with."""
        actions = super().get_actions(request)
        for name, (func, *_rest) in list(actions.items()):
            needed = _permissions.get(func)
            if needed and not request.user.has_perms(needed):
                del actions[name]
        return actions


def check_registered_actions(app_configs=None, **kwargs):
    """System check: each label actions were registered for names a model whose admin takes them."""
    from django.apps import apps
    from django.contrib import admin
    from django.core.checks import Error

    errors = []
    for label, registered in _actions.items():
        names = ", ".join(getattr(action, "__name__", repr(action)) for action, _ in registered)
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            errors.append(Error(f"Admin actions ({names}) were registered for {label!r}, which is not a model.",
                                hint="Name the model as app_label.ModelName.", id="crm.E101"))
            continue
        model_admin = admin.site.get_model_admin(model) if admin.site.is_registered(model) else None
        if not isinstance(model_admin, RegisteredActionsMixin):
            errors.append(Error(f"Admin actions ({names}) were registered for {label}, whose admin does not take "
                                "them.", hint="Give its ModelAdmin RegisteredActionsMixin and own_actions.",
                                id="crm.E102"))
    return errors
