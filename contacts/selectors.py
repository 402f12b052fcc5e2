"""Reads about homeowners: lookups by phone, timelines."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import Activity, Contact
from .phone import try_normalize_phone

# A contact page shows this many timeline entries; older ones are a click away.
TIMELINE_LIMIT = 50


def contact_get_by_phone(*, phone: str) -> Contact | None:
    """The contact whose main or further number is `phone` (any format), or None."""
    e164 = try_normalize_phone(phone)
    if e164 is None:
        return None
    return (
        Contact.objects.filter(phone=e164).first()
        or Contact.objects.filter(phones__phone=e164).first()
    )


def contact_timeline(*, contact: Contact, limit: int | None = TIMELINE_LIMIT) -> QuerySet[Activity]:
    """The contact's activities, newest first, with who sent them."""
    qs = Activity.objects.filter(contact=contact).select_related("sent_by", "conversation").order_by(
        "-occurred_at", "-id"
    )
    return qs[:limit] if limit else qs
