"""The pipelined import (PostgreSQL): batch n+1 is planned while a thread writes batch n, so its plan
must see what batch n changes before it is committed. It must end exactly where the batch-by-batch
import ends, resume after a crash like it, and plan a batch again when it collides with another writer."""
from __future__ import annotations

import threading
from collections import defaultdict

import pytest
from django.db import connection

from contacts.models import Contact, ContactPhone, Tag
from properties.importers import import_run_create, import_run_execute
from properties.importers import runner as import_runner
from properties.models import ImportRun, ImportStatus, Property, PropertyContact
from tests.postgres import second_connection

from .conftest import database_picture, pr_row, write_csv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the pipelined import needs PostgreSQL (SQLite imports batch by batch)")


@pytest.fixture
def commit_after_next_plan(monkeypatch):
    """An after_batch hook holding each pipelined batch's commit until the next batch is planned, so
    every plan is made while the batch before it is uncommitted (small batches often commit first)."""
    planned = defaultdict(threading.Event)
    plan_batch = import_runner._plan_batch

    def plan(run, batch, *, number, counts, carried=None):
        result = plan_batch(run, batch, number=number, counts=counts, carried=carried)
        planned[number].set()
        return result

    monkeypatch.setattr(import_runner, "_plan_batch", plan)
    return lambda number: planned[number + 1].wait(timeout=0.5)  # the last batch has no next one


