"""Reads about homeowners: lookups by phone, timelines."""
from __future__ import annotations

import re

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from .models import Activity, Contact, ContactPhone, Conversation, Tag
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


# --- Lists for the REST API (and anything else that pages through many rows) -----------------


def contact_list() -> QuerySet[Contact]:
    """Every contact with their tags and further numbers fetched alongside, in name order."""
    return Contact.objects.prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        Prefetch("phones", queryset=ContactPhone.objects.order_by("id")),
    )


def contact_search(*, queryset: QuerySet[Contact], term: str) -> QuerySet[Contact]:
    """Contacts matching `term` as a phone number in any format, or else by name and email.

    "(617) 555-0123", "617.555.0123" and "+16175550123" find the same person, by their main
    number or any further one. Other text matches every word against first name, last name
    and email; four or more digits also match inside phone numbers ("0123").
    """
    term = (term or "").strip()
    if not term:
        return queryset
    e164 = try_normalize_phone(term)
    if e164:
        return queryset.filter(
            Q(phone=e164) | Exists(ContactPhone.objects.filter(contact=OuterRef("pk"), phone=e164))
        )
    for word in term.split():
        match = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 4 and len(digits) * 2 > len(word):  # mostly digits: part of a number
            match |= Q(phone__contains=digits)
        queryset = queryset.filter(match)
    return queryset


def activity_list() -> QuerySet[Activity]:
    """Timeline entries of everyone, newest first."""
    return Activity.objects.order_by("-occurred_at", "-id")


def conversation_list() -> QuerySet[Conversation]:
    """Conversations with their homeowner, the most recently active first."""
    return Conversation.objects.select_related("contact").order_by(
        F("last_activity_at").desc(nulls_last=True), "-id"
    )
