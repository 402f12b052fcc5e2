"""The private calendar feed: the secret token in the URL is the only key (no login, for calendar apps)."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from . import selectors
from .calendar import calendar_build
from .models import CalendarFeed


@require_GET
def calendar_feed(request, token: str):
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404("No such calendar")
    body = calendar_build(visits=selectors.calendar_visits(user=feed.user), name=f"Visits of {feed.user}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    return response
