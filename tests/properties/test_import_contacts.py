"""manage.py import_contacts: header aliases, tags, notes, rejects, idempotency, merge rules."""
from __future__ import annotations

import pytest
from django.core.management import CommandError

from contacts.models import Contact, ContactPhone, LeadStatus, Tag
from tests.factories import ContactFactory

from .conftest import database_picture, latest_run, read_rejects, run_command

pytestmark = pytest.mark.django_db


def test_messy_contacts_file_is_imported(fixture_copy):
    path = fixture_copy("import/contacts_messy.csv")

    output = run_command("import_contacts", path, tag="Spring 2026")

    run = latest_run()
    assert (run.rows_done, run.contacts_created, run.contacts_unchanged, run.rows_rejected) == (7, 4, 1, 2)
    assert run.kind == "contacts" and "people      created 4, updated 0, unchanged 1" in output
    lisa = Contact.objects.get(phone="+16172010001")
    assert (lisa.first_name, lisa.last_name, lisa.email) == ("Lisa", "Nguyen", "lisa.nguyen@example.net")
    assert lisa.notes == "Prefers texts after 5pm" and lisa.source == "csv"
    assert sorted(lisa.tags.values_list("name", flat=True)) == ["Called back", "Pittsfield list", "Spring 2026"]
    bob = Contact.objects.get(phone="+16172010010")
    assert sorted(bob.phones.values_list("phone", "label")) == [("+16172010010", "main"), ("+16172010011", "home phone")]
    email_only = Contact.objects.get(email="no.phone@example.com")
    assert email_only.phone is None and email_only.first_name == ""
    jose = Contact.objects.get(phone="+16172010012")
    assert (jose.first_name, jose.last_name, jose.notes) == ("José", "Ñúñez", "Two lines\nof notes")


def test_contacts_rejects_say_why(fixture_copy):
    path = fixture_copy("import/contacts_messy.csv")
    run_command("import_contacts", path)

    rejects = read_rejects(path.with_name("contacts_messy.rejects.csv"))
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("5", "phone “555-12” is not a valid phone number"),
        ("6", "needs a phone number or an email address"),
    ]
    assert rejects[0]["First"] == "Ann" and rejects[0]["Mobile"] == "555-12"


def test_second_run_of_a_contacts_file_changes_nothing(fixture_copy):
    path = fixture_copy("import/contacts_messy.csv")
    run_command("import_contacts", path, tag="Spring 2026")
    before = database_picture()

    output = run_command("import_contacts", path, tag="Spring 2026")

    run = latest_run()
    assert (run.contacts_created, run.contacts_updated, run.contacts_unchanged) == (0, 0, 5)
    assert "Nothing changed" in output
    assert database_picture() == before


def test_contacts_import_never_overwrites_staff_fields(tmp_path):
    staff = ContactFactory(first_name="Liz", last_name="N.", phone="+16172010001", email="liz@example.com",
                           notes="Do not call before 9", lead_status=LeadStatus.CUSTOMER)
    staff.tags.add(Tag.objects.create(name="VIP"))
    path = tmp_path / "list.csv"
    path.write_text("first name,last name,phone,email,tags,notes\n"
                    "Lisa,Nguyen,617-201-0001,lisa@example.net,Newsletter,Imported note\n", encoding="utf-8")

    run_command("import_contacts", path)

    staff.refresh_from_db()
    assert (staff.first_name, staff.last_name, staff.email) == ("Liz", "N.", "liz@example.com")
    assert staff.notes == "Do not call before 9" and staff.lead_status == LeadStatus.CUSTOMER
    assert sorted(staff.tags.values_list("name", flat=True)) == ["Newsletter", "VIP"]  # tags only added
    assert latest_run().contacts_updated == 1


def test_person_is_found_by_email_when_they_have_no_number_yet(tmp_path):
    known = ContactFactory(first_name="Ann", last_name="Lee", phone=None, email="Ann.Lee@Example.com")
    path = tmp_path / "list.csv"
    path.write_text("Name,Phone,Email\nAnn Lee,(617) 201-0050,ann.lee@example.com\n", encoding="utf-8")

    run_command("import_contacts", path)

    known.refresh_from_db()
    assert Contact.objects.count() == 1
    assert known.phone == "+16172010050"
    assert ContactPhone.objects.get().contact == known


def test_same_email_with_another_name_is_another_person(tmp_path):
    ContactFactory(first_name="Ann", last_name="Lee", phone=None, email="family@example.com")
    path = tmp_path / "list.csv"
    path.write_text("Name,Email\nBob Lee,family@example.com\n", encoding="utf-8")

    run_command("import_contacts", path)

    assert Contact.objects.count() == 2


def test_contacts_file_needs_a_phone_or_email_column(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("Name,City\nAnn Lee,Boston\n", encoding="utf-8")
    with pytest.raises(CommandError, match="No phone or email column"):
        run_command("import_contacts", path)


def test_semicolon_separated_file_is_read(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("First Name;Last Name;Phone\nAnn;Lee;617-201-0050\n", encoding="utf-8")
    run_command("import_contacts", path)
    assert Contact.objects.get().phone == "+16172010050"
