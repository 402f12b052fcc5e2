"""PropertyRadar export rows: one property and up to two owners (primary, secondary) per row.

Columns are found by name, whatever their order, case or spacing ("Yr Built", "yr built",
"YR_BUILT"); `header_key` explains the matching. Unknown columns are ignored but kept in
the rejects file.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from properties.addresses import address_key
from properties.models import OwnerRole

from . import values
from .phones import fast_e164
from .records import OwnerRecord, ParsedRow, PropertyRecord
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
_address_key = lru_cache(maxsize=16384)(address_key)
_e164 = lru_cache(maxsize=32768)(fast_e164)


class _OwnerColumns:
    __slots__ = ("prefix", "role", "name", "phones", "emails")

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.role = _ROLES[prefix]
        self.name: int | None = None
        self.phones: list[tuple[int, str, int | None]] = []  # (column, label, status column)
        self.emails: list[int] = []


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
        self.owners = [o for o in owners.values() if o.name is not None or o.phones or o.emails]
        self.width = len(header)
        # The parsers of property columns present in this file: (field, column index, header, parser).
        self.fact_parsers = [
            (field, self.col[field], header[self.col[field]], parser)
            for field, parser in _FACT_PARSERS.items() if field in self.col
        ]

    def _cell(self, row: list[str], field: str) -> str:
        index = self.col.get(field)
        return row[index] if index is not None and index < len(row) else ""

    def parse(self, line: int, row: list[str]) -> ParsedRow:
        if len(row) > self.width and any(cell.strip() for cell in row[self.width:]):
            raise values.RowError(f"row has {len(row)} cells but the header has {self.width} columns")
        header = self.header
        address = values.text(self._cell(row, "address"), column="Address", max_length=255)
        if not address:
            raise values.RowError("no property address (the crew needs the house's address)")
        city = values.text(self._cell(row, "city"), column="City", max_length=100)
        zip_code = values.zip_code(self._cell(row, "zip_code"), column="ZIP")
        state = values.state_code(self._cell(row, "state"), column="State") or self.default_state
        apn = values.text(self._cell(row, "apn"), column="APN", max_length=64)
        facts = {}
        width = len(row)
        for field, index, column, parser in self.fact_parsers:
            if index < width and row[index]:
                value = parser(row[index], column)
                if value is not None and value != "":
                    facts[field] = value
        key = _address_key(address, city, state, zip_code)
        if len(key) > 300:
            raise values.RowError("Address is too long to match on")
        record = PropertyRecord(
            key=key, state=state, apn=apn, address=address, city=city, zip_code=zip_code, facts=facts
        )
        parsed = ParsedRow(line=line, property=record)
        mailing = self._mailing(row)
        for columns in self.owners:
            self._owner(row, columns, mailing, parsed, header)
        return parsed

    def _mailing(self, row: list[str]) -> tuple[str, str, str, str] | None:
        street = values.text(self._cell(row, "mail_address"), column="Mail Address", max_length=255)
        if not street:
            return None
        raw_state = self._cell(row, "mail_state")
        try:
            state = values.state_code(raw_state, column="Mail State")
        except values.RowError:
            state = raw_state.strip().upper()
            if len(state) > 2:  # abroad: two letters fit (ON, QC); anything longer is an error
                raise
        return (
            street,
            values.text(self._cell(row, "mail_city"), column="Mail City", max_length=100),
            state,
            values.zip_code(self._cell(row, "mail_zip"), column="Mail ZIP", strict=False),
        )

    def _owner(self, row, columns: _OwnerColumns, mailing, parsed: ParsedRow, header) -> None:
        width = len(row)
        first = last = ""
        if columns.name is not None and columns.name < width:
            first, last = values.person_name(row[columns.name], column=header[columns.name])
        phones: list[tuple[str, str]] = []
        for index, label, status_index in columns.phones:
            raw = row[index] if index < width else ""
            if not raw.strip():
                continue
            e164 = _e164(raw)
            if e164 is None:
                parsed.unusable_phones += 1
                continue
            status = row[status_index].strip() if status_index is not None and status_index < width else ""
            if all(e164 != known for known, _ in phones):
                phones.append((e164, f"{label}, {status.lower()}"[:32] if status else label))
        email = ""
        for index in columns.emails:
            if index < width and row[index].strip():
                email = values.email(row[index], column=header[index])
                break
        if not (first or last or phones or email):
            return
        parsed.owners.append(OwnerRecord(
            first_name=first, last_name=last, email=email, phones=phones,
            name_key=values.name_key(first, last), role=columns.role, mailing=mailing,
        ))


def _year_built(raw: str, column: str):
    year = values.whole_number(raw, column=column, maximum=values.SMALL_INT_MAX)
    return year or None  # assessors write 0 for "unknown"


_FACT_PARSERS = {
    "property_type": lambda raw, column: values.text(raw, column=column, max_length=32),
    "subdivision": lambda raw, column: values.text(raw, column=column, max_length=120),
    "latitude": lambda raw, column: values.decimal(
        raw, column=column, places=6, max_digits=9, minimum=_LAT_RANGE[0], maximum=_LAT_RANGE[1]),
    "longitude": lambda raw, column: values.decimal(
        raw, column=column, places=6, max_digits=9, minimum=_LONG_RANGE[0], maximum=_LONG_RANGE[1]),
    "year_built": _year_built,
    "purchase_date": lambda raw, column: values.calendar_date(raw, column=column),
    "purchase_price": lambda raw, column: values.money(raw, column=column),
    "square_feet": lambda raw, column: values.whole_number(raw, column=column),
    "bedrooms": lambda raw, column: values.whole_number(raw, column=column, maximum=values.SMALL_INT_MAX),
    "bathrooms": lambda raw, column: values.decimal(raw, column=column, places=1, max_digits=4, minimum=Decimal(0)),
    "estimated_value": lambda raw, column: values.money(raw, column=column),
    "estimated_equity": lambda raw, column: values.money(raw, column=column),
    "equity_percent": lambda raw, column: values.percent(raw, column=column),
    "owner_name": lambda raw, column: values.text(raw, column=column, max_length=255),
    "owner_occupied": lambda raw, column: values.flag(raw, column=column),
    "listed_for_sale": lambda raw, column: values.flag(raw, column=column),
    "listing_status": lambda raw, column: values.text(raw, column=column, max_length=64),
    "foreclosure": lambda raw, column: values.flag(raw, column=column),
    "high_equity": lambda raw, column: values.flag(raw, column=column),
}
