"""Turn each OpenPhone event type into calls to the apps' services (contract section 8).

Payloads become plain values in openphone/payloads.py (which raises PayloadError, naming the field,
when an event cannot be used); handlers are idempotent by OpenPhone ids.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError

from campaigns.services import membership_record_delivery, membership_record_reply
from contacts.models import Activity, ActivityKind, Contact, ContactSource, Direction
from contacts.phone import mask_phone, try_normalize_phone
from contacts.selectors import contact_get_by_phone
from contacts.services import (
    activity_media_add,
    activity_record,
    contact_apply_reply_keywords,
    contact_fill_from_openphone,
    contact_get_or_create_by_phone,
    contacts_forget_openphone_contact,
)
from properties.services import activity_match_mentions

from . import calls
from .client import OpenPhoneClient, OpenPhoneError, OpenPhoneNotFound
from .errors import TransientEventError
from .lines import line_numbers
from .media import media_copies_queue, media_items
from .payloads import (
    PayloadError,
    call_direction,
    call_recording_url,
    duration_of,
    event_object,
    line_of,
    occurred_at_of,
    openphone_contact_fields,
    phone_field,
    required_field,
    summary_text,
    transcript_text,
)

logger = logging.getLogger(__name__)


# --- Campaign hooks -------------------------------------------------------------------------------
# The only place this module knows about campaigns.

def notify_campaigns_of_reply(*, activity: Activity) -> None:
    """Called after a homeowner's text is recorded (and any opt-out applied): the campaign counts the reply."""
    membership_record_reply(activity=activity)


def notify_campaigns_of_delivery(*, activity: Activity) -> None:
    """Called after the status of one of our texts changed: the campaign membership follows it."""
    membership_record_delivery(activity=activity)


# --- Reading payloads -----------------------------------------------------------------------------


def _contact_for(phone: str, *, source: str) -> Contact:
    try:
        contact, created = contact_get_or_create_by_phone(phone=phone, source=source)
    except ValidationError as exc:  # already normalized, so only a race on a bad number lands here
        raise PayloadError(f"Cannot use the number {mask_phone(phone)}: {exc.messages[0]}") from exc
    if created:
        logger.debug("New contact %s from OpenPhone (%s)", mask_phone(phone), source)
    return contact


# --- Messages -------------------------------------------------------------------------------------

def handle_message_received(payload: dict) -> None:
    """A homeowner texted us: their contact (created if new), the conversation, the message, opt-out words."""
    message = event_object(payload)
    sender = phone_field(message.get("from"), "from")
    contact = _contact_for(sender, source=ContactSource.INBOUND)
    activity, _ = activity_record(
        contact=contact,
        kind=ActivityKind.MESSAGE,
        direction=Direction.INCOMING,
        openphone_id=required_field(message, "id"),
        occurred_at=occurred_at_of(message, payload),
        phone_number_id=line_of(message),
        body=message.get("text") or message.get("body") or "",
        status=message.get("status") or "received",
        openphone_conversation_id=message.get("conversationId") or None,
    )
    media_copies_queue(activity_media_add(activity=activity, items=media_items(message.get("media"))))
    outcome = contact_apply_reply_keywords(activity=activity)
    activity_match_mentions(activity=activity)  # addresses in the text -> our houses (linked only by a click)
    if outcome:
        logger.debug("Inbound text from %s: %s", mask_phone(sender), outcome)
    notify_campaigns_of_reply(activity=activity)


# Event type -> status when the message object carries none.
_STATUS_BY_TYPE = {"message.delivered": "delivered", "message.failed": "failed"}


