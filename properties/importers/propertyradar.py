"""PropertyRadar export rows: one property and up to two owners (primary, secondary) per row.

Columns are found by name, whatever their order, case or spacing ("Yr Built", "yr built",
"YR_BUILT"); `header_key` explains the matching. Unknown columns are ignored but kept in
the rejects file.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache, partial
from operator import itemgetter

from properties.addresses import address_key
from properties.models import OwnerRole

from . import values
from .phones import fast_e164
from .records import NO_FACTS, PROPERTY_FACTS, OwnerRecord, ParsedRow, PropertyRecord
from .source import ImportFileError, header_key

# Normalized header -> our field. Several spellings map to one field.
_COLUMNS = {
    "type": "property_type", "propertytype": "property_type",
    "address": "address", "propertyaddress": "address", "siteaddress": "address",
    "city": "city", "propertycity": "city",
    "zip": "zip_code", "zipcode": "zip_code", "propertyzip": "zip_code",
    "state": "state", "propertystate": "state", "st": "state",
    "subdivision": "subdivision",
    "longitude": "longitude", "long": "longitude", "lng": "longitude", "lon": "longitude",
    "latitude": "latitude", "lat": "latitude",
    "apn": "apn", "parcelnumber": "apn", "parcel": "apn",
    "yrbuilt": "year_built", "yearbuilt": "year_built",
    "purchasedate": "purchase_date", "lastsaledate": "purchase_date", "saledate": "purchase_date",
    "purchaseprice": "purchase_price", "lastsaleprice": "purchase_price", "lastsaleamount": "purchase_price",
    "sqft": "square_feet", "squarefeet": "square_feet", "buildingsqft": "square_feet",
    "beds": "bedrooms", "bedrooms": "bedrooms",
    "baths": "bathrooms", "bathrooms": "bathrooms",
    "estvalue": "estimated_value", "estimatedvalue": "estimated_value",
    "estequity$": "estimated_equity", "estequity": "estimated_equity", "estimatedequity": "estimated_equity",
    "estequity%": "equity_percent", "equity%": "equity_percent", "estequitypercent": "equity_percent",
    "owner": "owner_name", "ownername": "owner_name", "owners": "owner_name",
    "mailaddress": "mail_address", "mailingaddress": "mail_address",
    "mailcity": "mail_city", "mailingcity": "mail_city",
    "mailstate": "mail_state", "mailingstate": "mail_state",
    "mailzip": "mail_zip", "mailingzip": "mail_zip",
    "ownerocc": "owner_occupied", "owneroccupied": "owner_occupied",
    "listedforsale": "listed_for_sale",
    "listingstatus": "listing_status",
    "foreclosure": "foreclosure",
    "highequity": "high_equity",
}
_OWNER_PHONE = re.compile(r"(primary|secondary)(mobile)?phone(\d+)")
_OWNER_PHONE_STATUS = re.compile(r"(primary|secondary)(mobile)?(?:phone)?(\d+)status")
_OWNER_EMAIL = re.compile(r"(primary|secondary)email(\d+)")
_ROLES = {"primary": OwnerRole.PRIMARY_OWNER, "secondary": OwnerRole.SECONDARY_OWNER}

_LAT_RANGE = (Decimal(-90), Decimal(90))
_LONG_RANGE = (Decimal(-180), Decimal(180))

# Distinct values are normalized once; bounded so memory stays flat however long the file is.
_address_key = lru_cache(maxsize=4096)(address_key)
_e164 = lru_cache(maxsize=8192)(fast_e164)


class _OwnerColumns:
    __slots__ = ("prefix", "role", "name", "name_header", "phones", "emails", "cells", "cells_of")

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.role = _ROLES[prefix]
        self.name: int | None = None
        self.name_header = ""
        self.phones: list[tuple[int, str, int | None]] = []  # (column, label, status column)
        self.emails: list[int] = []
        self.cells: list[int] = []  # every column of this owner, to skip an empty owner quickly
        self.cells_of = None  # itemgetter of `cells` (a tuple of those cells)


class PropertyRadarRows:
    """Turns rows of one PropertyRadar export (given its header) into ParsedRow, or raises RowError."""

    kind_label = "PropertyRadar export"

    def __init__(self, header: list[str], *, default_state: str):
        self.header = header
        self.default_state = default_state
        self.col: dict[str, int] = {}
        owners = {prefix: _OwnerColumns(prefix) for prefix in _ROLES}
        statuses: dict[tuple[str, bool, str], int] = {}
        phone_cols: list[tuple[str, bool, str, int]] = []
        emails: list[tuple[str, str, int]] = []
        for index, name in enumerate(header):
            key = header_key(name)
            if key in _COLUMNS:
                self.col.setdefault(_COLUMNS[key], index)
            elif key in ("primaryname", "secondaryname"):
                owners[key.removesuffix("name")].name = index
            elif match := _OWNER_PHONE.fullmatch(key):
                phone_cols.append((match[1], bool(match[2]), match[3], index))
            elif match := _OWNER_PHONE_STATUS.fullmatch(key):
                statuses.setdefault((match[1], bool(match[2]), match[3]), index)
            elif match := _OWNER_EMAIL.fullmatch(key):
                emails.append((match[1], match[2], index))
        for prefix, mobile, number, index in phone_cols:
            owners[prefix].phones.append((index, "mobile" if mobile else "phone", statuses.get((prefix, mobile, number))))
        for prefix, _number, index in sorted(emails, key=lambda e: (e[0], int(e[1]))):
            owners[prefix].emails.append(index)
        if "address" not in self.col:
            raise ImportFileError(
                "No “Address” column: this does not look like a PropertyRadar export. "
                f"Columns found: {', '.join(header) or '(none)'}."
            )
        self.width = width = len(header)
        # Column index of each field; a field the file lacks points at the empty cell parse() appends.
        self.at = {field: self.col.get(field, width) for field in set(_COLUMNS.values())}
        for owner in owners.values():
            owner.name_header = header[owner.name] if owner.name is not None else ""
            owner.name = width if owner.name is None else owner.name
            owner.phones = [(i, label, width if status is None else status) for i, label, status in owner.phones]
            owner.cells = [owner.name, *(i for i, _, _ in owner.phones), *owner.emails]
            owner.cells_of = _tuple_getter(owner.cells)
        self.owners = [o for o in owners.values() if len(o.cells) > 1 or o.name != width]
        at = self.at
        self.property_at = (at["address"], at["city"], at["zip_code"], at["state"], at["apn"])
        self.mailing_at = (at["mail_address"], at["mail_city"], at["mail_state"], at["mail_zip"])
        # Cities, ZIP codes and states recur on most rows: each distinct cell is cleaned once.
        self.city_of = _CellMemo(partial(values.text, column="City", max_length=100))
        self.zip_of = _CellMemo(partial(values.zip_code, column="ZIP"))
        self.state_of = _CellMemo(partial(values.state_code, column="State"))
        self.mail_city_of = _CellMemo(partial(values.text, column="Mail City", max_length=100))
        self.mail_zip_of = _CellMemo(partial(values.zip_code, column="Mail ZIP", strict=False))
        # The property columns present in this file, in _FACT_PARSERS order (the first bad cell is
        # the one reported): (position in PropertyRecord.facts, column index, memo of the few-valued
        # ones, parser).
        self.fact_parsers = []
        for field, parser in _FACT_PARSERS.items():
            if field in self.col:
                parse = partial(parser, column=header[self.col[field]])
                memo = _CellMemo(partial(_fact, parse)) if field in _FEW_VALUES else None
                self.fact_parsers.append((PROPERTY_FACTS.index(field), self.col[field], memo, parse))

    def parse(self, line: int, row: list[str]) -> ParsedRow:
        width = self.width
        if len(row) > width:
            if any(cell.strip() for cell in row[width:]):
                raise values.RowError(f"row has {len(row)} cells but the header has {width} columns")
            cells = row[:width] + [""]
        else:
            # Short rows are padded; a column the file lacks points at the extra empty cell.
            cells = row + [""] * (width + 1 - len(row))
        address_at, city_at, zip_at, state_at, apn_at = self.property_at
        address = " ".join(cells[address_at].split())
        if not address:
            raise values.RowError("no property address (the crew needs the house's address)")
        if len(address) > 255:
            raise values.RowError("Address is longer than 255 characters")
        city = self.city_of[cells[city_at]]
        zip_code = self.zip_of[cells[zip_at]]
        state = self.state_of[cells[state_at]] or self.default_state
        apn = cells[apn_at]
        if apn:
            apn = values.text(apn, column="APN", max_length=64)
        facts = list(NO_FACTS)
        for position, index, memo, parse in self.fact_parsers:
            raw = cells[index]
            if memo is not None:
                value = memo[raw]
                if value is not None:
                    facts[position] = value
            elif raw:
                value = parse(raw)
                if value is not None and value != "":
                    facts[position] = value
        key = _address_key(address, city, state, zip_code)
        if len(key) > 300:
            raise values.RowError("Address is too long to match on")
        owners = []
        unusable = 0
        mailing = None
        for owner in self.owners:
            if any(owner.cells_of(cells)):
                if mailing is None:
                    mailing = self._mailing(cells) or ()
                unusable += self._owner(cells, owner, mailing or None, owners)
        return ParsedRow(line, row, PropertyRecord(key, state, apn, address, city, zip_code, tuple(facts)), owners, unusable)

    def _mailing(self, cells: list[str]) -> tuple[str, str, str, str] | None:
        street_at, city_at, state_at, zip_at = self.mailing_at
        street = values.text(cells[street_at], column="Mail Address", max_length=255)
        if not street:
            return None
        raw_state = cells[state_at]
        try:
            state = values.state_code(raw_state, column="Mail State")
        except values.RowError:
            state = raw_state.strip().upper()
            if len(state) > 2:  # abroad: two letters fit (ON, QC); anything longer is an error
                raise
        return street, self.mail_city_of[cells[city_at]], state, self.mail_zip_of[cells[zip_at]]

    def _owner(self, cells: list[str], columns: _OwnerColumns, mailing, owners: list[OwnerRecord]) -> int:
        """Append the owner of `columns` to `owners` (unless the cells name nobody); returns the
        number of phone cells that hold no usable number."""
        first, last = values.person_name(cells[columns.name], column=columns.name_header)
        phones: list[tuple[str, str]] = []
        unusable = 0
        for index, label, status_index in columns.phones:
            raw = cells[index]
            if not raw or raw.isspace():
                continue
            e164 = _e164(raw)
            if e164 is None:
                unusable += 1
                continue
            if not phones or all(e164 != known for known, _ in phones):
                phones.append((e164, _phone_label(label, cells[status_index])))
        email = ""
        for index in columns.emails:
            if cells[index].strip():
                email = values.email(cells[index], column=self.header[index])
                break
        if first or last or phones or email:
            owners.append(OwnerRecord(first, last, email, phones, values.name_key(first, last), columns.role, mailing))
        return unusable


@lru_cache(maxsize=1024)
def _phone_label(label: str, status: str) -> str:
    """`mobile, active`: the column's kind and the number's status as the export gives it."""
    status = status.strip()
    return f"{label}, {status.lower()}"[:32] if status else label


def _tuple_getter(indexes: list[int]):
    """A callable returning the cells at `indexes` as a tuple (itemgetter of one index returns the cell)."""
    if len(indexes) == 1:
        index = indexes[0]
        return lambda cells: (cells[index],)
    return itemgetter(*indexes)


# Columns with few distinct values: each distinct cell is parsed once per file (errors are not
# remembered, so a bad cell is reported on every row that has it).
_FEW_VALUES = frozenset({
    "property_type", "subdivision", "year_built", "bedrooms", "bathrooms", "equity_percent", "owner_occupied",
    "listed_for_sale", "listing_status", "foreclosure", "high_equity", "purchase_date", "square_feet",
})
_MEMO_SIZE = 20000


class _CellMemo(dict):
    """cell -> `parse(cell)`, each distinct cell parsed once, up to `size` of them (so memory stays
    flat on columns with many values); a hit is one dict lookup, no Python call. Errors are not
    remembered: a bad cell is reported on every row that has it."""

    __slots__ = ("parse", "size")

    def __init__(self, parse, *, size: int = _MEMO_SIZE):
        super().__init__()
        self.parse = parse
        self.size = size
        self[""] = parse("")  # the empty cell, on every row of a sparse column

    def __missing__(self, cell: str):
        value = self.parse(cell)
        if len(self) < self.size:
            self[cell] = value
        return value


def _fact(parse, raw: str):
    """A memoized property fact: None for a cell without one (empty, blank, "0" year)."""
    if not raw:
        return None
    value = parse(raw)
    return None if value == "" else value


def _year_built(raw: str, *, column: str):
    year = values.whole_number(raw, column=column, maximum=values.SMALL_INT_MAX)
    return year or None  # assessors write 0 for "unknown"


# Each is called as parser(cell, column=header); partials, so a cell costs one Python call.
_FACT_PARSERS = {
    "property_type": partial(values.text, max_length=32),
    "subdivision": partial(values.text, max_length=120),
    "latitude": partial(values.decimal, places=6, max_digits=9, minimum=_LAT_RANGE[0], maximum=_LAT_RANGE[1]),
    "longitude": partial(values.decimal, places=6, max_digits=9, minimum=_LONG_RANGE[0], maximum=_LONG_RANGE[1]),
    "year_built": _year_built,
    "purchase_date": values.calendar_date,
    "purchase_price": values.money,
    "square_feet": values.whole_number,
    "bedrooms": partial(values.whole_number, maximum=values.SMALL_INT_MAX),
    "bathrooms": partial(values.decimal, places=1, max_digits=4, minimum=Decimal(0)),
    "estimated_value": values.money,
    "estimated_equity": values.money,
    "equity_percent": values.percent,
    "owner_name": partial(values.text, max_length=255),
    "owner_occupied": values.flag,
    "listed_for_sale": values.flag,
    "listing_status": partial(values.text, max_length=64),
    "foreclosure": values.flag,
    "high_equity": values.flag,
}
