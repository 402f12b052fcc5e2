"""manage.py import_propertyradar: messy files, counts and values, rejects, idempotency, merge rules."""
from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact, ContactPhone, LeadStatus, Tag
from properties.models import ImportRun, ImportStatus, OwnerRole, Property, PropertyContact
from tests.factories import ContactFactory, PropertyContactFactory, PropertyFactory

from .conftest import PR_HEADER, database_picture, latest_run, pr_row, read_rejects, run_command, write_csv

pytestmark = pytest.mark.django_db


def test_messy_export_is_imported_with_the_expected_counts(fixture_copy):
    path = fixture_copy("import/propertyradar_messy.csv")

    output = run_command("import_propertyradar", path, tag="Worcester list")

    run = latest_run()
    assert run.status == ImportStatus.COMPLETED
    assert (run.rows_done, run.rows_total, run.rows_rejected) == (12, 12, 3)
    assert (run.properties_created, run.properties_updated, run.properties_unchanged) == (8, 0, 1)
    assert (run.contacts_created, run.contacts_updated, run.contacts_unchanged) == (9, 0, 3)
    assert (run.links_created, run.phones_unusable) == (10, 1)
    assert run.encoding == "utf-8-sig" and run.tag_name == "Worcester list"
    assert Property.objects.count() == 8 and Contact.objects.count() == 9 and PropertyContact.objects.count() == 10
    assert "properties  created 8, updated 0, unchanged 1" in output
    assert "people      created 9, updated 0, unchanged 3" in output
    assert "linked      10 new" in output
    assert "rejected    3 rows" in output


def test_values_are_cleaned_and_typed(fixture_copy):
    run_command("import_propertyradar", fixture_copy("import/propertyradar_messy.csv"))

    house = Property.objects.get(apn="23-415-0001")
    assert (house.address, house.city, house.zip_code, house.state) == ("12 Main Street", "Worcester", "01610", "MA")
    assert house.address_key == "12 MAIN ST|WORCESTER|MA|01610"
    assert (house.estimated_value, house.estimated_equity, house.square_feet) == (342000, 1234, 2095)
    assert (house.owner_occupied, house.listed_for_sale, house.foreclosure) == (True, False, False)
    assert house.purchase_date == datetime.date(2019, 3, 10)
    assert (house.latitude, house.longitude) == (Decimal("42.212885"), Decimal("-71.804460"))
    assert house.owner_name == "NGUYEN, LISA & STEPHEN"

    condo = Property.objects.get(apn="01-826-0002")
    assert condo.address == "473 Lake Pkwy Unit #31A"  # trailing spaces gone
    assert condo.subdivision == "Highland Park"  # the line break inside the quoted cell
    assert condo.purchase_date == datetime.date(2017, 1, 23)
    assert condo.bathrooms == Decimal("3.0")

    spaced = Property.objects.get(apn="04-029-0003")
    assert (spaced.address, spaced.city, spaced.zip_code, spaced.year_built) == ("1384 Franklin Sq", "Quincy", "02171", 2024)
    assert Property.objects.get(apn="02-660-0012").estimated_equity == -17000

    lisa = Contact.objects.get(phone="+16172010001")
    assert (lisa.first_name, lisa.last_name, lisa.email) == ("Lisa", "Nguyen", "lisa.nguyen@example.net")
    assert (lisa.mailing_address, lisa.mailing_city, lisa.mailing_state, lisa.mailing_zip) == (
        "12 Main Street", "Worcester", "MA", "01610")
    assert lisa.source == "propertyradar" and lisa.lead_status == LeadStatus.NEW and not lisa.opted_out
    assert list(lisa.phones.values_list("phone", "label")) == [("+16172010001", "mobile, active")]
    stephen = Contact.objects.get(phone="+16172010002")
    assert {link.role for link in house.contact_links.all()} == {OwnerRole.PRIMARY_OWNER, OwnerRole.SECONDARY_OWNER}
    assert stephen.property_links.get().role == OwnerRole.SECONDARY_OWNER
    assert Contact.objects.get(phone="+13396575726").first_name == "Michael"


