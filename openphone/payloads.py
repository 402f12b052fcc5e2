"""Reading OpenPhone's payloads into plain values (contract section 8), for the handlers and the history sync.

Payloads are read defensively (v3 and v4 shapes, `to` as a string or a list); what cannot be used
raises PayloadError naming the field. Nothing here touches the database.
"""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.dateparse import parse_datetime

from contacts.models import Direction
from contacts.phone import format_phone, mask_phone, try_normalize_phone


class PayloadError(ValueError):
    """The event lacks something we need, or has it in a form we cannot use; the message says which field."""


def event_object(payload: dict) -> dict:
    """The message / call / summary / transcript / contact the event is about."""
    data = payload.get("data")
    if not isinstance(data, dict):
        raise PayloadError("The event has no `data` object.")
    obj = data.get("object")
    if obj is None:
        obj = data.get("resource")  # Standard Webhooks (2026-03-30) deliveries
    if not isinstance(obj, dict):
        raise PayloadError("The event has no `data.object`.")
    return obj


def required_field(obj: dict, name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"`data.object.{name}` is missing.")
    return value


def phone_field(value, field: str) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    e164 = try_normalize_phone(value) if isinstance(value, str) else None
    if e164 is None:
        shown = mask_phone(value) if isinstance(value, str) else repr(value)
        raise PayloadError(f"`data.object.{field}` ({shown}) is not a valid phone number.")
    return e164


def occurred_at_of(obj: dict, payload: dict, *names: str) -> datetime:
    for source in (obj, payload):
        for name in (*names, "createdAt"):
            value = source.get(name)
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if parsed is not None:
                return parsed
    raise PayloadError("`data.object.createdAt` is missing or not an ISO 8601 date-time.")


def line_of(obj: dict) -> str:
    line = obj.get("phoneNumberId") or settings.OPENPHONE_PHONE_NUMBER_ID
    if not line:
        raise PayloadError("`data.object.phoneNumberId` is missing and OPENPHONE_PHONE_NUMBER_ID is not set.")
    return line


def duration_of(value) -> int | None:
    try:
        return max(int(value), 0) if value is not None else None
    except (TypeError, ValueError):
        return None


def call_recording_url(call: dict) -> str:
    """The first finished recording's URL (v4 `recordings`, v3 `media`)."""
    for key in ("recordings", "media"):
        for item in call.get(key) or []:
            url = item.get("url") if isinstance(item, dict) else item
            if isinstance(url, str) and url and (not isinstance(item, dict) or item.get("status") in (None, "completed")):
                return url
    return ""


def call_direction(call: dict) -> str:
    """`outgoing` or `incoming` (anything but `outgoing` is a call to us, as OpenPhone has only the two)."""
    return Direction.OUTGOING if call.get("direction") == Direction.OUTGOING else Direction.INCOMING


def call_was_answered(call: dict) -> bool:
    """False for a call that rang out: any status but `completed`, or an incoming call never answered."""
    if (call.get("status") or "completed") != "completed":
        return False
    return call_direction(call) == Direction.OUTGOING or bool(call.get("answeredAt"))


def text_lines(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [str(item).strip() for item in value or [] if str(item).strip()]


def summary_text(obj: dict) -> str:
    """OpenPhone's AI summary as readable text: the summary lines, then the next steps."""
    text = "\n".join(text_lines(obj.get("summary")))
    steps = text_lines(obj.get("nextSteps"))
    if steps:
        text += ("\n\n" if text else "") + "Next steps:\n" + "\n".join(f"- {step}" for step in steps)
    return text


def transcript_text(obj: dict) -> str:
    """The dialogue as `[m:ss] Speaker: words` lines; our staff show as "Us"."""
    lines = []
    for turn in obj.get("dialogue") or []:
        if not isinstance(turn, dict) or not str(turn.get("content") or "").strip():
            continue
        start = int(float(turn.get("start") or 0))
        speaker = "Us" if turn.get("userId") else (format_phone(turn.get("identifier")) or "Caller")
        lines.append(f"[{start // 60}:{start % 60:02d}] {speaker}: {str(turn['content']).strip()}")
    return "\n".join(lines)


def openphone_contact_fields(obj: dict) -> tuple[str, str, list[str], list[str]]:
    """First name, last name, emails and phone numbers from v3 (flat + `fields`) or REST (`defaultFields`) shapes."""
    default = obj.get("defaultFields") if isinstance(obj.get("defaultFields"), dict) else {}
    first = obj.get("firstName") or default.get("firstName") or ""
    last = obj.get("lastName") or default.get("lastName") or ""
    emails: list[str] = []
    phones: list[str] = []
    for items, bucket in (
        (default.get("emails"), emails), (obj.get("emails"), emails),
        (default.get("phoneNumbers"), phones), (obj.get("phoneNumbers"), phones),
    ):
        for item in items or []:
            value = item.get("value") if isinstance(item, dict) else item
            if isinstance(value, str) and value:
                bucket.append(value)
    fields = obj.get("fields") if isinstance(obj.get("fields"), dict) else {}
    for name, value in fields.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, str) or not item:
                continue
            if "mail" in name.lower():
                emails.append(item)
            elif "phone" in name.lower():
                phones.append(item)
    return str(first), str(last), emails, phones
