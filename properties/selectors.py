"""Reads about houses."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet

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
    from .addresses import address_key, zip5

    if not (line1 or "").strip():
        return None
    street = address_key(line1, "", "", "").split("|", 1)[0]
    if street.startswith("~"):
        return None
    same_street = Property.objects.filter(address_key__startswith=f"{street}|")
    if state:
        same_street = same_street.filter(state=state.upper())
    zip_code = zip5(zip_code)
    tries = []
    if city and zip_code:
        tries.append({"city__iexact": city, "zip_code__startswith": zip_code})
    if zip_code:
        tries.append({"zip_code__startswith": zip_code})
    if city:
        tries.append({"city__iexact": city})
    if not (city or zip_code):
        tries.append({})
    for lookup in tries:
        found = list(same_street.filter(**lookup).only("pk", "address", "city", "state", "zip_code")[:2])
        if len(found) == 1:
            return found[0]
        if found:
            return None  # several houses fit: a person picks
    return None
