"""What one CSV row means once read: a property and its owners, or one person.

The records travel pickled from the parsing process to the importing one (runner._ParseAhead),
so each pickles as its class and its field values: unpickling calls the constructor, several
times cheaper than the default of restoring each slot by name.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


def _pickled_by_fields(cls):
    names = tuple(f.name for f in fields(cls))

    def __reduce__(self):
        return cls, tuple([getattr(self, name) for name in names])

    cls.__reduce__ = __reduce__
    return cls


# The property facts a file can carry, in the order of PropertyRecord.facts; refreshed on every import.
PROPERTY_FACTS = (
    "property_type", "subdivision", "latitude", "longitude", "year_built", "purchase_date", "purchase_price",
    "square_feet", "bedrooms", "bathrooms", "estimated_value", "estimated_equity", "equity_percent",
    "owner_name", "owner_occupied", "listed_for_sale", "listing_status", "foreclosure", "high_equity",
)
_TEXT_FACTS = frozenset({"property_type", "subdivision", "owner_name", "listing_status"})
# A row without any fact: what a new property holds where its cell was empty ("" in text columns).
NO_FACTS = tuple("" if name in _TEXT_FACTS else None for name in PROPERTY_FACTS)


@_pickled_by_fields
@dataclass(slots=True)
class PropertyRecord:
    key: str  # properties.addresses.address_key
    state: str
    apn: str
    address: str
    city: str
    zip_code: str
    # Aligned with PROPERTY_FACTS; NO_FACTS's value (None, "" for text) where the cell had none. A tuple,
    # not a dict: a batch's facts pickle and unpickle in a third of the time (no key per value).
    facts: tuple[Any, ...]


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


# The raw cells travel as one string: pickling a list of 39 strings costs a third of a batch's
# pickling and unpickling, one string almost nothing. NUL is a byte no export writes; a row
# holding one anyway keeps its list.
_CELL_SEPARATOR = "\x00"


def pack_cells(cells: list[str]) -> str | list[str]:
    """The cells as one string, or the list itself when a cell holds the separator."""
    packed = _CELL_SEPARATOR.join(cells)
    if packed.count(_CELL_SEPARATOR) != len(cells) - 1:
        return cells
    return packed


class ParsedRow:
    """One row read into a property and its owners; `cells` is the row as read, for the rejects
    file should the batch plan refuse it (rare), so it is kept packed and split on demand."""

    __slots__ = ("line", "packed_cells", "property", "owners", "unusable_phones")

    def __init__(self, line: int, cells: list[str] | str, property: PropertyRecord | None,
                 owners: list[OwnerRecord] | None = None, unusable_phones: int = 0):
        self.line = line
        self.packed_cells = pack_cells(cells) if isinstance(cells, list) else cells
        self.property = property
        self.owners = [] if owners is None else owners
        self.unusable_phones = unusable_phones

    @property
    def cells(self) -> list[str]:
        packed = self.packed_cells
        return packed.split(_CELL_SEPARATOR) if isinstance(packed, str) else list(packed)

    def __reduce__(self):
        return ParsedRow, (self.line, self.packed_cells, self.property, self.owners, self.unusable_phones)

    def __eq__(self, other):
        if other.__class__ is not ParsedRow:
            return NotImplemented
        return (self.line, self.cells, self.property, self.owners, self.unusable_phones) == (
            other.line, other.cells, other.property, other.owners, other.unusable_phones)

    __hash__ = None

    def __repr__(self) -> str:
        return (f"ParsedRow(line={self.line!r}, cells={self.cells!r}, property={self.property!r}, "
                f"owners={self.owners!r}, unusable_phones={self.unusable_phones!r})")


@_pickled_by_fields
@dataclass(slots=True)
class RejectedRow:
    line: int
    reason: str
    values: list[str]
