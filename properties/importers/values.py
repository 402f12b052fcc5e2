"""Cells to values: numbers, money, dates, flags, names, emails, ZIP codes and states as files write them.

Each parser returns None for an empty cell and raises RowError (the reason that goes into the
rejects file) for a cell it cannot read. Nothing here touches the database.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from scourgify.address_constants import STATE_ABBREVIATIONS


class RowError(ValueError):
    """A row that cannot be imported; the message says which cell and why, for the rejects file."""


# Bounds of the database columns the values go to, so a wild number is a reject, not a crash.
SMALL_INT_MAX = 32767
_QUANTUM = {places: Decimal(1).scaleb(-places) for places in range(0, 13)}
INT_MAX = 2147483647
_LIMIT = {digits: Decimal(10) ** digits for digits in range(0, 40)}  # 10**n, the bound of n integer digits

_MONEY_JUNK = str.maketrans("", "", "$, ")
_NON_DIGITS = re.compile(r"\D")
_UNSIGNED_AMOUNT = re.compile(r"\d*\.?\d+")
_ZIP_SHAPE = re.compile(r"\d{3,5}(?:-?\d{4})?")
_PLAIN_DECIMAL = re.compile(r"-?\d{1,12}(?:\.(\d{1,12}))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_FLAGS = {
    "1": True, "0": False, "yes": True, "no": False, "y": True, "n": False,
    "true": True, "false": False, "t": True, "f": False,
}
_NAME_SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV", "V"})
_STATE_CODES = frozenset(STATE_ABBREVIATIONS.values()) | {"DC", "PR", "VI", "GU", "AS", "MP"}
_QUICK_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def text(raw: str, *, column: str, max_length: int) -> str:
    """The cell with surrounding and repeated inner whitespace (line breaks too) removed."""
    value = " ".join(raw.split())
    if len(value) > max_length:
        raise RowError(f"{column} is longer than {max_length} characters")
    return value


def whole_number(raw: str, *, column: str, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """`1,234` -> 1234; `3.0` -> 3."""
    value = raw.strip().replace(",", "")
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        try:
            decimal = Decimal(value)
        except InvalidOperation:
            raise RowError(f"{column} “{raw.strip()}” is not a number") from None
        if not decimal.is_finite() or decimal != decimal.to_integral_value():
            raise RowError(f"{column} “{raw.strip()}” is not a whole number") from None
        number = int(decimal)
    if not minimum <= number <= maximum:
        raise RowError(f"{column} “{raw.strip()}” is out of range ({minimum} to {maximum})")
    return number


def money(raw: str, *, column: str) -> int | None:
    """Whole dollars from `$1,234`, `-17000`, `-$17,000`, `($17,000)` or `1234.50` (rounded)."""
    if raw.isdecimal():  # most cells: "19000" (isdigit() would take "²", which int() refuses)
        number = int(raw)
        if number > INT_MAX:
            raise RowError(f"{column} “{raw}” is out of range")
        return number
    value = raw.strip()
    if not value:
        return None
    negative = value.startswith("(") and value.endswith(")")
    if negative:
        value = value[1:-1]
    value = value.translate(_MONEY_JUNK)
    if value.startswith("-"):
        negative, value = not negative, value[1:]
    if value.isdecimal():
        number = int(value)
    elif _UNSIGNED_AMOUNT.fullmatch(value):
        number = int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP))
    else:
        raise RowError(f"{column} “{raw.strip()}” is not an amount of money")
    number = -number if negative else number
    if not -INT_MAX <= number <= INT_MAX:
        raise RowError(f"{column} “{raw.strip()}” is out of range")
    return number


def percent(raw: str, *, column: str) -> int | None:
    """`15`, `15%`, `-5`, `15.4` -> 15 (whole percent, rounded)."""
    value = raw.strip().rstrip("%").strip()
    if not value:
        return None
    try:
        number = int(value) if value.lstrip("-").isdecimal() else int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        raise RowError(f"{column} “{raw.strip()}” is not a percentage") from None
    if not -SMALL_INT_MAX <= number <= SMALL_INT_MAX:
        raise RowError(f"{column} “{raw.strip()}” is out of range")
    return number


def decimal(raw: str, *, column: str, places: int, max_digits: int,
            minimum: Decimal | None = None, maximum: Decimal | None = None) -> Decimal | None:
    """A decimal rounded to the column's places, so the next import compares equal to what was stored."""
    plain = _PLAIN_DECIMAL.fullmatch(raw)  # most cells: nothing to strip
    value = raw if plain else raw.strip().replace(",", "")
    if not value:
        return None
    if not plain:
        plain = _PLAIN_DECIMAL.fullmatch(value)
    try:
        if plain and len(plain[1] or "") == places:
            number = Decimal(value)  # already at the column's precision
        else:
            number = Decimal(value).quantize(_QUANTUM[places], ROUND_HALF_UP)
    except InvalidOperation:
        raise RowError(f"{column} “{raw.strip()}” is not a number") from None
    if not number.is_finite():  # "NaN" is a Decimal, and compares with nothing
        raise RowError(f"{column} “{raw.strip()}” is not a number")
    limit = _LIMIT[max_digits - places]
    if (
        abs(number) >= limit
        or (minimum is not None and number < minimum)
        or (maximum is not None and number > maximum)
    ):
        raise RowError(f"{column} “{raw.strip()}” is out of range")
    return number