def test_people_without_a_usable_phone_are_kept_and_linked(fixture_copy):
    run_command("import_propertyradar", fixture_copy("import/propertyradar_messy.csv"))

    emma = Contact.objects.get(email="emma.chen@example.net")
    assert emma.phone is None and not emma.phones.exists()
    assert emma.properties.get().apn == "21-064-0010"
    zoe = Contact.objects.get(first_name="Zoe", last_name="Zhang")
    assert zoe.phone is None and zoe.email == ""
    assert zoe.properties.get().apn == "05-115-0011"
    steven = Contact.objects.get(email="steven.santos@example.com")
    assert steven.phone is None
    assert steven.property_links.get().role == OwnerRole.SECONDARY_OWNER


def test_one_owner_of_several_houses_is_one_person(fixture_copy):
    run_command("import_propertyradar", fixture_copy("import/propertyradar_messy.csv"))

    hui = Contact.objects.get(phone="+16172010004")
    assert sorted(hui.properties.values_list("apn", flat=True)) == ["01-399-0005", "25-792-0006"]
    assert Contact.objects.filter(first_name="Hui").count() == 1


def test_rejects_file_has_line_numbers_reasons_and_the_rows_as_they_were(fixture_copy):
    path = fixture_copy("import/propertyradar_messy.csv")
    run_command("import_propertyradar", path)

    rejects = read_rejects(path.with_name("propertyradar_messy.rejects.csv"))
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("10", "Purchase Date “13/45/2020” is not a date (YYYY-MM-DD or MM/DD/YYYY)"),
        ("11", "Sq Ft “12a4” is not a number"),
        ("12", "no property address (the crew needs the house's address)"),
    ]
    # The original cells, under the file's own column names, so the row can be fixed and imported again.
    assert rejects[2]["APN"] == "28-399-0009" and rejects[2]["Primary Name"] == "Rosa Gonzalez"
    assert rejects[1]["Sq Ft"] == "12a4" and rejects[1]["Address"] == "719 Madison Ave"
    assert list(rejects[0])[:4] == ["line", "reason", "Type", "Address"]


def test_the_rejects_file_defaults_to_beside_the_input(fixture_copy):
    path = fixture_copy("import/propertyradar_messy.csv")
    run_command("import_propertyradar", path, rejects=None)
    assert len(read_rejects(path.with_name("propertyradar_messy.rejects.csv"))) == 3
    assert latest_run().rejects_path == str(path.with_name("propertyradar_messy.rejects.csv"))


def test_fixed_rejects_file_can_be_imported_as_is(fixture_copy, tmp_path):
    path = fixture_copy("import/propertyradar_messy.csv")
    run_command("import_propertyradar", path)
    rejects = path.with_name("propertyradar_messy.rejects.csv")
    fixed = rejects.read_text(encoding="utf-8-sig").replace("13/45/2020", "11/05/2020").replace("12a4", "1224")
    again = tmp_path / "fixed.csv"
    again.write_text(fixed, encoding="utf-8")

    run_command("import_propertyradar", again)

    assert (latest_run().properties_created, latest_run().rows_rejected) == (2, 1)
    assert Property.objects.get(apn="05-765-0008").square_feet == 1224


def test_second_run_of_the_same_file_changes_nothing(fixture_copy):
    path = fixture_copy("import/propertyradar_messy.csv")
    run_command("import_propertyradar", path, tag="Worcester list")
    before = database_picture()
    stamps = sorted(Contact.objects.values_list("updated_at", flat=True)) + sorted(
        Property.objects.values_list("updated_at", flat=True))

    output = run_command("import_propertyradar", path, tag="Worcester list")

    run = latest_run()
    assert (run.properties_created, run.properties_updated, run.properties_unchanged) == (0, 0, 9)
    assert (run.contacts_created, run.contacts_updated, run.contacts_unchanged) == (0, 0, 12)
    assert (run.links_created, run.rows_rejected) == (0, 3)
    assert "Nothing changed" in output
    assert database_picture() == before
    assert sorted(Contact.objects.values_list("updated_at", flat=True)) + sorted(
        Property.objects.values_list("updated_at", flat=True)) == stamps


