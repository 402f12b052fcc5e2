"""Reads about homeowners: lookups by phone, timelines."""
from __future__ import annotations

import re

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat

from .models import Activity, Contact, ContactPhone, Conversation, Tag
from .phone import try_normalize_phone

# A contact page shows this many timeline entries; older ones are a click away.
TIMELINE_LIMIT = 50


def contact_get_by_phone(*, phone: str) -> Contact | None:
    """The contact whose main or further number is `phone` (any format), or None."""
    e164 = try_normalize_phone(phone)
    if e164 is None:
        return None
    return Contact.objects.owner_of(e164)


def contact_timeline(*, contact: Contact, limit: int | None = TIMELINE_LIMIT) -> QuerySet[Activity]:
    """The contact's activities, newest first, with who sent them and their media."""
    # A campaign text names its campaign; the link is kept on the campaign's side (its reverse accessor).
    qs = Activity.objects.filter(contact=contact).select_related(
        "sent_by", "conversation", "campaign_membership__campaign"
    ).prefetch_related(
        "media"
    ).order_by(
        "-occurred_at", "-id"
    )
    return qs[:limit] if limit else qs


# Digits a partial phone search needs before it is worth matching inside numbers ("0123", "555-0123").
PARTIAL_PHONE_MIN_DIGITS = 4
_PHONE_CHARACTERS = re.compile(r"^[\d\s().+\-]+$")


def contacts_matching_phone(*, term: str) -> QuerySet[Contact] | None:
    """Contacts whose main or further number matches `term` typed in any format, or None if it is no number.

    A whole number ("(617) 555-0123", "617.555.0123") is normalized and matched exactly; a
    fragment made only of digits and phone punctuation ("555-0123") matches inside numbers.
    """
    term = (term or "").strip()
    if not term:
        return None
    e164 = try_normalize_phone(term)
    if e164 is not None:
        further = ContactPhone.objects.filter(phone=e164).values("contact_id")
        return Contact.objects.filter(Q(phone=e164) | Q(pk__in=further))
    digits = re.sub(r"\D", "", term)
    if _PHONE_CHARACTERS.match(term) and len(digits) >= PARTIAL_PHONE_MIN_DIGITS:
        further = ContactPhone.objects.filter(phone__contains=digits).values("contact_id")
        return Contact.objects.filter(Q(phone__contains=digits) | Q(pk__in=further))
    return None


def contacts_with_list_facts(queryset: QuerySet[Contact] | None = None) -> QuerySet[Contact]:
    """Contacts with what the office list shows, computed in the same query whatever the page size.

    Adds `last_activity_at_` (newest timeline entry), `property_count`, `first_property`
    (address of the oldest link) and `waiting_for_reply_` (a conversation awaits our answer);
    tags are prefetched in one query.
    """
    queryset = Contact.objects.all() if queryset is None else queryset
    newest = Activity.objects.filter(contact=OuterRef("pk")).order_by("-occurred_at", "-id")
    # Through the reverse relation, so contacts does not import the properties app.
    itself = Contact.objects.filter(pk=OuterRef("pk"))
    first_link = itself.filter(property_links__isnull=False).order_by("property_links__id")
    return queryset.annotate(
        last_activity_at_=Subquery(newest.values("occurred_at")[:1]),
        property_count=Coalesce(
            Subquery(itself.annotate(n=Count("property_links")).values("n")[:1], output_field=IntegerField()), 0
        ),
        first_property=Subquery(
            first_link.values(
                label=Concat(
                    "property_links__property__address", Value(", "), "property_links__property__city",
                    output_field=CharField(),
                )
            )[:1]
        ),
        waiting_for_reply_=Exists(Conversation.objects.filter(contact=OuterRef("pk"), waiting_for_reply=True)),
    ).prefetch_related("tags")


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
    if try_normalize_phone(term):
        return queryset.filter(pk__in=contacts_matching_phone(term=term).values("pk"))
    for word in term.split():
        match = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        digits = re.sub(r"\D", "", word)
        if len(digits) >= 4 and len(digits) * 2 > len(word):  # mostly digits: part of a number
            match |= Q(phone__contains=digits)
        queryset = queryset.filter(match)
    return queryset


def activity_list() -> QuerySet[Activity]:
    """Timeline entries of everyone, newest first, with the campaign membership a text was sent for."""
    return Activity.objects.select_related("campaign_membership").order_by("-occurred_at", "-id")


def conversation_list() -> QuerySet[Conversation]:
    """Conversations with their homeowner, the most recently active first."""
    return Conversation.objects.select_related("contact").order_by(
        F("last_activity_at").desc(nulls_last=True), "-id"
    )


# --- Our lines --------------------------------------------------------------------------------

LINE_LABELS_CACHE_KEY = "contacts:line-labels"
# Lines change rarely and lines_upsert clears the cache when they do; the timeout only bounds a
# rename made straight in the database.
LINE_LABELS_CACHE_SECONDS = 10 * 60


def line_labels() -> dict[str, str]:
    """Every known line's id -> "Front office (+1 617-555-0100)" (cached; one query on a miss)."""
    from django.core.cache import cache

    from .models import Line

    labels = cache.get(LINE_LABELS_CACHE_KEY)
    if labels is None:
        labels = {line.openphone_id: str(line) for line in Line.objects.all()}
        cache.set(LINE_LABELS_CACHE_KEY, labels, LINE_LABELS_CACHE_SECONDS)
    return labels


def line_label(phone_number_id: str | None) -> str:
    """How people know the line: its name and number, or its id while we know no more."""
    if not phone_number_id:
        return ""
    return line_labels().get(phone_number_id, phone_number_id)


def line_labels_forget() -> None:
    """Drop the cached labels (after lines change)."""
    from django.core.cache import cache

    cache.delete(LINE_LABELS_CACHE_KEY)


def contact_reply_lines(*, contact: Contact) -> list[tuple[str, str]]:
    """The lines staff may answer this homeowner from, as (id, label): their conversations' lines,
    the most recent first, or the default line when they have no conversation yet."""
    from django.conf import settings

    lines = list(
        Conversation.objects.filter(contact=contact)
        .order_by(F("last_activity_at").desc(nulls_last=True), "-id")
        .values_list("phone_number_id", flat=True)
    )
    if not lines and settings.OPENPHONE_PHONE_NUMBER_ID:
        lines = [settings.OPENPHONE_PHONE_NUMBER_ID]
    return [(pn, line_label(pn)) for pn in dict.fromkeys(lines)]


def contact_scheduled_texts(*, contact: Contact):
    """The homeowner's scheduled texts still to go out, soonest first."""
    from .models import ScheduledText, ScheduledTextStatus

    return ScheduledText.objects.filter(
        conversation__contact=contact, status__in=[ScheduledTextStatus.SCHEDULED, ScheduledTextStatus.SENDING]
    ).select_related("conversation", "created_by").order_by("send_at", "id")

def contact_open_hold(*, contact):
    """The newest undecided hold on the contact, with the message that caused it, or None."""
    from .models import TextingHold

    return (
        TextingHold.objects.filter(contact=contact, decision="").select_related("activity").order_by("-held_at", "-id").first()
    )


def contacts_held_count() -> int:
    """How many homeowners are on hold, waiting for a person to decide on an unclear reply."""
    return Contact.objects.filter(texting_held=True).count()