def calendar_date(raw: str, *, column: str) -> date | None:
    """YYYY-MM-DD or MM/DD/YYYY (and M/D/YY, as spreadsheets rewrite it)."""
    value = raw.strip()
    if not value:
        return None
    try:
        return _date(value)
    except ValueError:
        raise RowError(f"{column} “{value}” is not a date (YYYY-MM-DD or MM/DD/YYYY)") from None


@lru_cache(maxsize=8192)
def _date(value: str) -> date:
    """Raises ValueError; cached because the same dates recur across a list."""
    match = _ISO_DATE.fullmatch(value)
    if match:
        return date(int(match[1]), int(match[2]), int(match[3]))
    match = _US_DATE.fullmatch(value)
    if match:
        year = int(match[3])
        if len(match[3]) == 2:  # 2-digit years: not in the future
            year += 2000 if 2000 + year <= date.today().year else 1900
        return date(year, int(match[1]), int(match[2]))
    raise ValueError(value)


def flag(raw: str, *, column: str) -> bool | None:
    """1/0, Yes/No, Y/N, True/False."""
    value = raw.strip()
    if not value:
        return None
    try:
        return _FLAGS[value.lower()]
    except KeyError:
        raise RowError(f"{column} “{value}” is not 1/0 or Yes/No") from None


def zip_code(raw: str, *, column: str, strict: bool = True) -> str:
    """`2114` -> `02114`, `021141234` -> `02114-1234` (spreadsheets drop New England's leading zero).

    With strict=False (mailing addresses, which may be abroad) an unrecognized value is kept as written.
    """
    value = raw.strip()
    if not value:
        return ""
    if len(value) == 5 and value.isdigit():
        return value
    digits = _NON_DIGITS.sub("", value)
    if digits and _ZIP_SHAPE.fullmatch(value):
        if len(digits) <= 5:
            return digits.zfill(5)
        digits = digits.zfill(9)
        return f"{digits[:5]}-{digits[5:]}"
    if strict:
        raise RowError(f"{column} “{value}” is not a ZIP code")
    return text(value, column=column, max_length=10)


def state_code(raw: str, *, column: str) -> str:
    """Two-letter state from `MA`, `ma`, `Mass` or `Massachusetts`; "" for an empty cell."""
    value = raw.strip().upper()
    if value in _STATE_CODES or not value:
        return value
    value = " ".join(value.split()).replace(".", "")
    if value in _STATE_CODES:
        return value
    code = STATE_ABBREVIATIONS.get(value)
    if code is None:
        raise RowError(f"{column} “{raw.strip()}” is not a US state")
    return code


def email(raw: str, *, column: str) -> str:
    """The address as written (trimmed); "" for an empty cell."""
    value = raw.strip()
    if not value:
        return ""
    if len(value) > 254:
        raise RowError(f"{column} is longer than 254 characters")
    if not _QUICK_EMAIL.fullmatch(value):
        try:
            validate_email(value)
        except ValidationError:
            raise RowError(f"{column} “{value}” is not an email address") from None
    return value


def person_name(raw: str, *, column: str) -> tuple[str, str]:
    """(first, last) from `Lisa Nguyen`, `Mary Ann Smith`, `John Smith Jr.` or `NGUYEN, LISA`."""
    value = " ".join(raw.split())
    if not value:
        return "", ""
    if "," in value:  # "Last, First"
        last, _, first = value.partition(",")
        first, last = first.strip(), last.strip()
    else:
        words = value.split(" ")
        suffix = ""
        if len(words) > 2 and words[-1].upper().rstrip(".") in _NAME_SUFFIXES:
            suffix = words.pop()
        if len(words) == 1:
            first, last = words[0], suffix
        else:
            first, last = " ".join(words[:-1]), " ".join(filter(None, [words[-1], suffix]))
    if len(first) > 100 or len(last) > 100:
        raise RowError(f"{column} is longer than 100 characters")
    return first, last


def name_key(first: str, last: str) -> str:
    """How two names are compared: ignoring case and spacing."""
    return " ".join(f"{first} {last}".split()).casefold()
