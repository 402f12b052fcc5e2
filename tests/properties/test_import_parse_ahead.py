"""The rows are parsed in a forked child process while the importing process stores batches
(runner._ParseAhead); where a child cannot be forked, a thread does it. Both must give the same
database, and a file that breaks mid-way must fail the run with the reason, its earlier batches kept."""
from __future__ import annotations

import multiprocessing
import os
import pickle

import pytest

from properties.importers import ImportFileError, import_file, runner
from properties.importers.records import NO_FACTS, PROPERTY_FACTS, OwnerRecord, ParsedRow, PropertyRecord, RejectedRow
from properties.models import ImportStatus, Property

from .conftest import database_picture, latest_run, pr_row, write_csv

pytestmark = pytest.mark.django_db


def _rows(count):
    return [pr_row(Address=f"{n} Birch St", APN=f"40-000-{n:04d}", Primary_Name=f"Owner{n} Birch",
                   Primary_Mobile_Phone1=f"(617) 206-{n:04d}") for n in range(1, count + 1)]


def test_rows_are_parsed_in_a_child_process(tmp_path, monkeypatch):
    forked = []
    real_fork = os.fork

    def recording_fork():
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    import_file(kind="propertyradar", path=write_csv(tmp_path / "list.csv", _rows(7)), batch_size=3)

    assert len(forked) == 1
    assert Property.objects.count() == 7 and latest_run().rows_done == 7
    with pytest.raises(ChildProcessError):
        os.waitpid(forked[0], os.WNOHANG)  # waited for: no zombie left behind


def _parse_ahead_in(results) -> None:
    """In a daemonic process: the batches, each with the pid of the process that produced it."""
    def batches():
        for number in range(3):
            yield number, os.getpid()

    with runner._ParseAhead(batches()) as ahead:
        results.put((os.getpid(), list(ahead)))


def test_a_daemonic_process_still_parses_in_a_child():
    """A Celery prefork worker's processes, where admin uploads are imported, are daemonic, and
    multiprocessing refuses them children: the parsing child is forked all the same."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    worker = context.Process(target=_parse_ahead_in, args=(results,), daemon=True)
    worker.start()
    pid, batches = results.get(timeout=60)
    worker.join(timeout=60)

    assert worker.exitcode == 0
    assert [number for number, _ in batches] == [0, 1, 2]
    parsers = {parser for _, parser in batches}
    assert len(parsers) == 1 and pid not in parsers  # one child, not a thread of the daemonic process


def test_the_thread_fallback_stores_what_the_child_process_stores(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "list.csv", _rows(7) + [pr_row(Address="")])
    import_file(kind="propertyradar", path=path, batch_size=3)
    with_process = database_picture(), latest_run().rows_rejected
    Property.objects.all().delete()

    monkeypatch.setattr(runner._ParseAhead, "available", staticmethod(lambda: False))
    import_file(kind="propertyradar", path=path, batch_size=3)

    assert (database_picture(), latest_run().rows_rejected) == with_process == (with_process[0], 1)


@pytest.mark.parametrize("forked", [True, False], ids=["child process", "thread"])
def test_a_file_broken_mid_way_fails_the_run_with_the_line_and_keeps_earlier_batches(tmp_path, monkeypatch, forked):
    if not forked:
        monkeypatch.setattr(runner._ParseAhead, "available", staticmethod(lambda: False))
    rows = _rows(6)
    rows[4]["Owner"] = "x" * 200_000  # longer than csv's field limit: the reader stops there
    path = write_csv(tmp_path / "list.csv", rows)

    with pytest.raises(ImportFileError, match="line 6"):
        import_file(kind="propertyradar", path=path, batch_size=2)

    run = latest_run()
    assert run.status == ImportStatus.FAILED and "line 6" in run.error
    assert run.rows_done == 4 and run.last_committed_line == 5
    assert Property.objects.count() == 4


def test_records_survive_the_trip_between_processes():
    row = ParsedRow(
        line=7, cells=["12 Main St", "Boston"],
        property=PropertyRecord(key="12 MAIN ST|BOSTON|MA|02114", state="MA", apn="1-2", address="12 Main St",
                                city="Boston", zip_code="02114",
                                facts=tuple(3 if name == "bedrooms" else v for name, v in zip(PROPERTY_FACTS, NO_FACTS, strict=True))),
        owners=[OwnerRecord(first_name="Lisa", last_name="Nguyen", email="", phones=[("+16175550123", "mobile")],
                            name_key="lisa nguyen", role="primary_owner", mailing=("1 A St", "Boston", "MA", "02114"),
                            tags=("List",))],
        unusable_phones=1,
    )
    reject = RejectedRow(line=8, reason="no address", values=["", "Boston"])

    assert pickle.loads(pickle.dumps((row, reject))) == (row, reject)


@pytest.mark.parametrize("cells", [
    ["12 Main St", "", " Boston ", "line\nbreak", 'say "hi", twice'],
    ["12 Main St", "a\x00b", "\x00"],  # the separator of packed cells: the row keeps its list
    [""],
    [],
], ids=["plain", "separator inside a cell", "one empty cell", "no cells"])
def test_a_rows_cells_survive_the_trip_exactly(cells):
    row = ParsedRow(line=3, cells=list(cells), property=None)

    back = pickle.loads(pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL))

    assert back.cells == row.cells == cells
    assert back == row


def test_cells_travel_as_one_string_unless_a_cell_holds_the_separator():
    assert isinstance(ParsedRow(line=1, cells=["a", "b"], property=None).packed_cells, str)
    assert ParsedRow(line=1, cells=["a", "b\x00"], property=None).packed_cells == ["a", "b\x00"]


def test_no_facts_is_what_a_property_stores_for_each_empty_cell():
    """PropertyRecord.facts holds NO_FACTS's value where a cell was empty, and a new property takes
    them as they are: NULL for the nullable columns, "" for the text columns that are not."""
    assert len(NO_FACTS) == len(PROPERTY_FACTS)
    for name, empty in zip(PROPERTY_FACTS, NO_FACTS, strict=True):
        field = Property._meta.get_field(name)
        assert empty == (None if field.null else ""), name
