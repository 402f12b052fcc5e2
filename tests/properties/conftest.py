"""Helpers for the import tests: run a command, write a CSV, take a comparable picture of the database."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from contacts.models import Contact, ContactPhone
from properties.models import ImportRun, Property, PropertyContact

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

PR_HEADER = [
    "Type", "Address", "City", "ZIP", "Subdivision", "Longitude", "Latitude", "APN", "Yr Built", "Purchase Date",
    "Purchase Mos Since", "Sq Ft", "Beds", "Baths", "Est Value", "Est Equity $", "Owner", "Mail Address",
    "Mail City", "Mail State", "Mail ZIP", "Owner Occ?", "Listed for Sale?", "Listing Status", "Foreclosure?",
    "Est Equity %", "High Equity?", "Primary Name", "Primary Mobile Phone1", "Primary Mobile 1 Status",
    "Primary Email1", "Primary Email 1 Status", "Primary Email1 Hash", "Secondary Name", "Secondary Mobile Phone1",
    "Secondary Mobile 1 Status", "Secondary Email1", "Secondary Email 1 Status", "Secondary Email1 Hash",
]


def pr_row(**cells) -> dict:
    """A PropertyRadar row with plausible values; keyword names are the header with spaces as `_`."""
    row = {
        "Type": "SFR", "Address": "12 Main St", "City": "Worcester", "ZIP": "01610", "Longitude": "-71.8",
        "Latitude": "42.2", "APN": "", "Yr Built": "1950", "Purchase Date": "03/10/2019", "Sq Ft": "1500",
        "Beds": "3", "Baths": "2", "Est Value": "400000", "Est Equity $": "200000", "Owner": "DOE, JANE",
        "Mail Address": "12 Main St", "Mail City": "Worcester", "Mail State": "MA", "Mail ZIP": "01610",
        "Owner Occ?": "1", "Listed for Sale?": "0", "Foreclosure?": "0", "Est Equity %": "50",
        "High Equity?": "0", "Primary Name": "Jane Doe", "Primary Mobile Phone1": "(617) 201-0100",
        "Primary Mobile 1 Status": "Active", "Primary Email1": "jane.doe@example.com",
    }
    for key, value in cells.items():
        row[key.replace("_", " ")] = value
    return row


def write_csv(path: Path, rows: list[dict], header: list[str] = PR_HEADER, encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.DictWriter(out, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_command(name: str, path: Path, *args, **options) -> str:
    out = io.StringIO()
    options.setdefault("rejects", str(path.with_name(path.stem + ".rejects.csv")))
    call_command(name, str(path), *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def read_rejects(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def latest_run() -> ImportRun:
    return ImportRun.objects.order_by("-id").first()


def _person(contact: Contact) -> tuple:
    return (contact.phone or "", contact.email, contact.first_name, contact.last_name)


def database_picture() -> dict:
    """Everything an import writes, with ids and timestamps replaced by natural keys, for comparing runs."""
    skip = {"id", "created_at", "updated_at"}
    people = {c.pk: _person(c) for c in Contact.objects.all()}
    places = dict(Property.objects.values_list("pk", "address_key"))
    return {
        "properties": sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in skip))
            for row in Property.objects.values()
        ),
        "contacts": sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in skip))
            for row in Contact.objects.values()
        ),
        "phones": sorted((p.phone, p.label, people[p.contact_id]) for p in ContactPhone.objects.all()),
        "links": sorted(
            (places[link.property_id], people[link.contact_id], link.role) for link in PropertyContact.objects.all()
        ),
        "tags": sorted((people[c_id], name) for c_id, name in Contact.tags.through.objects.values_list(
            "contact_id", "tag__name")),
    }


@pytest.fixture
def fixture_copy(tmp_path):
    """Copy a file of tests/fixtures into tmp_path (so rejects files land there)."""

    def copy(relative: str) -> Path:
        target = tmp_path / Path(relative).name
        target.write_bytes((FIXTURES / relative).read_bytes())
        return target

    return copy
