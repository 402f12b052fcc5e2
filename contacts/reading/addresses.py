"""US street addresses mentioned in a text ("it's 12 Oak St, Brockton"), found with usaddress.

usaddress costs ~250 µs a call, so a cheap regular expression first looks for the shape of a
street address (a house number, one to four words, a street type); only the text from each such
place to the end of its sentence goes to usaddress. Most replies have none and cost ~1 µs here.
Normalizing and matching to our houses is the properties app's job (properties.selectors).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import usaddress

STREET_TYPES = (
    "street|st|avenue|ave|av|road|rd|lane|ln|drive|dr|way|court|ct|terrace|ter|circle|cir|place|pl|"
    "parkway|pkwy|boulevard|blvd|highway|hwy|square|sq|trail|trl|path|row|plaza|pike|turnpike|tpke|"
    "extension|ext|heights|hts|hill|park|point|pt|crossing|xing|common|commons|green|run|walk|alley|"
    "landing|ridge|loop|ledge|pond"
)
_PREFILTER = re.compile(
    rf"\b[1-9]\d{{0,5}}[a-z]?\s+(?:[a-z0-9][\w.'-]*\s+){{1,4}}?(?:{STREET_TYPES})\b\.?",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[!?;\n]|\.(?=\s+[A-Z])|\.\s*$")
_STATES = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA", "COLORADO": "CO",
    "CONNECTICUT": "CT", "DELAWARE": "DE", "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID",
    "ILLINOIS": "IL", "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MASS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN",
    "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY", "NORTH CAROLINA": "NC",
    "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR", "PENNSYLVANIA": "PA",
    "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD", "TENNESSEE": "TN", "TEXAS": "TX",
    "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA", "WASHINGTON": "WA", "WEST VIRGINIA": "WV",
    "WISCONSIN": "WI", "WYOMING": "WY",
}
_STATE_CODES = frozenset(_STATES.values()) | {"DC"}
_STREET_LABELS = (
    "AddressNumber", "AddressNumberSuffix", "StreetNamePreDirectional", "StreetNamePreModifier",
    "StreetNamePreType", "StreetName", "StreetNamePostType", "StreetNamePostDirectional",
    "OccupancyType", "OccupancyIdentifier",
)
# Words usaddress sometimes files under the city that are plainly not one ("in Quincy", "come by").
_NOT_CITY_WORDS = frozenset(
    "in at the and on near off by of is its it's we i my our come please thanks call text if".split()
)
# Words that never sit inside a street name: "3 kids and 2 dogs way" is not an address.
_NOT_STREET_WORDS = frozenset(
    "and or the a an to of in on at with for my our is are was we i you it its this that but so too very "
    "kids dogs cats years months days weeks times".split()
)
_DIGIT = re.compile(r"\d")
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")


@dataclass(frozen=True)
class MentionedAddress:
    """A street address as written in a text, tidied: `12 Oak St`, `Brockton`, `MA`, `02301`."""

    line1: str
    city: str = ""
    state: str = ""
    zip: str = ""


def _clean(token: str) -> str:
    return token.strip(" ,;:()\"'.")


def _parse(window: str) -> MentionedAddress | None:
    try:
        tagged = usaddress.parse(window)
    except Exception:  # usaddress raises on odd input; a text with no readable address has none
        return None
    street: list[str] = []
    city: list[str] = []
    state = zip_code = ""
    started = done_street = city_done = False
    for token, label in tagged:
        word = _clean(token)
        if not word:
            continue
        if not started:
            if label == "AddressNumber":
                started = True
                street.append(word)
            continue
        if label in _STREET_LABELS and not done_street:
            street.append(word.rstrip("."))
            if token.endswith(","):
                done_street = True
            continue
        done_street = True
        if label == "PlaceName" and not state and not zip_code and not city_done:
            if word.lower() in _NOT_CITY_WORDS and not city:
                continue
            if word.lower() in _NOT_CITY_WORDS:
                break
            city.append(word)
            if token.endswith("."):
                break  # "12 Oak St, Brockton. crack by the stairs": the sentence ends with the town
            city_done = token.endswith(",")
        elif label == "StateName" and not state:
            code = _STATES.get(word.upper().rstrip("."), word.upper().rstrip("."))
            if code not in _STATE_CODES:
                break
            state = code
        elif label == "ZipCode" and _ZIP.match(word):
            zip_code = word[:5]
            break
        else:
            break
    if len(street) < 3 or len(street) > 8:
        return None
    name_words = [w.lower() for w in street[1:-1]]
    if any(w in _NOT_STREET_WORDS or w.isdigit() for w in name_words):
        return None
    # A city only when it is written like one: capitalized, or followed by a state or ZIP.
    if city and not (state or zip_code or all(w[:1].isupper() for w in city)):
        city = []
    city_name = " ".join(city).title() if len(city) <= 3 else ""
    return MentionedAddress(line1=" ".join(street), city=city_name, state=state, zip=zip_code)


def find_addresses(text: str) -> tuple[MentionedAddress, ...]:
    """The street addresses the text mentions, in order, each once."""
    if not text or _DIGIT.search(text) is None:
        return ()
    found: list[MentionedAddress] = []
    matches = list(_PREFILTER.finditer(text))
    for number, match in enumerate(matches):
        # Up to the end of the sentence, or the next address ("12 Oak St, Brockton and 5 Elm Rd").
        stop = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        rest = text[match.start():min(stop, match.start() + 120)]
        end = _SENTENCE_END.search(rest, match.end() - match.start() - 1)
        window = rest[: end.start()] if end else rest
        address = _parse(window)
        if address is not None and address not in found:
            found.append(address)
    return tuple(found)