def _rows(version: int = 0) -> list[dict]:
    """Rows whose houses and people come back in the next rows, so each batch (3 rows) matches what the
    batch just before it created or changed: the same house with other facts, the same person by
    phone, by email, by name at the same house, a landlord in every batch."""
    rows = []
    for i in range(72):
        house = (i // 2) % 30  # each house on two rows in a row, then again 60 rows later
        person = (i // 4) % 17  # each person on four rows in a row
        cells = {
            "Address": f"{house} Elm St", "City": "Lowell", "ZIP": "01851",
            "APN": f"12-{house:03d}" if house % 4 else "",
            "Est_Value": f"${300_000 + 1_000 * i + version:,}", "Beds": str(2 + i % 3),
            "Primary_Name": f"Owner{person} Walsh",
            "Primary_Mobile_Phone1": "" if person % 7 == 3 else f"(978) 555-{person:04d}",
            "Primary_Email1": f"owner{person}@example.com" if person % 5 else "",
            "Mail_Address": f"{person} Mill Rd" if i % 2 else "",
        }
        if i % 3 == 2:  # a landlord in every batch, by the same number
            cells.update(Secondary_Name="Pat Landlord", Secondary_Mobile_Phone1="978-555-9999")
        if house % 5 == 2:  # a second owner known only by name, matched at the same house next row
            cells.update(Secondary_Name=f"Kim{house} Walsh")
        if i % 4 == 3:  # the same person by email only, written otherwise
            cells.update(Primary_Mobile_Phone1="", Primary_Email1=f"OWNER{person}@EXAMPLE.COM")
        if version and i % 8 == 5:  # a later file: another number for the same person
            cells.update(Secondary_Name=f"Owner{person} Walsh", Secondary_Mobile_Phone1=f"617-555-{person:04d}")
        rows.append(pr_row(**cells))
    rows.insert(20, dict(rows[19]))  # an exact duplicate, in the next batch
    return rows


def _import(path, *, pipelined: bool, tag: str = "Elm St", after_batch=None, written_by=None,
            kind: str = "propertyradar") -> ImportRun:
    """Import with 3-row batches; `written_by` collects, per batch, whether this thread wrote it."""
    run = import_run_create(kind=kind, path=path, tag_name=tag, batch_size=3)
    check = written_by is None
    written_by = {} if check else written_by

    def hook(number):
        written_by[number] = threading.current_thread() is threading.main_thread()
        if after_batch is not None:
            after_batch(number)

    try:
        import_run_execute(run=run, pipelined=pipelined, after_batch=hook)
    finally:
        if check:  # the pipelined import writes from a thread of its own; batch by batch, from this one
            assert set(written_by.values()) == ({False} if pipelined else {True})
    return run


def _counts(run: ImportRun) -> dict:
    run.refresh_from_db()
    return {name: getattr(run, name) for name in (
        "rows_done", "properties_created", "properties_updated", "properties_unchanged", "contacts_created",
        "contacts_updated", "contacts_unchanged", "links_created", "rows_rejected", "phones_unusable",
        "last_committed_line", "status")}


def _wipe():
    Contact.objects.all().delete()
    Property.objects.all().delete()
    Tag.objects.all().delete()
    ImportRun.objects.all().delete()


def test_pipelined_import_ends_where_the_batch_by_batch_import_ends(tmp_path, commit_after_next_plan):
    first = write_csv(tmp_path / "first.csv", _rows())
    second = write_csv(tmp_path / "second.csv", _rows(version=1))
    outcomes = {}
    for pipelined in (False, True):
        _wipe()
        hold = commit_after_next_plan if pipelined else None
        counts = [_counts(_import(path, pipelined=pipelined, after_batch=hold)) for path in (first, second, second)]
        outcomes[pipelined] = (database_picture(), counts)

    picture, counts = outcomes[True]
    assert outcomes[True] == outcomes[False]
    assert counts[0]["properties_created"] == 30 and counts[0]["properties_updated"] > 0
    assert counts[0]["contacts_updated"] > 0 and counts[1]["contacts_updated"] > 0
    # The same file again: nothing new (its houses' facts still alternate within the file).
    assert counts[2]["properties_created"] == counts[2]["contacts_created"] == counts[2]["links_created"] == 0
    landlord = Contact.objects.get(phone="+19785559999")
    assert landlord.properties.count() == len({(i // 2) % 30 for i in range(72) if i % 3 == 2})
    assert ContactPhone.objects.filter(contact__phone="+19785550005").count() == 2  # the later file's number


def test_crash_in_a_pipelined_run_then_resume_ends_where_an_uninterrupted_run_ends(tmp_path, commit_after_next_plan):
    path = write_csv(tmp_path / "list.csv", _rows())
    _import(path, pipelined=True)
    clean_picture = database_picture()
    clean = _counts(ImportRun.objects.get())
    _wipe()

    def crash(number):
        commit_after_next_plan(number)
        if number == 4:
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        _import(path, pipelined=True, after_batch=crash)
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED and run.rows_done == 9 and run.last_committed_line == 10
    assert Property.objects.count() < 30

    import_run_execute(run=run, pipelined=True)
    assert database_picture() == clean_picture
    assert _counts(run) == clean


def _staff_types_a_contact() -> None:
    """Someone else stores a person, on a connection of their own, with a number batch 2 brings."""
    with second_connection(autocommit=True) as other:
        other.execute(
            "INSERT INTO contacts_contact (phone, first_name, last_name, email, notes, source, lead_status,"
            " opted_out, opted_out_reason, texting_held, mailing_address, mailing_city, mailing_state, mailing_zip,"
            " openphone_contact_id, created_at, updated_at) VALUES ('+19785550001', 'Staff', 'Typed', '',"
            " 'called us', 'manual', 'new', false, '', false, '', '', '', '', '', now(), now())"
        )


def test_a_pipelined_batch_that_collides_with_another_writer_is_planned_again(tmp_path, monkeypatch):
    """Batch 2 is planned, then someone else stores a person with one of its new numbers before it
    is written: its COPY hits the unique number, so it is planned again from fresh reads (under the
    batch lock), and batch 3, planned on top of it, too. The end is the same as if the person had
    been there from the start."""
    path = write_csv(tmp_path / "list.csv", _rows())
    _staff_types_a_contact()
    _import(path, pipelined=False)
    expected_picture, expected = database_picture(), _counts(ImportRun.objects.get())
    _wipe()

    plan_batch = import_runner._plan_batch
    inserted = []

    def plan_then_collide(run, batch, *, number, counts, carried=None):
        planned = plan_batch(run, batch, number=number, counts=counts, carried=carried)
        if number == 2 and not inserted:
            _staff_types_a_contact()
            inserted.append(number)
        return planned

    monkeypatch.setattr(import_runner, "_plan_batch", plan_then_collide)
    written_by = {}
    run = _import(path, pipelined=True, written_by=written_by)
    assert inserted == [2]
    # Batch 2 was redone here; the others were written by the writing thread.
    assert written_by[2] is True and not any(v for n, v in written_by.items() if n != 2)
    assert database_picture() == expected_picture
    assert _counts(run) == expected
    typed = Contact.objects.get(phone="+19785550001")
    assert (typed.first_name, typed.last_name, typed.notes) == ("Staff", "Typed", "called us")  # never overwritten
    assert PropertyContact.objects.filter(contact=typed, property__address="2 Elm St").exists()


def test_a_pipelined_run_keeps_a_bounded_number_of_batch_plans_alive(tmp_path, monkeypatch):
    """Memory stays flat however long the file: each plan reads the one before it while it is
    planned, and must not keep it (and through it every earlier one) alive afterwards."""
    import weakref

    path = write_csv(tmp_path / "list.csv", _rows())
    plan_batch = import_runner._plan_batch
    plans = []

    def plan(run, batch, *, number, counts, carried=None):
        planned = plan_batch(run, batch, number=number, counts=counts, carried=carried)
        plans.append(weakref.ref(planned.plan))
        return planned

    monkeypatch.setattr(import_runner, "_plan_batch", plan)
    alive = []
    _import(path, pipelined=True, after_batch=lambda number: alive.append(sum(r() is not None for r in plans)))
    assert len(alive) == 25 and max(alive) <= 3, alive


def test_pipelined_contacts_import_ends_where_the_batch_by_batch_import_ends(tmp_path, commit_after_next_plan):
    """A contacts file: the same people in consecutive batches by number or email, with new tags,
    notes and numbers each time (tags the batch in flight added must not be added twice)."""
    header = ["First Name", "Last Name", "Phone", "Email", "Tags", "Notes"]
    rows = []
    for i in range(40):
        person = (i // 2) % 9  # each person on two rows in a row, across batches of three
        rows.append({
            "First Name": f"Pat{person}", "Last Name": "Costa",
            "Phone": "" if i % 5 == 4 else f"413-555-{person:04d}",
            "Email": f"pat{person}@example.org" if i % 2 else "",
            "Tags": f"List {i % 4}; Spring", "Notes": f"note {i}" if i % 7 == 0 else "",
        })
    path = write_csv(tmp_path / "people.csv", rows, header=header)
    outcomes = {}
    for pipelined in (False, True):
        _wipe()
        run = _import(path, pipelined=pipelined, tag="Costa family", kind="contacts",
                      after_batch=commit_after_next_plan if pipelined else None)
        outcomes[pipelined] = (database_picture(), _counts(run))
    assert outcomes[True] == outcomes[False]
    assert outcomes[True][1]["contacts_updated"] > 0 and Tag.objects.count() == 6


@pytest.mark.django_db
def test_batch_lookups_probe_the_indexes_and_leave_the_setting_as_it_was():
    """A batch's lookups must cost what the batch costs, not what the table costs: PostgreSQL would
    pick a hashed scan of the whole table for 5,000 keys (see merge._index_probes)."""
    from properties.importers.merge import _index_probes, _matching

    phones = [f"+1978555{i:04d}" for i in range(5000)]
    [query] = _matching(Contact.objects.values_list("phone", "id"), "phone", phones)  # as the plan asks
    with _index_probes():
        inside = query.explain()
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        after = cursor.fetchone()[0]
    assert "Seq Scan" not in inside and "contacts_contact_phone_key" in inside, inside[:300]
    assert after == "on"