def test_windows_1252_file_keeps_its_accents(fixture_copy):
    run_command("import_propertyradar", fixture_copy("import/propertyradar_cp1252.csv"))

    assert latest_run().encoding == "cp1252"
    assert Property.objects.get(apn="28-399-6021").owner_name == "GONZALEZ, JOSÉ & RENÉE"
    assert Contact.objects.get(phone="+19788553638").first_name == "José"
    assert Contact.objects.get(phone="+19787355851").first_name == "Renée"
    assert Contact.objects.count() == 3


def test_the_sample_export_imports_cleanly(fixture_copy):
    output = run_command("import_propertyradar", fixture_copy("propertyradar_export_sample.csv"))

    run = latest_run()
    assert (run.rows_done, run.rows_rejected, run.properties_created) == (30, 0, 30)
    # Hui Miller owns two of the houses (same number written two ways): one person, two links.
    assert Contact.objects.get(phone="+15086703036").properties.count() == 2
    assert run.phones_unusable == 1  # "+1 (617) 55"
    assert "created 30" in output


def test_tag_goes_on_every_owner(fixture_copy):
    run_command("import_propertyradar", fixture_copy("import/propertyradar_messy.csv"), tag="Worcester list")
    tag = Tag.objects.get(name="Worcester list")
    assert tag.contacts.count() == Contact.objects.count() == 9


def test_existing_tag_is_matched_whatever_its_case(fixture_copy):
    Tag.objects.create(name="Worcester List")
    run_command("import_propertyradar", fixture_copy("import/propertyradar_messy.csv"), tag="worcester list")
    assert list(Tag.objects.values_list("name", flat=True)) == ["Worcester List"]
    assert Tag.objects.get().contacts.count() == 9


# --- Merge rules ----------------------------------------------------------------------------------
def test_import_fills_empty_fields_but_never_overwrites_what_staff_typed(tmp_path):
    staff_typed = ContactFactory(
        first_name="Liz", last_name="", phone="+16172010100", email="", notes="Called 3/4, call back in May",
        lead_status=LeadStatus.INTERESTED, mailing_address="", mailing_city="", mailing_state="", mailing_zip="",
        opted_out=True, opted_out_at=timezone.now(), opted_out_reason="STOP",
    )
    path = write_csv(tmp_path / "list.csv", [pr_row(Primary_Name="Elizabeth Doe")])

    run_command("import_propertyradar", path)

    staff_typed.refresh_from_db()
    assert staff_typed.first_name == "Liz"  # typed by staff: kept
    assert staff_typed.last_name == "Doe"  # was empty: filled
    assert staff_typed.email == "jane.doe@example.com"
    assert staff_typed.notes == "Called 3/4, call back in May"
    assert staff_typed.lead_status == LeadStatus.INTERESTED
    assert staff_typed.opted_out is True and staff_typed.opted_out_reason == "STOP"
    assert (staff_typed.mailing_address, staff_typed.mailing_zip) == ("12 Main St", "01610")
    assert staff_typed.source == "manual"
    assert Contact.objects.count() == 1
    assert latest_run().contacts_updated == 1


def test_rows_of_one_house_in_one_file_apply_in_file_order(tmp_path):
    """The second row changes a fact of the house the first created, the third repeats the second
    (an empty cell included), the fourth goes back to the first: created, updated, unchanged,
    updated, and the house ends as the last row says."""
    path = write_csv(tmp_path / "list.csv", [
        pr_row(Est_Value="100000", Beds="3"),
        pr_row(Est_Value="200000", Beds="3"),
        pr_row(Est_Value="200000", Beds=""),
        pr_row(Est_Value="100000", Beds="3"),
    ])

    run_command("import_propertyradar", path)

    house = Property.objects.get()
    assert (house.estimated_value, house.bedrooms) == (100000, 3)
    run = latest_run()
    assert (run.properties_created, run.properties_updated, run.properties_unchanged) == (1, 2, 1)


