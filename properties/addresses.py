"""US street addresses: one normalized key per house, so "12 Main Street" and "12 MAIN ST" are one property.

Built on usaddress-scourgify (USPS Publication 28 abbreviations). An address it cannot parse
still gets a key (prefixed `~`) made from its words, so the row is kept, not rejected.
Scourgify's tagger costs ~80-100 µs an address; the common shapes ("12 Main St", "473 Lake Pkwy
Unit #31A") take a fast path that builds the very same key in a few µs (tests/properties/
test_addresses.py compares both paths over thousands of generated addresses).
"""
from __future__ import annotations

import re
from functools import lru_cache

from scourgify import normalize_address_record
from scourgify.address_constants import DIRECTIONAL_REPLACEMENTS, STREET_TYPE_ABBREVIATIONS
from scourgify.cleaning import post_clean_addr_str
from scourgify.exceptions import AddressNormalizationError

_NON_WORD = re.compile(r"[^A-Z0-9]+")
_NON_DIGITS = re.compile(r"\D")
# scourgify insists on a postal code; this stands in when a row has none and is dropped again.
_MISSING_ZIP = "00000"


def zip5(value: str | None) -> str:
    """The five-digit ZIP of `value` ("2114" -> "02114", "02114-1234" -> "02114"), or ""."""
    if value and len(value) == 5 and value.isdigit():
        return value
    digits = _NON_DIGITS.sub("", value or "")[:9]
    if not digits:
        return ""
    if len(digits) in (3, 4, 7, 8):  # spreadsheets drop New England's leading zero
        digits = digits.zfill(5 if len(digits) < 5 else 9)
    return digits[:5]


def _fallback_key(address: str, city: str, state: str, zip_code: str) -> str:
    words = " ".join(_NON_WORD.sub(" ", address.upper().replace(".", "")).split())
    city_words = " ".join(_NON_WORD.sub(" ", city.upper()).split())
    return f"~{words}|{city_words}|{state.upper()}|{zip_code}"


# --- Fast path ------------------------------------------------------------------------------
# Only shapes whose scourgify result is known are taken here; anything else goes to scourgify.
# Street types limited to the everyday ones: rarer ones ("Park", "Xing") change how the tagger
# reads the words before them.
_FAST_STREET_TYPES = frozenset(
    "ST STREET AVE AVENUE AV RD ROAD LN LANE DR DRIVE WAY CT COURT TER TERRACE CIR CIRCLE "
    "PL PLACE PKWY PARKWAY BLVD BOULEVARD SQ".split()  # "Square" spelled out is not: "Central Square"
)
# Street-type words that are also everyday street names ("Lake Pkwy", "Center St") and that the
# tagger reads as the name when they are the whole name; other street-type words in a name
# ("Avenue Baker Ave", "Powell Ln Park") are left to scourgify.
_FAST_NAME_TYPE_WORDS = frozenset(
    "PARK LAKE SPRING SPRINGS CENTER MILL HILL HILLS RIDGE MEADOW MEADOWS BROOK ORCHARD GARDEN "
    "GROVE BRIDGE MOUNT FOREST RIVER UNION SUMMIT VALLEY VIEW GLEN HARBOR HAVEN ISLAND KEY MANOR "
    "COURT PINE PINES PLAIN PLAINS POINT PORT SHORE STATION VILLAGE WELL WELLS WALL CREST DALE FIELD "
    "FIELDS FALL FALLS FORGE FORT GREEN HOLLOW LANDING LIGHT LOCK LODGE MISSION NECK PASS RANCH "
    "REST STREAM VISTA COMMON CORNER CORNERS COVE CREEK ESTATE FERRY FORD HEIGHTS INLET KNOLL "
    "MOUNTAIN BEND BLUFF BRANCH CAMP CANYON CAPE CLIFF CLUB COURSE CURVE DIVIDE FLAT FLATS "
    "GATEWAY JUNCTION LAND LOAF MALL OVAL PLAZA PRAIRIE RAPIDS SHOAL SPUR TRACE".split()
)
# "Old State Road", "County Road 9": read as route names by the tagger.
_ROUTE_WORDS = frozenset({"STATE", "COUNTY", "ROUTE", "RT", "RTE", "HIGHWAY", "HWY"})
_DIRECTIONALS = frozenset(DIRECTIONAL_REPLACEMENTS) | frozenset(DIRECTIONAL_REPLACEMENTS.values())
_UNIT_TYPES = {"APT": "APT", "APARTMENT": "APT", "UNIT": "UNIT", "STE": "STE", "SUITE": "STE"}
_PERIOD = re.compile(r"\.(?!\d)")  # scourgify drops periods that are not decimal points
_HOUSE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")
_NAME_WORD = re.compile(r"[A-Z]{2,}")
_UNIT_ID = re.compile(r"[A-Z0-9]{1,6}(?:-[A-Z0-9]{1,4})?")
_PLAIN_CITY = re.compile(r"[A-Za-z ]+")
_ORDINAL = re.compile(r"[1-9][0-9]{0,3}(?:ST|ND|RD|TH)")
_ORDINAL_SUFFIX = {"1": "ST", "2": "ND", "3": "RD"}


