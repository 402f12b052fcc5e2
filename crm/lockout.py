"""Sign-in lockout (django-axes): the page a locked-out person sees, the client address, unlocking.

Five wrong passwords for one username from one address lock that pair out for AXES_COOLOFF_TIME
(settings: AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME); the admin's and the dashboard's sign-in pages both
authenticate through axes' backend, so both count and both refuse.
"""
from __future__ import annotations

import datetime as dt

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils import timezone


def client_ip(request) -> str:
    """The address that counts for lockouts. Behind our one reverse proxy (AXES_BEHIND_PROXY) it is the
    last address the proxy appended to X-Forwarded-For; anything before it was written by the client."""
    if getattr(settings, "AXES_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def locked_until(*, username: str, ip_address: str) -> dt.datetime | None:
    """When the lockout of this username from this address ends (None: it is not locked out)."""
    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address,
                                     failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-attempt_time").first()
    )
    cool_off = get_cool_off()
    if attempt is None or cool_off is None:
        return None
    return attempt.attempt_time + cool_off


def lockout_response(request, original_response=None, credentials=None):
    """The lockout page: status 429, says when to try again and who can unlock sooner."""
    username = get_client_username(request, credentials) or ""
    until = locked_until(username=username, ip_address=client_ip(request))
    if until is None:  # e.g. the attempt row was just reset; say the full period from now
        until = timezone.now() + (get_cool_off() or dt.timedelta(0))
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed sign-ins",
        "username": username,
        "until": timezone.localtime(until),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    return render(request, "registration/locked_out.html", context, status=429)


def user_sign_in_unlock(*, username: str) -> int:
    """Lift every lockout of `username` (from any address); returns how many lockout records were cleared."""
    return reset(username=username)
