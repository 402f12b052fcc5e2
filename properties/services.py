"""Writes about houses: creating and changing a property and who owns it.

One normalized address per house (properties.addresses.address_key); each function is one transaction.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact

from .addresses import address_key, zip5
from .models import OwnerRole, Property, PropertyContact

_ADDRESS_FIELDS = ("address", "city", "state", "zip_code")
# Changed only here (address_key follows the address) or by Django.
_PROPERTY_WRITE_REFUSED = frozenset({"id", "pk", "address_key", "created_at", "updated_at", "owners"})


def _same_address_error(existing: Property) -> ValidationError:
    return ValidationError(
        {"address": ValidationError(
            f"This address is already property {existing.pk} ({existing}).", code="address_duplicate"
        )}
    )


def _check_apn(prop: Property) -> None:
    """A parcel number names one house per state: refuse a second property with it."""
    if not prop.apn:
        return
    other = Property.objects.filter(state=prop.state, apn=prop.apn).exclude(pk=prop.pk).first()
    if other is not None:
        raise ValidationError({"apn": ValidationError(
            f"Parcel number {prop.apn} in {prop.state} is already property {other.pk} ({other}).",
            code="apn_duplicate",
        )})


def _check_fields(fields: dict) -> None:
    refused = _PROPERTY_WRITE_REFUSED & fields.keys()
    if refused:
        raise TypeError(f"properties are not written with {', '.join(sorted(refused))}")
    unknown = fields.keys() - {f.name for f in Property._meta.concrete_fields}
    if unknown:
        raise TypeError(f"unknown property fields: {', '.join(sorted(unknown))}")


def _set_owners(*, prop: Property, owners: Iterable[tuple[int, str]]) -> None:
    """Make the owner links exactly `owners` ((contact id, role) pairs), keeping unchanged links."""
    wanted: dict[int, str] = {}
    for contact_id, role in owners:
        if contact_id in wanted:
            raise ValidationError({"owners": ValidationError(f"Contact {contact_id} is listed twice.", code="owner_duplicate")})
        if role not in OwnerRole.values:
            raise ValidationError({"owners": ValidationError(f"“{role}” is not an owner role.", code="owner_role")})
        wanted[contact_id] = role
    missing = set(wanted) - set(Contact.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if missing:
        raise ValidationError({"owners": f"No contact with id {', '.join(map(str, sorted(missing)))}."})
    current = {link.contact_id: link for link in PropertyContact.objects.filter(property=prop)}
    PropertyContact.objects.filter(property=prop).exclude(contact_id__in=wanted).delete()
    for contact_id, role in wanted.items():
        link = current.get(contact_id)
        if link is None:
            PropertyContact.objects.create(property=prop, contact_id=contact_id, role=role)
        elif link.role != role:
            link.role = role
            link.save(update_fields=["role"])


def property_create(*, address: str, owners: Iterable[tuple[int, str]] | None = None, **fields) -> Property:
    """Create a house; refused when its normalized address is already a property.

    `owners` is a list of (contact id, role) pairs.
    """
    _check_fields(fields)
    fields["zip_code"] = zip5(fields.get("zip_code", ""))
    prop = Property(address=(address or "").strip(), **fields)
    if not prop.address:
        raise ValidationError({"address": ValidationError("Enter the street address.", code="required")})
    with transaction.atomic():
        prop.address_key = address_key(prop.address, prop.city, prop.state, prop.zip_code)
        existing = Property.objects.filter(address_key=prop.address_key).first()
        if existing is not None:
            raise _same_address_error(existing)
        _check_apn(prop)
        prop.full_clean(validate_unique=False, validate_constraints=False)
        prop.save()
        if owners is not None:
            _set_owners(prop=prop, owners=owners)
    return prop


def property_update(*, property: Property, owners: Iterable[tuple[int, str]] | None = None, **fields) -> Property:
    """Change a house's details; a changed address must not be another property's.

    `owners` ((contact id, role) pairs), when given, replaces the owner links. The
    property's `updated_at` moves whenever its owners change, so a sync picks it up.
    """
    _check_fields(fields)
    if "zip_code" in fields:
        fields["zip_code"] = zip5(fields["zip_code"])
    if "address" in fields:
        fields["address"] = (fields["address"] or "").strip()
        if not fields["address"]:
            raise ValidationError({"address": ValidationError("Enter the street address.", code="required")})
    with transaction.atomic():
        locked = Property.objects.select_for_update().get(pk=property.pk)
        for name, value in fields.items():
            setattr(locked, name, value)
        if any(name in fields for name in _ADDRESS_FIELDS):
            locked.address_key = address_key(locked.address, locked.city, locked.state, locked.zip_code)
            existing = Property.objects.filter(address_key=locked.address_key).exclude(pk=locked.pk).first()
            if existing is not None:
                raise _same_address_error(existing)
        _check_apn(locked)
        locked.full_clean(validate_unique=False, validate_constraints=False)
        locked.updated_at = timezone.now()
        locked.save()
        if owners is not None:
            _set_owners(prop=locked, owners=owners)
    for field in locked._meta.concrete_fields:
        setattr(property, field.attname, getattr(locked, field.attname))
    return property



# --- Addresses homeowners mention in their texts -----------------------------------------------

def activity_match_mentions(*, activity) -> list:
    """Match each street address a text mentions (its stored reading) to our houses; store the ids.

    Nothing is linked to the homeowner here: the contact page offers the link, a person clicks it.
    Returns the matched houses (None where not in our records).
    """
    from contacts.services import activity_set_address_matches

    from .selectors import properties_match_addresses

    mentions = activity.reading_addresses or []
    if not mentions:
        return []
    found = properties_match_addresses(mentions=mentions)
    activity_set_address_matches(activity=activity, property_ids=[p.pk if p else None for p in found])
    return found


def activities_match_mentions(*, activities: list) -> int:
    """activity_match_mentions for many texts at once, with a fixed number of queries: the addresses
    they mention are matched together (properties_match_addresses) and only the texts whose
    matches change are written. Returns how many texts were written."""
    from contacts.services import activities_set_address_matches

    from .selectors import properties_match_addresses

    texts = [activity for activity in activities if activity.reading_addresses]
    found = iter(properties_match_addresses(mentions=[m for activity in texts for m in activity.reading_addresses]))
    property_ids = [[house.pk if (house := next(found)) else None for _ in activity.reading_addresses] for activity in texts]
    return len(activities_set_address_matches(activities=texts, property_ids=property_ids))


def property_link_mention(*, activity, index: int, role: str = OwnerRole.PRIMARY_OWNER) -> tuple[Property, bool]:
    """A person clicked "Link": tie the house a text mentions to the homeowner who sent it.

    Uses the matched house (matched again now, a house may have been imported since), or creates
    it from the mention when it is not in our records. Returns (house, created). Refuses an index
    the text does not have.
    """
    from contacts.services import activity_set_address_matches

    from .selectors import property_match_address

    mentions = list(activity.reading_addresses or [])
    if not 0 <= index < len(mentions):
        raise ValidationError("This text mentions no such address.", code="no_such_mention")
    mention = mentions[index]
    with transaction.atomic():
        prop = None
        if mention.get("property_id"):
            prop = Property.objects.filter(pk=mention["property_id"]).first()
        if prop is None:
            prop = property_match_address(
                line1=mention.get("line1", ""), city=mention.get("city", ""), state=mention.get("state", ""),
                zip_code=mention.get("zip", ""),
            )
        created = prop is None
        if created:
            prop = property_create(
                address=mention.get("line1", ""), city=mention.get("city", ""),
                state=(mention.get("state") or "MA"), zip_code=mention.get("zip", ""),
            )
        PropertyContact.objects.get_or_create(property=prop, contact_id=activity.contact_id, defaults={"role": role})
        ids = [m.get("property_id") for m in mentions]
        ids[index] = prop.pk
        activity_set_address_matches(activity=activity, property_ids=ids)
    return prop, created
