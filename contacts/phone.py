"""Phone numbers: the one place where text typed by people or found in files becomes E.164.

Everything that stores or compares a phone number goes through `normalize_phone`.
"""
from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError


def normalize_phone(value: str | None, *, region: str | None = None) -> str:
    """Return `value` as E.164 (`+16175550123`) or raise ValidationError saying why not.

    Numbers without a country code are read in `region` (default PHONE_DEFAULT_REGION, US).
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError("Enter a phone number.", code="phone_empty")
    try:
        parsed = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            "“%(value)s” is not a phone number (%(reason)s).",
            code="phone_unparseable",
            params={"value": raw, "reason": str(exc).split(") ", 1)[-1].rstrip(".")},
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            "“%(value)s” is not a valid phone number: check the area code and the number of digits.",
            code="phone_invalid",
            params={"value": raw},
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(value: str | None, *, region: str | None = None) -> str | None:
    """E.164 for `value`, or None when it is empty or not a valid number."""
    try:
        return normalize_phone(value, region=region)
    except ValidationError:
        return None


def format_phone(e164: str | None) -> str:
    """A number as people read it: `(617) 555-0123` for US numbers, international form otherwise."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if parsed.country_code == 1:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str | None) -> str:
    """A number safe to log at INFO: only the last four digits (`+1******0123`)."""
    if not e164:
        return ""
    return e164[:2] + "*" * max(len(e164) - 6, 0) + e164[-4:]
