"""Sessions end after SESSION_COOKIE_AGE (8 hours) without a request.

Django renews a session's expiry whenever it saves the session. Saving it on every request
(SESSION_SAVE_EVERY_REQUEST) would cost a database write per page; instead a signed-in session is
saved again when its last renewal is over SESSION_RENEW_SECONDS old, so it ends between
SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS and SESSION_COOKIE_AGE after the last request.
"""
from __future__ import annotations

import time

from django.conf import settings

RENEWED_KEY = "_renewed_at"


def session_renewed_mark(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the sign-in itself saves (and so renews) the session."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED_KEY] = int(time.time())


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(RENEWED_KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED_KEY] = now  # modified: SessionMiddleware saves it with a fresh expiry
        return self.get_response(request)
