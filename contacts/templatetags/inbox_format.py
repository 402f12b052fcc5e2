"""Small formats of the inbox screens."""
from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def waited(since, now):
    """How long someone has waited, in the largest sensible unit: "5 min", "3 h", "2 days"."""
    if not since or not now:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


@register.filter
def call_length(seconds):
    """A call's duration: "4:05"."""
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"


# Names under which the staff-only view of a media copy may be reversed (contacts.admin_media).
MEDIA_URL_NAMES = ("admin:contacts_activitymedia_file", "admin:contacts_activitymedia_download", "contacts:activity_media")


@register.filter
def media_url(media):
    """The staff-only URL of our copy of a texted photo, or "" while there is none."""
    from django.urls import NoReverseMatch, reverse

    url = getattr(media, "staff_url", None)
    if url:
        return url() if callable(url) else url
    if not getattr(media, "file", None):
        return ""
    for name in MEDIA_URL_NAMES:
        try:
            return reverse(name, args=[media.pk])
        except NoReverseMatch:
            continue
    return ""
