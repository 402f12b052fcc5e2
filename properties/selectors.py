"""Reads about houses."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Prefetch, Q, QuerySet

from .models import Property, PropertyContact


def property_list() -> QuerySet[Property]:
    """Every house with its owner links and their contacts fetched alongside."""
    return Property.objects.prefetch_related(
        Prefetch("contact_links", queryset=PropertyContact.objects.select_related("contact").order_by("id"))
    ).order_by("city", "address", "id")


def property_match_address(*, line1: str, city: str = "", state: str = "", zip_code: str = "") -> Property | None:
    """The one house at this street address, read the way the importer keys addresses; None if none or several.

    Tried with everything given first (street, city, ZIP), then with less: street and ZIP, street
    and city, street alone. The first try that finds exactly one house decides; a street found in
    two towns with no town given matches nothing (a person picks).
    """
    return properties_match_addresses(mentions=[{"line1": line1, "city": city, "state": state, "zip": zip_code}])[0]


# Streets whose houses one query reads when matching many addresses (an OR of prefixes; SQLite
# caps how deep one expression may go).
STREETS_PER_QUERY = 200


def properties_match_addresses(*, mentions: Sequence[dict]) -> list[Property | None]:
    """property_match_address for many addresses at once, in order: dicts with line1, city, state and
    zip, as a text's reading stores them. The houses on their streets are read in one query per
    STREETS_PER_QUERY streets, whatever the number of addresses."""
    streets = [_street_key(m.get("line1") or "") for m in mentions]
    wanted = sorted({street for street in streets if street})
    on_street: dict[str, list[Property]] = defaultdict(list)
    for start in range(0, len(wanted), STREETS_PER_QUERY):
        prefixes = Q()
        for street in wanted[start:start + STREETS_PER_QUERY]:
            prefixes |= Q(address_key__startswith=f"{street}|")
        houses = Property.objects.filter(prefixes).only("pk", "address", "city", "state", "zip_code", "address_key")
        for house in houses.order_by("pk"):
            on_street[house.address_key.split("|", 1)[0]].append(house)
    return [
        _one_house(on_street.get(street, []), city=m.get("city") or "", state=m.get("state") or "",
                   zip_code=m.get("zip") or "") if street else None
        for m, street in zip(mentions, streets, strict=True)
    ]


def _street_key(line1: str) -> str:
    """The street part of the address key of `line1` ("12 OAK ST"), or "" when there is none to match."""
    from .addresses import address_key

    if not line1.strip():
        return ""
    street = address_key(line1, "", "", "").split("|", 1)[0]
    return "" if street.startswith("~") else street


def _one_house(houses: list[Property], *, city: str, state: str, zip_code: str) -> Property | None:
    """Of the houses on one street, the one the address means: tried with city and ZIP, then ZIP,
    then city, then (neither given) the street alone; the first try finding exactly one decides."""
    from .addresses import zip5

    if state:
        houses = [h for h in houses if h.state == state.upper()]
    zip_code = zip5(zip_code)
    city = city.upper()
    tries = []
    if city and zip_code:
        tries.append(lambda h: h.city.upper() == city and h.zip_code.startswith(zip_code))
    if zip_code:
        tries.append(lambda h: h.zip_code.startswith(zip_code))
    if city:
        tries.append(lambda h: h.city.upper() == city)
    if not (city or zip_code):
        tries.append(lambda h: True)
    for fits in tries:
        found = [h for h in houses if fits(h)]
        if len(found) == 1:
            return found[0]
        if found:
            return None  # several houses fit: a person picks
    return None
