"""US street addresses: one normalized key per house, so "12 Main Street" and "12 MAIN ST" are one property.

Built on usaddress-scourgify (USPS Publication 28 abbreviations). An address it cannot parse
still gets a key (prefixed `~`) made from its words, so the row is kept, not rejected.
"""
from __future__ import annotations

import re

from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError

_NON_WORD = re.compile(r"[^A-Z0-9]+")
# scourgify insists on a postal code; this stands in when a row has none and is dropped again.
_MISSING_ZIP = "00000"


def zip5(value: str | None) -> str:
    """The five-digit ZIP of `value` ("2114" -> "02114", "02114-1234" -> "02114"), or ""."""
    digits = re.sub(r"\D", "", value or "")[:9]
    if not digits:
        return ""
    if len(digits) in (3, 4, 7, 8):  # spreadsheets drop New England's leading zero
        digits = digits.zfill(5 if len(digits) < 5 else 9)
    return digits[:5]


def _fallback_key(address: str, city: str, state: str, zip_code: str) -> str:
    words = " ".join(_NON_WORD.sub(" ", address.upper().replace(".", "")).split())
    city_words = " ".join(_NON_WORD.sub(" ", city.upper()).split())
    return f"~{words}|{city_words}|{state.upper()}|{zip_code}"


def address_key(address: str, city: str = "", state: str = "", zip_code: str = "") -> str:
    """The normalized, comparable form of an address: `12 MAIN ST|BOSTON|MA|02114`."""
    address = (address or "").strip()
    city = (city or "").strip()
    state = (state or "").strip().upper()
    zip_code = zip5(zip_code)
    if not address:
        raise ValueError("An address is required to build an address key.")
    try:
        record = normalize_address_record(
            {
                "address_line_1": address,
                "city": city or "UNKNOWN",
                "state": state or "MA",
                "postal_code": zip_code or _MISSING_ZIP,
            }
        )
    except (AddressNormalizationError, ValueError, TypeError):
        return _fallback_key(address, city, state, zip_code)
    street = record["address_line_1"]
    if record.get("address_line_2"):
        street = f"{street} {record['address_line_2']}"
    return f"{street}|{(record['city'] if city else '')}|{state}|{zip_code}"
