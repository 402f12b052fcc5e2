"""Where a call's separate events meet: the call, its recording, summary and transcript, in any order.

Each detail is held on a CallDetails row until the call itself is recorded, then filled into its
Activity; the webhook handlers and the history sync both record calls here.
"""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction

from contacts.models import Activity, Contact
from contacts.services import activity_record

from .models import CallDetails


def _call_details_locked(call_id: str) -> CallDetails:
    """The call's meeting row, created if needed and locked until the caller's transaction ends."""
    details, _ = CallDetails.objects.select_for_update().get_or_create(call_id=call_id)
    return details


def _activity_fill(activity: Activity, **details) -> Activity:
    """Record details on an existing call activity through the shared service (fills only what is empty)."""
    details = {name: value for name, value in details.items() if value}
    if not details:
        return activity
    line = activity.conversation.phone_number_id if activity.conversation_id else settings.OPENPHONE_PHONE_NUMBER_ID
    updated, _ = activity_record(
        contact=activity.contact,
        kind=activity.kind,
        direction=activity.direction,
        openphone_id=activity.openphone_id,
        occurred_at=activity.occurred_at,
        phone_number_id=line,
        **details,
    )
    return updated


def call_record(
    *,
    call_id: str,
    contact: Contact,
    kind: str,
    direction: str,
    occurred_at: datetime,
    phone_number_id: str,
    status: str,
    duration_seconds: int | None,
    recording_url: str = "",
    openphone_conversation_id: str | None = None,
) -> tuple[Activity, bool]:
    """Record a finished call (or voicemail) with whatever recording, summary, transcript was held for it."""
    with transaction.atomic():
        details = _call_details_locked(call_id)
        activity, created = activity_record(
            contact=contact,
            kind=kind,
            direction=direction,
            openphone_id=call_id,
            occurred_at=occurred_at,
            phone_number_id=phone_number_id,
            status=status,
            duration_seconds=duration_seconds,
            recording_url=recording_url or details.recording_url or None,
            summary=details.summary or None,
            transcript=details.transcript or None,
            openphone_conversation_id=openphone_conversation_id,
        )
        if details.activity_id != activity.pk:
            details.activity = activity
            details.save(update_fields=["activity", "updated_at"])
    return activity, created


def call_details_attach(
    *, call_id: str, recording_url: str = "", summary: str = "", transcript: str = ""
) -> Activity | None:
    """Attach a recording, summary or transcript to the call; held until the call is recorded.

    Returns the call activity when it already exists (and now carries the details), else None.
    """
    with transaction.atomic():
        details = _call_details_locked(call_id)
        changed = []
        for name, value in (("recording_url", recording_url), ("summary", summary), ("transcript", transcript)):
            if value and not getattr(details, name):
                setattr(details, name, value)
                changed.append(name)
        activity = details.activity
        if activity is None:
            # The call may have been recorded by another path (history sync) without this row.
            activity = Activity.objects.filter(openphone_id=call_id).select_related("conversation").first()
            if activity is not None:
                details.activity = activity
                changed.append("activity")
        if changed:
            details.save(update_fields=[*changed, "updated_at"])
        if activity is None:
            return None
        return _activity_fill(activity, recording_url=recording_url, summary=summary, transcript=transcript)