def test_import_refreshes_property_facts_and_fills_empty_ones(tmp_path):
    house = PropertyFactory(address="12 Main St", city="Worcester", zip_code="01610", estimated_value=100000,
                            year_built=None, listing_status="Sold", apn="", bedrooms=4)
    path = write_csv(tmp_path / "list.csv", [pr_row(APN="23-415-0001", Listing_Status="", Yr_Built="1923", Beds="")])

    run_command("import_propertyradar", path)

    house.refresh_from_db()
    assert house.estimated_value == 400000  # refreshed
    assert house.year_built == 1923
    assert house.listing_status == "Sold"  # an empty cell never clears a fact
    assert house.bedrooms == 4  # nor a number
    assert house.apn == "23-415-0001"  # empty: filled
    assert Property.objects.count() == 1
    assert (latest_run().properties_updated, latest_run().properties_created) == (1, 0)


def test_a_new_owner_of_a_known_house_moves_the_house_updated_at(tmp_path):
    """The API shows a house with its owners: a client syncing with `updated_since` or holding its
    ETag must see the owner the import added, though none of the house's own facts changed."""
    first = write_csv(tmp_path / "first.csv", [pr_row()])
    run_command("import_propertyradar", first)
    house = Property.objects.get()
    Property.objects.filter(pk=house.pk).update(updated_at=timezone.now() - datetime.timedelta(days=1))
    other = Property.objects.create(address="1 Elm St", city="Worcester", state="MA", zip_code="01610",
                                    address_key="1 ELM ST||WORCESTER|MA|01610")
    stamp = Property.objects.get(pk=other.pk).updated_at
    second = write_csv(tmp_path / "second.csv", [pr_row(Secondary_Name="John Doe", Secondary_Mobile_Phone1="617-201-0101")])

    run_command("import_propertyradar", second)

    assert (latest_run().properties_unchanged, latest_run().links_created) == (1, 1)
    house.refresh_from_db()
    assert house.updated_at > timezone.now() - datetime.timedelta(minutes=5)
    assert Property.objects.get(pk=other.pk).updated_at == stamp  # a house the file does not touch keeps its own
    assert {c.role for c in house.contact_links.all()} == {OwnerRole.PRIMARY_OWNER, OwnerRole.SECONDARY_OWNER}
    run_command("import_propertyradar", second)
    assert latest_run().properties_unchanged == 1 and not latest_run().changed_anything


def test_property_is_matched_by_apn_before_its_address(tmp_path):
    house = PropertyFactory(address="12 Main Street", city="Worcester", zip_code="01610", apn="23-415-0001")
    path = write_csv(tmp_path / "list.csv", [pr_row(Address="12 Main St Rear", APN="23-415-0001")])

    run_command("import_propertyradar", path)

    assert Property.objects.get() == house
    house.refresh_from_db()
    assert house.address == "12 Main Street"  # the address is never rewritten


def test_same_apn_in_another_state_is_another_property(tmp_path):
    PropertyFactory(address="1 Elm St", city="Nashua", state="NH", zip_code="03060", apn="23-415-0001")
    path = write_csv(tmp_path / "list.csv", [pr_row(APN="23-415-0001")])

    run_command("import_propertyradar", path)

    assert Property.objects.count() == 2
    assert Property.objects.get(state="MA").apn == "23-415-0001"


def test_row_at_an_address_with_another_apn_is_rejected(tmp_path):
    PropertyFactory(address="12 Main St", city="Worcester", zip_code="01610", apn="23-415-0001")
    path = write_csv(tmp_path / "list.csv", [pr_row(APN="99-999-0002")])

    run_command("import_propertyradar", path)

    [reject] = read_rejects(tmp_path / "list.rejects.csv")
    assert reject["reason"].startswith("APN 99-999-0002 differs from APN 23-415-0001 of the property")
    assert Property.objects.count() == 1 and not Contact.objects.exists()


def test_a_row_the_plan_refuses_keeps_its_cells_as_written_in_the_rejects_file(tmp_path):
    PropertyFactory(address="12 Main St", city="Worcester", zip_code="01610", apn="23-415-0001")
    row = pr_row(APN="99-999-0002", Owner=' "DOE", JANE\n& JOHN ', Subdivision="  Oak  Knoll ", Sq_Ft="")
    path = write_csv(tmp_path / "list.csv", [row])

    run_command("import_propertyradar", path)

    [reject] = read_rejects(tmp_path / "list.rejects.csv")
    assert {name: reject[name] for name in PR_HEADER} == {name: row.get(name, "") for name in PR_HEADER}


