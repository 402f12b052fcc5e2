"""Phone cells to E.164 at import speed: the same answers as contacts.phone.try_normalize_phone.

phonenumbers' parse + validate costs ~25-50 µs a number. US numbers written in the usual ways
("(617) 555-0123", "617-555-0123", "+1 617 555 0123") are checked here against the very
patterns phonenumbers validates US numbers with (read from its metadata at import), in ~3 µs;
anything else (other NANP countries, extensions, odd shapes, invalid numbers) goes to
try_normalize_phone itself. tests/properties/test_import_phones.py compares both on many numbers.
"""
from __future__ import annotations

import re

import phonenumbers

from contacts.phone import try_normalize_phone

_US_SHAPE = re.compile(r"(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})")


def _desc(desc) -> tuple[re.Pattern, frozenset[int]] | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ())


_US = phonenumbers.PhoneMetadata.metadata_for_region("US")
_US_GENERAL = _desc(_US.general_desc)
# Every number type phonenumbers' _number_type_helper tries: a number matching the general
# pattern and any of these is valid for the US, and the US is the first region phonenumbers
# tries for +1, so is_valid_number agrees.
# (Geographic numbers first: they are most of a list, and the order does not change the answer.)
_US_TYPES = tuple(
    d for d in map(_desc, (
        _US.fixed_line, _US.mobile, _US.premium_rate, _US.toll_free, _US.shared_cost, _US.voip,
        _US.personal_number, _US.pager, _US.uan, _US.voicemail,
    )) if d is not None
)


# Our shape always yields 10 digits: the types that allow 10 digits, as one alternation
# (a full match of the alternation is a full match of one of them).
_US_TYPES_OF_10 = re.compile("|".join(f"(?:{p.pattern})" for p, lengths in _US_TYPES if not lengths or 10 in lengths))


def _valid_for_us(national: str) -> bool:
    pattern, lengths = _US_GENERAL
    if len(national) != 10 or (lengths and 10 not in lengths) or not pattern.fullmatch(national):
        return False
    return _US_TYPES_OF_10.fullmatch(national) is not None


def fast_e164(raw: str) -> str | None:
    """E.164 for a phone cell, or None when it is empty or not a valid number."""
    raw = raw.strip()
    match = _US_SHAPE.fullmatch(raw)
    if match:
        national = "".join(match.groups())
        if _valid_for_us(national):
            return "+1" + national
    return try_normalize_phone(raw) if raw else None
