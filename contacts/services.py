"""Writes about homeowners: creating them, opting them out and in, tagging.

Each function is one transaction; callers pass keyword arguments only.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Contact, ContactPhone, OptOutEvent, Tag
from .phone import normalize_phone


def duplicate_phone_error(existing: Contact) -> ValidationError:
    """The error shown when a number already belongs to someone, linking to that person."""
    url = reverse("admin:contacts_contact_change", args=[existing.pk])
    return ValidationError(
        format_html(
            'This phone number already belongs to <a href="{}">{}</a>.', url, str(existing)
        ),
        code="phone_duplicate",
    )


def contact_create(*, phone: str | None = None, source: str = "manual", **fields) -> Contact:
    """Create a homeowner; the phone is normalized to E.164 and must not belong to anyone else."""
    e164 = normalize_phone(phone) if phone else None
    with transaction.atomic():
        if e164:
            existing = Contact.objects.filter(phone=e164).first()
            if existing is None:
                owner = ContactPhone.objects.filter(phone=e164).select_related("contact").first()
                existing = owner.contact if owner else None
            if existing is not None:
                raise ValidationError({"phone": duplicate_phone_error(existing)})
        contact = Contact(phone=e164, source=source, **fields)
        contact.full_clean(exclude=["phone"])
        contact.save()
        if e164:
            ContactPhone.objects.create(contact=contact, phone=e164, label="main")
    return contact


def contact_opt_out(
    *,
    contact: Contact,
    reason: str,
    source: str,
    by_user=None,
    activity=None,
    at: datetime | None = None,
) -> bool:
    """Mark the contact as never to be texted; returns False if they were already opted out.

    Every call leaves an OptOutEvent, so the audit trail shows repeated requests too.
    """
    at = at or timezone.now()
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changed = not locked.opted_out
        if changed:
            locked.opted_out = True
            locked.opted_out_at = at
            locked.opted_out_reason = reason[:255]
            locked.save(update_fields=["opted_out", "opted_out_at", "opted_out_reason", "updated_at"])
        OptOutEvent.objects.create(
            contact=locked, opted_out=True, reason=reason[:255], source=source,
            by_user=by_user, activity=activity, occurred_at=at,
        )
    contact.refresh_from_db(fields=["opted_out", "opted_out_at", "opted_out_reason"])
    return changed


def contact_opt_in(
    *, contact: Contact, reason: str, source: str, by_user=None, activity=None, at: datetime | None = None
) -> bool:
    """Allow texting the contact again (they replied START); returns False if they were not opted out."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        changed = locked.opted_out
        if changed:
            locked.opted_out = False
            locked.opted_out_at = None
            locked.opted_out_reason = ""
            locked.save(update_fields=["opted_out", "opted_out_at", "opted_out_reason", "updated_at"])
        OptOutEvent.objects.create(
            contact=locked, opted_out=False, reason=reason[:255], source=source,
            by_user=by_user, activity=activity, occurred_at=at,
        )
    contact.refresh_from_db(fields=["opted_out", "opted_out_at", "opted_out_reason"])
    return changed


def contact_bulk_opt_out(*, contacts: Iterable[Contact], reason: str, by_user=None) -> int:
    """Opt out each contact (staff action); returns how many were newly opted out."""
    with transaction.atomic():
        return sum(
            contact_opt_out(contact=c, reason=reason, source="staff", by_user=by_user) for c in contacts
        )


def contacts_add_tag(*, contact_ids: Iterable[int], tag_name: str) -> int:
    """Put the tag (created if new) on the contacts; returns how many newly got it."""
    name = tag_name.strip()
    if not name:
        raise ValidationError("A tag needs a name.")
    with transaction.atomic():
        tag, _ = Tag.objects.get_or_create(name=name)
        through = Contact.tags.through
        ids = set(contact_ids)
        already = set(through.objects.filter(tag=tag, contact_id__in=ids).values_list("contact_id", flat=True))
        through.objects.bulk_create([through(contact_id=cid, tag=tag) for cid in ids - already])
    return len(ids - already)