def handle_message_status(payload: dict) -> None:
    """One of our texts was delivered (or failed): update it, or record it if sent from the OpenPhone app."""
    message = event_object(payload)
    message_id = required_field(message, "id")
    status = message.get("status") or _STATUS_BY_TYPE.get(payload.get("type"), "")
    existing = Activity.objects.select_related("contact").filter(openphone_id=message_id).first()
    if existing is not None:
        contact = existing.contact
        direction = existing.direction or Direction.OUTGOING
    else:
        direction = Direction.INCOMING if message.get("direction") == Direction.INCOMING else Direction.OUTGOING
        field = "from" if direction == Direction.INCOMING else "to"
        contact = _contact_for(phone_field(message.get(field), field), source=ContactSource.OPENPHONE)
    activity, _ = activity_record(
        contact=contact,
        kind=ActivityKind.MESSAGE,
        direction=direction,
        openphone_id=message_id,
        occurred_at=occurred_at_of(message, payload),
        phone_number_id=line_of(message),
        body=message.get("text") or message.get("body") or "",
        status=status,
        openphone_conversation_id=message.get("conversationId") or None,
    )
    notify_campaigns_of_delivery(activity=activity)


# --- Calls ----------------------------------------------------------------------------------------

# Attempts of the re-fetch of a call that came without participants. The event's task retries a
# failure with backoff, so the client need not ride out an outage while it holds the event's row
# lock and transaction: one quick second try for a blip, then the event waits for its retry.
REFETCH_MAX_ATTEMPTS = 2


def _call_refetched_participants(call_id: str) -> list:
    """The participants OpenPhone now lists for the call (contract 8.4: empty on some deliveries).

    OpenPhone unreachable, 5xx or 429: TransientEventError (the event stays pending and is retried).
    No such call (404): PayloadError. Any other refusal (401, 403) is raised as it is.
    """
    try:
        call = OpenPhoneClient(max_attempts=REFETCH_MAX_ATTEMPTS).get_call(call_id)
    except OpenPhoneNotFound as exc:
        raise PayloadError(
            f"Call {call_id} arrived without participants, and OpenPhone has no such call "
            f"(GET /v1/calls/{call_id} answered 404)."
        ) from exc
    except OpenPhoneError as exc:
        if exc.retryable:
            raise TransientEventError(
                f"Call {call_id} arrived without participants and could not be re-fetched: {exc}"
            ) from exc
        raise
    participants = call.get("participants") if isinstance(call, dict) else None
    if not participants:
        raise PayloadError(
            f"Call {call_id} arrived without participants, and OpenPhone lists none for it either "
            f"(GET /v1/calls/{call_id})."
        )
    return participants


def _call_counterparty(call: dict) -> str | None:
    """The homeowner's number on a call: v4 `participants`, v3 `from`/`to` by direction.

    `participants` holds the homeowner and our own line (observed: theirs first, ours second); our
    lines' numbers are left out when OpenPhone has told us them (openphone.lines), else a number we
    know wins, else the first. None when every participant is one of our lines (a call between them).
    """
    participants = call.get("participants")
    if not participants and not ("from" in call or "to" in call):
        participants = _call_refetched_participants(required_field(call, "id"))
    if participants:
        numbers = [n for n in (try_normalize_phone(p) for p in participants if isinstance(p, str)) if n]
        if not numbers:
            raise PayloadError("`data.object.participants` holds no valid phone number.")
        numbers = list(dict.fromkeys(numbers))
        if len(numbers) > 1:
            ours = line_numbers()
            if ours is not None:
                numbers = [n for n in numbers if n not in ours]
                if not numbers:
                    return None
        if len(numbers) > 1:
            for number in numbers:
                if contact_get_by_phone(phone=number) is not None:
                    return number
        return numbers[0]
    incoming = call.get("direction") != Direction.OUTGOING
    field = "from" if incoming else "to"
    return phone_field(call.get(field), field)


