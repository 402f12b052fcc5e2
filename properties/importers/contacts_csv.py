"""Plain contacts CSV rows: one person per row (first name, last name, phone, email, tags, notes).

Common header spellings are accepted ("First Name", "first", "Given name", "Mobile", "E-mail").
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import values
from .phones import fast_e164
from .records import OwnerRecord, ParsedRow
from .source import ImportFileError, header_key

_COLUMNS = {
    "firstname": "first_name", "first": "first_name", "givenname": "first_name", "fname": "first_name",
    "lastname": "last_name", "last": "last_name", "surname": "last_name", "familyname": "last_name",
    "lname": "last_name",
    "name": "full_name", "fullname": "full_name", "contactname": "full_name",
    "phone": "phone", "phonenumber": "phone", "mobile": "phone", "mobilephone": "phone", "mobilenumber": "phone",
    "cell": "phone", "cellphone": "phone", "cellnumber": "phone", "telephone": "phone", "tel": "phone",
    "phone1": "phone", "primaryphone": "phone",
    "email": "email", "emailaddress": "email", "mail": "email", "email1": "email",
    "tags": "tags", "tag": "tags", "labels": "tags", "label": "tags", "groups": "tags",
    "notes": "notes", "note": "notes", "comments": "notes", "comment": "notes",
    "address": "mail_address", "street": "mail_address", "streetaddress": "mail_address",
    "mailingaddress": "mail_address", "address1": "mail_address",
    "city": "mail_city", "mailingcity": "mail_city",
    "state": "mail_state", "mailingstate": "mail_state",
    "zip": "mail_zip", "zipcode": "mail_zip", "postalcode": "mail_zip", "mailingzip": "mail_zip",
}
# Further numbers of the person: kept in ContactPhone with the column's name as label.
_EXTRA_PHONE = re.compile(
    r"(?:phone\d+|otherphone|homephone|workphone|landline|secondaryphone|alternatephone|altphone|"
    r"mobile\d+|cell\d+|businessphone)"
)
_TAG_SPLIT = re.compile(r"[;,|]")

_e164 = lru_cache(maxsize=8192)(fast_e164)


class ContactRows:
    """Turns rows of one contacts CSV (given its header) into ParsedRow with one owner, or raises RowError."""

    kind_label = "contacts CSV"

    def __init__(self, header: list[str], *, default_state: str = ""):
        self.header = header
        self.col: dict[str, int] = {}
        self.extra_phones: list[tuple[int, str]] = []
        for index, name in enumerate(header):
            key = header_key(name)
            if key in _COLUMNS:
                self.col.setdefault(_COLUMNS[key], index)
            elif _EXTRA_PHONE.fullmatch(key):
                self.extra_phones.append((index, " ".join(name.lower().split())[:32]))
        if "phone" not in self.col and "email" not in self.col:
            raise ImportFileError(
                "No phone or email column: a contacts CSV needs at least one of them "
                f"(“Phone”, “Mobile”, “Email”...). Columns found: {', '.join(header) or '(none)'}."
            )
        self.width = len(header)

    def _cell(self, row: list[str], field: str) -> str:
        index = self.col.get(field)
        return row[index] if index is not None and index < len(row) else ""

    def parse(self, line: int, row: list[str]) -> ParsedRow:
        if len(row) > self.width and any(cell.strip() for cell in row[self.width:]):
            raise values.RowError(f"row has {len(row)} cells but the header has {self.width} columns")
        first = values.text(self._cell(row, "first_name"), column="First name", max_length=100)
        last = values.text(self._cell(row, "last_name"), column="Last name", max_length=100)
        if not (first or last):
            first, last = values.person_name(self._cell(row, "full_name"), column="Name")
        phones: list[tuple[str, str]] = []
        for raw, label in [(self._cell(row, "phone"), "main")] + [
            (row[i] if i < len(row) else "", label) for i, label in self.extra_phones
        ]:
            if not raw.strip():
                continue
            e164 = _e164(raw)
            if e164 is None:
                raise values.RowError(f"phone “{raw.strip()}” is not a valid phone number")
            if all(e164 != known for known, _ in phones):
                phones.append((e164, label))
        email = values.email(self._cell(row, "email"), column="Email")
        if not phones and not email:
            raise values.RowError("needs a phone number or an email address")
        tags = []
        for name in _TAG_SPLIT.split(self._cell(row, "tags")):
            name = " ".join(name.split())
            if name:
                if len(name) > 64:
                    raise values.RowError(f"tag “{name[:20]}...” is longer than 64 characters")
                if name.casefold() not in (t.casefold() for t in tags):
                    tags.append(name)
        notes = self._cell(row, "notes").strip()
        mailing = None
        street = values.text(self._cell(row, "mail_address"), column="Address", max_length=255)
        if street:
            raw_state = self._cell(row, "mail_state")
            try:
                state = values.state_code(raw_state, column="State")
            except values.RowError:
                state = raw_state.strip().upper()
                if len(state) > 2:
                    raise
            mailing = (
                street,
                values.text(self._cell(row, "mail_city"), column="City", max_length=100),
                state,
                values.zip_code(self._cell(row, "mail_zip"), column="ZIP", strict=False),
            )
        owner = OwnerRecord(
            first_name=first, last_name=last, email=email, phones=phones,
            name_key=values.name_key(first, last), mailing=mailing, notes=notes, tags=tuple(tags),
        )
        return ParsedRow(line=line, cells=row, property=None, owners=[owner])