def _fast_street(address: str) -> str | None:
    """`12 N MAIN ST UNIT # 4` for the common shapes, exactly as scourgify writes them; None otherwise."""
    upper = address.upper().replace(",", " ")
    words = (_PERIOD.sub("", upper) if "." in upper else upper).split()
    unit: list[str] = []
    if len(words) >= 2 and words[-1].startswith("#") and len(words[-1]) > 1:  # "#5", "Unit #31A"
        unit = ["#", words.pop()[1:]]
        if words and words[-1] in _UNIT_TYPES:
            unit.insert(0, _UNIT_TYPES[words.pop()])
    elif len(words) >= 3 and words[-2] == "#":  # "# B", "Apt # 2"
        unit = ["#", words.pop()]
        words.pop()
        if words and words[-1] in _UNIT_TYPES:
            unit.insert(0, _UNIT_TYPES[words.pop()])
    elif len(words) >= 3 and words[-2] in _UNIT_TYPES:  # "Unit 4", "Suite 100"
        unit = [_UNIT_TYPES[words[-2]], words[-1]]
        del words[-2:]
    if unit and not _UNIT_ID.fullmatch(unit[-1]):
        return None
    if not 3 <= len(words) <= 5 or not _HOUSE_NUMBER.fullmatch(words[0]) or words[-1] not in _FAST_STREET_TYPES:
        return None
    name = words[1:-1]
    # "N Main St", "North Main St" -> "N MAIN ST"; "North St" keeps its name.
    directional = []
    if len(name) > 1 and name[0] in _DIRECTIONALS:
        directional = [DIRECTIONAL_REPLACEMENTS.get(name[0], name[0])]
        name = name[1:]
    if len(name) == 1 and _ORDINAL.fullmatch(name[0]):  # "1st St", "N 2nd Ave"
        number, suffix = name[0][:-2], name[0][-2:]
        if _ORDINAL_SUFFIX.get(number[-1:] if number[-2:-1] != "1" else "", "TH") != suffix:
            return None
    else:
        for word in name:
            if (
                not _NAME_WORD.fullmatch(word)
                or word in _DIRECTIONALS
                or word in _UNIT_TYPES
                or word in _ROUTE_WORDS
                # "Lake Pkwy" is read as name + type, "River Ridge Court" is not: a street-type word
                # is only taken as the whole name.
                or (word in STREET_TYPE_ABBREVIATIONS and (len(name) > 1 or word not in _FAST_NAME_TYPE_WORDS))
            ):
                return None
    return " ".join([words[0], *directional, *name, STREET_TYPE_ABBREVIATIONS[words[-1]], *unit])


@lru_cache(maxsize=4096)  # a list has few distinct cities
def _clean_city(city: str) -> str:
    if _PLAIN_CITY.fullmatch(city):
        return " ".join(city.split()).upper()
    return post_clean_addr_str(city) or ""


def _clean_parts(address, city, state, zip_code) -> tuple[str, str, str, str]:
    address = (address or "").strip()
    if not address:
        raise ValueError("An address is required to build an address key.")
    return address, (city or "").strip(), (state or "").strip().upper(), zip5(zip_code)


def address_key(address: str, city: str = "", state: str = "", zip_code: str = "") -> str:
    """The normalized, comparable form of an address: `12 MAIN ST|BOSTON|MA|02114`."""
    address, city, state, zip_code = _clean_parts(address, city, state, zip_code)
    # Connecticut addresses keep "CT" unexpanded in scourgify's pre-cleaning; leave them to it.
    street = _fast_street(address) if state != "CT" else None
    if street is not None:
        return f"{street}|{_clean_city(city) if city else ''}|{state}|{zip_code}"
    return scourgify_address_key(address, city, state, zip_code)


def scourgify_address_key(address: str, city: str = "", state: str = "", zip_code: str = "") -> str:
    """address_key computed by scourgify alone, without the fast path; tests compare the two."""
    address, city, state, zip_code = _clean_parts(address, city, state, zip_code)
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