def call_record_from_openphone(
    *,
    call: dict,
    contact: Contact,
    occurred_at: datetime,
    phone_number_id: str,
    voicemail: dict | None = None,
    openphone_conversation_id: str | None = None,
) -> tuple[Activity, bool]:
    """Record an OpenPhone call object (a webhook's or the REST API's) on the contact's timeline.

    The one rule for webhooks and the history sync: an incoming call completed without being
    answered is `missed`; a call with a voicemail (v3 `voicemail.url`, REST `recordingUrl`) is a
    voicemail with its duration and recording. Details held for the call are attached.
    """
    direction = call_direction(call)
    status = call.get("status") or "completed"
    if direction == Direction.INCOMING and status == "completed" and not call.get("answeredAt"):
        status = "missed"
    voicemail = voicemail if isinstance(voicemail, dict) else {}
    voicemail_url = voicemail.get("url") or voicemail.get("recordingUrl") or ""
    kind = ActivityKind.VOICEMAIL if voicemail_url else ActivityKind.CALL
    duration = duration_of(call.get("duration"))
    if kind == ActivityKind.VOICEMAIL and voicemail.get("duration") is not None:
        duration = duration_of(voicemail.get("duration"))
    return calls.call_record(
        call_id=required_field(call, "id"),
        contact=contact,
        kind=kind,
        direction=direction,
        occurred_at=occurred_at,
        phone_number_id=phone_number_id,
        status=status,
        duration_seconds=duration,
        recording_url=voicemail_url or call_recording_url(call),
        openphone_conversation_id=openphone_conversation_id,
    )


def handle_call_completed(payload: dict) -> None:
    """A call ended: a call (answered or missed) or a voicemail on the homeowner's timeline."""
    call = event_object(payload)
    required_field(call, "id")
    phone = _call_counterparty(call)
    if phone is None:
        logger.debug("Call %s is between our own lines; no homeowner to record it for", call.get("id"))
        return
    incoming = call_direction(call) == Direction.INCOMING
    call_record_from_openphone(
        call=call,
        contact=_contact_for(phone, source=ContactSource.INBOUND if incoming else ContactSource.OPENPHONE),
        occurred_at=occurred_at_of(call, payload),
        phone_number_id=line_of(call),
        voicemail=call.get("voicemail"),
    )


def handle_call_recording_completed(payload: dict) -> None:
    call = event_object(payload)
    url = call_recording_url(call)
    if url:
        calls.call_details_attach(call_id=required_field(call, "id"), recording_url=url)


def handle_call_summary_completed(payload: dict) -> None:
    summary = event_object(payload)
    text = summary_text(summary)
    if text:
        calls.call_details_attach(call_id=required_field(summary, "callId"), summary=text)


def handle_call_transcript_completed(payload: dict) -> None:
    transcript = event_object(payload)
    text = transcript_text(transcript)
    if text:
        calls.call_details_attach(call_id=required_field(transcript, "callId"), transcript=text)


# --- Contacts -------------------------------------------------------------------------------------


def handle_contact_updated(payload: dict) -> None:
    """Fill the empty name, email and OpenPhone id of the contact with that OpenPhone id or number."""
    obj = event_object(payload)
    openphone_id = required_field(obj, "id")
    first, last, emails, phones = openphone_contact_fields(obj)
    contact = Contact.objects.filter(openphone_contact_id=openphone_id).first()
    for phone in phones:
        if contact is not None:
            break
        contact = contact_get_by_phone(phone=phone)
    if contact is None:
        logger.debug("OpenPhone contact %s matches none of ours; nothing to update", openphone_id)
        return
    contact_fill_from_openphone(
        contact=contact, openphone_contact_id=openphone_id, first_name=first, last_name=last,
        email=emails[0] if emails else "",
    )


def handle_contact_deleted(payload: dict) -> None:
    """OpenPhone deleted its contact: we forget its id and keep ours."""
    contacts_forget_openphone_contact(openphone_contact_id=required_field(event_object(payload), "id"))


HANDLERS: dict[str, Callable[[dict], None]] = {
    "message.received": handle_message_received,
    "message.delivered": handle_message_status,
    "message.failed": handle_message_status,
    "call.completed": handle_call_completed,
    "call.recording.completed": handle_call_recording_completed,
    "call.summary.completed": handle_call_summary_completed,
    "call.transcript.completed": handle_call_transcript_completed,
    "contact.updated": handle_contact_updated,
    "contact.deleted": handle_contact_deleted,
}


def handler_for(event_type: str) -> Callable[[dict], None] | None:
    """The handler of an event type; None for types we store and ignore (call.ringing, unknown ones)."""
    return HANDLERS.get(event_type)