def test_state_comes_from_the_option_or_a_state_column(tmp_path):
    path = write_csv(tmp_path / "nh.csv", [pr_row(Address="1 Elm St", City="Nashua", ZIP="03060")])
    run_command("import_propertyradar", path, state="NH")
    assert Property.objects.get().state == "NH"

    header = [*PR_HEADER, "State"]
    path = write_csv(tmp_path / "with_state.csv", [
        pr_row(Address="5 Oak St", State="Rhode Island", Primary_Mobile_Phone1="(617) 201-0101"),
        pr_row(Address="7 Oak St", State="", Primary_Mobile_Phone1="(617) 201-0102"),
    ], header=header)
    run_command("import_propertyradar", path)
    assert Property.objects.get(address="5 Oak St").state == "RI"
    assert Property.objects.get(address="7 Oak St").state == "MA"  # empty cell: the option's default


def test_owner_found_by_a_further_number_is_not_duplicated(tmp_path):
    person = ContactFactory(phone="+16172019999")
    ContactPhone.objects.create(contact=person, phone="+16172010100", label="work")
    path = write_csv(tmp_path / "list.csv", [pr_row()])

    run_command("import_propertyradar", path)

    assert Contact.objects.get() == person
    assert person.properties.count() == 1
    person.refresh_from_db()
    assert person.phone == "+16172019999"


def test_new_number_of_a_known_owner_is_kept_beside_the_old_one(tmp_path):
    house = PropertyFactory(address="12 Main St", city="Worcester", zip_code="01610")
    zoe = ContactFactory(first_name="Jane", last_name="Doe", phone="+16172019999", email="")
    ContactPhone.objects.create(contact=zoe, phone="+16172019999", label="main")
    PropertyContactFactory(property=house, contact=zoe)
    path = write_csv(tmp_path / "list.csv", [pr_row(Primary_Email1="")])

    run_command("import_propertyradar", path)

    zoe.refresh_from_db()
    assert Contact.objects.count() == 1
    assert zoe.phone == "+16172019999"  # the main number stays
    assert sorted(zoe.phones.values_list("phone", flat=True)) == ["+16172010100", "+16172019999"]


def test_person_known_without_a_phone_gets_the_number_when_it_appears(tmp_path):
    first = write_csv(tmp_path / "first.csv", [pr_row(Primary_Mobile_Phone1="+1 (617) 55")])
    run_command("import_propertyradar", first)
    assert Contact.objects.get().phone is None

    second = write_csv(tmp_path / "second.csv", [pr_row()])
    run_command("import_propertyradar", second)

    jane = Contact.objects.get()
    assert jane.phone == "+16172010100"
    assert list(jane.phones.values_list("phone", flat=True)) == ["+16172010100"]


def test_spouses_sharing_one_number_stay_two_people(tmp_path):
    path = write_csv(tmp_path / "list.csv", [pr_row(
        Secondary_Name="John Doe", Secondary_Mobile_Phone1="617-201-0100", Secondary_Email1="john@example.com")])

    run_command("import_propertyradar", path)

    jane, john = Contact.objects.get(first_name="Jane"), Contact.objects.get(first_name="John")
    assert jane.phone == "+16172010100" and john.phone is None and john.email == "john@example.com"
    assert john.property_links.get().role == OwnerRole.SECONDARY_OWNER


def test_phones_in_any_format_are_one_number(tmp_path):
    formats = ["(617) 201-0100", "617-201-0100", "617.201.0100", "6172010100", "+16172010100", "1 617 201 0100"]
    rows = [pr_row(Address=f"{n} Main St", Primary_Mobile_Phone1=phone) for n, phone in enumerate(formats, 1)]
    path = write_csv(tmp_path / "list.csv", rows)

    run_command("import_propertyradar", path)

    assert list(Contact.objects.values_list("phone", flat=True)) == ["+16172010100"]
    assert Contact.objects.get().properties.count() == 6


def test_header_names_are_matched_whatever_their_case_and_spacing(tmp_path):
    header = [h.upper().replace(" ", "  ") for h in PR_HEADER]
    row = {h.upper().replace(" ", "  "): v for h, v in pr_row(Est_Value="$1,000,000").items()}
    path = write_csv(tmp_path / "loud.csv", [row], header=header)

    run_command("import_propertyradar", path)

    house = Property.objects.get()
    assert house.estimated_value == 1000000 and house.owner_occupied is True
    assert Contact.objects.get().phone == "+16172010100"


