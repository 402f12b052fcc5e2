"""Writes of the office inbox: answer, close, snooze, assign, note and log calls on a conversation.

Each function is one transaction; callers pass keyword arguments only. Every text goes out
through contacts.services.message_send, from the conversation's own line.
"""
from __future__ import annotations

import datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Activity, ActivityKind, Conversation
from ..services import call_log_create, message_send
from .selectors import INBOX_VERSION_KEY

# How far ahead a conversation may be snoozed.
MAX_SNOOZE = datetime.timedelta(days=366)

def _inbox_changed() -> None:
    """After the transaction commits, tell every open inbox that a row changed without a new message
    (done, snoozed, assigned, a call logged): the version is part of what the live refresh polls."""

    def bump() -> None:
        try:
            cache.incr(INBOX_VERSION_KEY)
        except ValueError:  # not set yet, or evicted
            cache.set(INBOX_VERSION_KEY, 1, None)

    transaction.on_commit(bump)


def conversation_reply(*, conversation: Conversation, body: str, by_user) -> Activity:
    """Text the homeowner from the conversation's own line; the conversation stops waiting.

    Refusals (opted out, outside the window, empty) raise contacts.services.TextRefused;
    provider failures raise crm.sms.SmsSendError, as message_send does.
    """
    return message_send(
        contact=conversation.contact, body=body, from_line=conversation.phone_number_id, sent_by=by_user
    )


def conversation_mark_done(*, conversation: Conversation, by_user, at: datetime.datetime | None = None) -> Conversation:
    """Handled without a reply: leaves "Needs reply" until the homeowner writes again."""
    at = at or timezone.now()
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(
            waiting_for_reply=False, done_at=at, done_by=by_user, snoozed_until=None
        )
        _inbox_changed()
    conversation.refresh_from_db()
    return conversation


def conversation_snooze(
    *, conversation: Conversation, until: datetime.datetime, by_user, now: datetime.datetime | None = None
) -> Conversation:
    """Hide from "Needs reply" until `until`, or until the homeowner writes again, whichever is first."""
    now = now or timezone.now()
    if until is None or timezone.is_naive(until):
        raise ValidationError({"until": "Say when to bring it back, with a time zone."}, code="snooze_invalid")
    if until <= now:
        raise ValidationError({"until": "Choose a time in the future."}, code="snooze_past")
    if until > now + MAX_SNOOZE:
        raise ValidationError({"until": "Snooze for a year at most."}, code="snooze_too_far")
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(snoozed_until=until)
        _inbox_changed()
    conversation.refresh_from_db()
    return conversation


def conversation_assign(*, conversation: Conversation, user, by_user) -> Conversation:
    """Give the conversation to a staff member (None: to nobody)."""
    if user is not None and not (user.is_active and user.is_staff):
        raise ValidationError({"user": f"{user} is not an active staff member."}, code="assign_not_staff")
    with transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(assigned_to=user)
        _inbox_changed()
    conversation.refresh_from_db()
    return conversation


def conversation_note_add(*, conversation: Conversation, body: str, by_user) -> Activity:
    """A staff note in the thread (and on the homeowner's timeline)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "A note needs some text."}, code="note_empty")
    with transaction.atomic():
        return Activity.objects.create(
            contact_id=conversation.contact_id, conversation=conversation, kind=ActivityKind.NOTE, body=body,
            occurred_at=timezone.now(), sent_by=by_user,
        )


def conversation_call_log(
    *, conversation: Conversation, outcome: str, note: str = "", by_user, minutes: int | None = None
) -> Activity:
    """Record a phone call made outside OpenPhone (contacts.services.call_log_create); a call that reached
    them answers the conversation."""
    with transaction.atomic():
        activity = call_log_create(contact=conversation.contact, conversation=conversation, outcome=outcome,
                                   note=note, by_user=by_user, minutes=minutes)
        _inbox_changed()
    return activity
