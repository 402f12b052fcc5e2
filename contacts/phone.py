"""Phone numbers: the one place where text typed by people or found in files becomes E.164.

Everything that stores or compares a phone number goes through `normalize_phone`.
"""
from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberType


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


# --- US numbers at bulk speed ---------------------------------------------------------------------
# phonenumbers' parse + validate or number_type costs ~20-50 µs a number; imports and enrollments
# check hundreds of thousands. These are phonenumbers' own US patterns (read from its metadata),
# compiled once, applied as its number-type check applies them: ~1-3 µs.


def _desc(desc) -> tuple[re.Pattern, frozenset[int]] | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ())


_US = phonenumbers.PhoneMetadata.metadata_for_region("US")
US_GENERAL = _desc(_US.general_desc)
# (type, pattern, possible lengths) in the order phonenumbers' _number_type_helper tries them: the
# first that matches is the number's type. The US patterns for fixed lines and mobiles are one and
# the same (same_mobile_and_fixed_line_pattern), so a fixed-line match is FIXED_LINE_OR_MOBILE.
US_TYPES = tuple(
    (kind, *desc) for kind, desc in (
        (PhoneNumberType.PREMIUM_RATE, _desc(_US.premium_rate)),
        (PhoneNumberType.TOLL_FREE, _desc(_US.toll_free)),
        (PhoneNumberType.SHARED_COST, _desc(_US.shared_cost)),
        (PhoneNumberType.VOIP, _desc(_US.voip)),
        (PhoneNumberType.PERSONAL_NUMBER, _desc(_US.personal_number)),
        (PhoneNumberType.PAGER, _desc(_US.pager)),
        (PhoneNumberType.UAN, _desc(_US.uan)),
        (PhoneNumberType.VOICEMAIL, _desc(_US.voicemail)),
        (PhoneNumberType.FIXED_LINE_OR_MOBILE, _desc(_US.fixed_line)),
    ) if desc is not None
)
# phonenumbers places a +1 number in the US, the first region of +1, whenever it is some type of
# US number: the US has no "leading digits" rule that would place it otherwise. Should a future
# metadata change either of these, the shortcut is off and phonenumbers answers every number.
US_SHORTCUT = (
    _US.leading_digits is None and _US.same_mobile_and_fixed_line_pattern
    and phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1][0] == "US" and US_GENERAL is not None
)


def us_number_type(national: str) -> int:
    """phonenumbers' number type of a +1 number's 10-digit national part when phonenumbers places it
    in the US; PhoneNumberType.UNKNOWN when it does not (invalid, or another NANP country's)."""
    if not US_SHORTCUT:
        return PhoneNumberType.UNKNOWN
    pattern, lengths = US_GENERAL
    if (lengths and len(national) not in lengths) or not pattern.fullmatch(national):
        return PhoneNumberType.UNKNOWN
    for kind, type_pattern, type_lengths in US_TYPES:
        if (not type_lengths or len(national) in type_lengths) and type_pattern.fullmatch(national):
            return kind
    return PhoneNumberType.UNKNOWN


def number_type(e164: str | None) -> int:
    """phonenumbers.number_type of a stored E.164 number (UNKNOWN when empty or invalid), with US
    numbers answered from the compiled patterns above."""
    if not e164:
        return PhoneNumberType.UNKNOWN
    if len(e164) == 12 and e164.startswith("+1"):
        kind = us_number_type(e164[2:])
        if kind != PhoneNumberType.UNKNOWN:
            return kind
    try:
        return phonenumbers.number_type(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return PhoneNumberType.UNKNOWN