def test_file_without_an_address_column_is_refused_with_its_columns(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("First Name,Phone\nJane,617-201-0100\n", encoding="utf-8")

    with pytest.raises(CommandError, match="No “Address” column.*Columns found: First Name, Phone"):
        run_command("import_propertyradar", path)
    assert not ImportRun.objects.exists()


def test_dry_run_reports_and_writes_rejects_but_saves_nothing(fixture_copy):
    path = fixture_copy("import/propertyradar_messy.csv")

    output = run_command("import_propertyradar", path, dry_run=True)

    assert "created 8" in output and "Dry run: nothing was saved." in output
    assert len(read_rejects(path.with_name("propertyradar_messy.rejects.csv"))) == 3
    assert not Property.objects.exists() and not Contact.objects.exists() and not ImportRun.objects.exists()


def test_batches_cost_the_same_queries_however_many_rows_they_hold(tmp_path):
    """Set-based: a batch of 25 rows runs exactly the queries a batch of 3 rows runs.

    (On PostgreSQL the COPY statements do not go through Django's cursor and are not counted; they
    are one per table and batch too. On SQLite, bulk inserts are split at its parameter limit, so
    the sizes here stay under it.)"""

    def rows(start, count):
        return [
            pr_row(Address=f"{n} Elm St", APN=f"10-000-{n:04d}", Primary_Mobile_Phone1=f"(617) 202-{n:04d}",
                   Primary_Email1=f"owner{n}@example.com", Secondary_Name=f"Sam Owner{n}",
                   Secondary_Mobile_Phone1=f"(617) 203-{n:04d}")
            for n in range(start, start + count)
        ]

    Tag.objects.create(name="Elm St")
    counts = []
    for name, start, count in [("small.csv", 1, 3), ("large.csv", 100, 25)]:
        path = write_csv(tmp_path / name, rows(start, count))
        with CaptureQueriesContext(connection) as queries:
            run_command("import_propertyradar", path, batch_size=1000, tag="Elm St")
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Property.objects.count() == 28 and Contact.objects.count() == 56


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY writer is PostgreSQL's")
def test_only_rows_others_refer_to_take_their_ids_beforehand(tmp_path):
    """New properties and people get their ids from the sequences before they are written (links
    refer to them): one `nextval` query per table and batch. Numbers and owner links are audited, so
    theirs are taken the same way (their "+" history rows carry them); tag links are COPY'd without
    ids and numbered by the column default, with no query of their own."""
    path = write_csv(tmp_path / "owners.csv", [
        pr_row(Address=f"{n} Elm St", Primary_Mobile_Phone1=f"(617) 202-{n:04d}", Secondary_Name=f"Sam Owner{n}",
               Secondary_Mobile_Phone1=f"(617) 203-{n:04d}")
        for n in range(1, 6)
    ])
    with CaptureQueriesContext(connection) as queries:
        run_command("import_propertyradar", path, batch_size=1000, tag="Elm St")
    reserving = [q["sql"] for q in queries.captured_queries if "nextval" in q["sql"]]
    sequences = sorted(re.search(r"'([\w.]+_id_seq)'", sql).group(1).rsplit(".", 1)[-1] for sql in reserving)
    assert sequences == ["contacts_contact_id_seq", "contacts_contactphone_id_seq", "properties_property_id_seq",
                         "properties_propertycontact_id_seq"], reserving
    assert ContactPhone.objects.count() == 10 and PropertyContact.objects.count() == 10
    assert Contact.tags.through.objects.filter(tag__name="Elm St").count() == Contact.objects.count() > 5
    assert None not in ContactPhone.objects.values_list("id", flat=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY writer is PostgreSQL's")
def test_copy_writer_and_portable_writer_store_the_same_rows(fixture_copy, tmp_path):
    """PostgreSQL's COPY path and the portable path (SQLite's) must give identical results,
    creating as well as updating (second file: changed facts, a new owner, staff edits to keep)."""
    from properties.importers import import_run_create, import_run_execute

    first = fixture_copy("import/propertyradar_messy.csv")
    second = write_csv(tmp_path / "second.csv", [
        pr_row(Address="12 Main Street", City="Worcester", ZIP="01610", APN="23-415-0001", Est_Value="$350,000",
               Primary_Name="Lisa Nguyen", Primary_Mobile_Phone1="(617) 201-0001", Primary_Email1="",
               Secondary_Name="New Tenant", Secondary_Mobile_Phone1="(617) 201-0099"),
        pr_row(Address="99 New Rd", Primary_Name="Zoe Zhang", Primary_Mobile_Phone1="(617) 201-0098"),
    ])

    def import_both(writer):
        for path in (first, second):
            run = import_run_create(kind="propertyradar", path=path, tag_name="List")
            import_run_execute(run=run, writer=writer)
        Contact.objects.filter(phone="+16172010001").update(notes="typed by staff", email="")
        run = import_run_create(kind="propertyradar", path=first, tag_name="List")
        import_run_execute(run=run, writer=writer)
        return database_picture()

    copy_picture = import_both(None)
    Contact.objects.all().delete()
    Property.objects.all().delete()
    Tag.objects.all().delete()
    assert import_both("portable") == copy_picture


def test_progress_is_plain_lines_without_a_terminal(fixture_copy):
    import io

    from django.core.management import call_command

    path = fixture_copy("import/propertyradar_messy.csv")
    err = io.StringIO()
    call_command("import_propertyradar", str(path), batch_size=5, stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines()[-1].startswith("12 / 12 rows (100%), ")


def test_a_bad_cell_is_reported_on_every_row_that_has_it_and_good_ones_are_read_alike(tmp_path):
    rows = [
        pr_row(Address=f"{n} Oak St", APN=f"40-100-{n:04d}", City=" worcester ", Beds=beds,
               Primary_Mobile_Phone1=f"(617) 201-{n:04d}")
        for n, beds in enumerate(["3", "three", "3", "three"], start=1)
    ]
    path = write_csv(tmp_path / "list.csv", rows)

    run_command("import_propertyradar", path)

    rejects = read_rejects(tmp_path / "list.rejects.csv")
    assert [(r["line"], r["reason"]) for r in rejects] == [("3", "Beds “three” is not a number"),
                                                           ("5", "Beds “three” is not a number")]
    assert sorted(Property.objects.values_list("address", "city", "bedrooms")) == [
        ("1 Oak St", "worcester", 3), ("3 Oak St", "worcester", 3)]


def test_cell_memo_stays_bounded():
    from properties.importers.propertyradar import _CellMemo

    seen = []
    memo = _CellMemo(lambda cell: seen.append(cell) or cell.upper(), size=3)
    assert [memo[c] for c in ["a", "b", "a", "c", "c"]] == ["A", "B", "A", "C", "C"]
    assert seen == ["", "a", "b", "c", "c"]  # "" and two cells fill it; "c" is parsed every time
    assert len(memo) == 3


def test_not_a_number_cells_are_rejected_with_a_reason_and_the_rest_is_imported(tmp_path):
    """"NaN" is a number to Python's Decimal and "²" a digit to str.isdigit(): both once crashed the run."""
    path = write_csv(tmp_path / "list.csv", [
        pr_row(Address="1 Oak St", Latitude="NaN"),
        pr_row(Address="2 Oak St", Est_Value="²", Primary_Mobile_Phone1="617-201-0102"),
        pr_row(Address="3 Oak St", Baths="Infinity", Primary_Mobile_Phone1="617-201-0103"),
        pr_row(Address="4 Oak St", Primary_Mobile_Phone1="617-201-0104"),
    ])
    run_command("import_propertyradar", path)

    assert latest_run().status == ImportStatus.COMPLETED
    assert list(Property.objects.values_list("address", flat=True)) == ["4 Oak St"]
    assert [(r["line"], r["reason"]) for r in read_rejects(tmp_path / "list.rejects.csv")] == [
        ("2", "Latitude “NaN” is not a number"),
        ("3", "Est Value “²” is not an amount of money"),
        ("4", "Baths “Infinity” is not a number"),
    ]
