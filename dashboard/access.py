"""Who may see the manager dashboard: the "Manager" group and superusers.

Managers log in through the admin's login page; office staff who open the dashboard get a 403 page.
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

# The group another migration creates for managers; membership is checked by this name.
MANAGER_GROUP = "Manager"

_CACHE_ATTR = "_dashboard_is_manager"


def user_is_manager(user) -> bool:
    """True for active superusers and members of the Manager group (remembered on the user for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = user.groups.filter(name=MANAGER_GROUP).exists()
        setattr(user, _CACHE_ATTR, cached)
    return cached


def manager_required(view):
    """Anonymous visitors go to the login page; logged-in people who are not managers get a friendly 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_is_manager(request.user):
            return render(request, "dashboard/403.html", {"manager_group": MANAGER_GROUP}, status=403)
        return view(request, *args, **kwargs)

    return wrapper
