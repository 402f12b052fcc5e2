"""Phone cells to E.164 at import speed: the same answers as contacts.phone.try_normalize_phone.

phonenumbers' parse + validate costs ~25-50 µs a number. US numbers written in the usual ways
("(617) 555-0123", "617-555-0123", "+1 617 555 0123") are checked here against the very
patterns phonenumbers validates US numbers with (contacts.phone.US_TYPES), in ~3 µs;
anything else (other NANP countries, extensions, odd shapes, invalid numbers) goes to
try_normalize_phone itself. tests/properties/test_import_values.py compares both on many numbers.
"""
from __future__ import annotations

import re

from contacts.phone import US_GENERAL, US_SHORTCUT, US_TYPES, try_normalize_phone

_US_SHAPE = re.compile(r"(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})")


# Our shape always yields 10 digits: the US number types that allow 10 digits, as one alternation
# (a full match of the alternation is a full match of one of them). A number none of them takes
# goes to try_normalize_phone, so this only ever answers early, never differently.
_US_TYPES_OF_10 = re.compile("|".join(f"(?:{p.pattern})" for _kind, p, lengths in US_TYPES if not lengths or 10 in lengths))


def _valid_for_us(national: str) -> bool:
    if not US_SHORTCUT:
        return False
    pattern, lengths = US_GENERAL
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
