"""What one CSV row means once read: a property and its owners, or one person.

The records travel pickled from the parsing process to the importing one (runner._ParseAhead),
so each pickles as its class and its field values: unpickling calls the constructor, several
times cheaper than the default of restoring each slot by name.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _pickled_by_fields(cls):
    names = tuple(f.name for f in fields(cls))

    def __reduce__(self):
        return cls, tuple([getattr(self, name) for name in names])

    cls.__reduce__ = __reduce__
    return cls


@_pickled_by_fields
@dataclass(slots=True)
class PropertyRecord:
    key: str  # properties.addresses.address_key
    state: str
    apn: str
    address: str
    city: str
    zip_code: str
    facts: dict[str, Any]  # refreshed on every import; only the cells that had a value


@_pickled_by_fields
@dataclass(slots=True)
class OwnerRecord:
    first_name: str
    last_name: str
    email: str
    phones: list[tuple[str, str]]  # (E.164, label), first one is the main number
    name_key: str  # values.name_key(first, last)
    role: str = ""  # properties.OwnerRole for PropertyRadar owners
    mailing: tuple[str, str, str, str] | None = None  # address, city, state, zip
    notes: str = ""
    tags: tuple[str, ...] = ()


@_pickled_by_fields
@dataclass(slots=True)
class ParsedRow:
    line: int
    cells: list[str]  # as read, for the rejects file should the batch plan refuse the row
    property: PropertyRecord | None
    owners: list[OwnerRecord] = field(default_factory=list)
    unusable_phones: int = 0


@_pickled_by_fields
@dataclass(slots=True)
class RejectedRow:
    line: int
    reason: str
    values: list[str]
