"""--resume: a run stopped by a crash continues after its last committed batch and ends where an
uninterrupted run ends (same rows, same counts, same rejects)."""
from __future__ import annotations

import pytest

from contacts.models import Contact, Tag
from properties.importers import ImportFileError, import_file, import_run_execute
from properties.models import ImportReject, ImportRun, ImportStatus, Property

from .conftest import database_picture, latest_run, pr_row, read_rejects, run_command, write_csv

pytestmark = pytest.mark.django_db


def _rows():
    rows = []
    for i in range(30):
        cells = {"Address": f"{i} Oak St", "APN": f"30-000-{i:04d}", "Primary_Name": f"Owner {i} Smith",
                 "Primary_Mobile_Phone1": f"(617) 205-{i:04d}", "Primary_Email1": f"owner{i}@example.com",
                 "Est_Value": f"${300000 + i * 1000:,}"}
        if i % 5 == 0:  # the same landlord on several houses, in several batches
            cells.update(Secondary_Name="Pat Landlord", Secondary_Mobile_Phone1="617-204-9999")
        if i == 12:
            cells["Purchase_Date"] = "2020-02-30"  # rejected
        if i == 20:
            cells["Address"] = ""  # rejected
        if i == 15:
            cells.update(Primary_Mobile_Phone1="", Primary_Email1="no.phone@example.com")
        rows.append(pr_row(**cells))
    rows.insert(10, dict(rows[3]))  # an exact duplicate, in a later batch
    return rows


def _crash_in_batch(number):
    def after_batch(n):
        if n == number:
            raise RuntimeError("simulated crash")
    return after_batch


def _wipe():
    Contact.objects.all().delete()
    Property.objects.all().delete()
    Tag.objects.all().delete()
    ImportRun.objects.all().delete()


def _counts(run):
    return {name: getattr(run, name) for name in (
        "rows_done", "rows_total", "properties_created", "properties_updated", "properties_unchanged",
        "contacts_created", "contacts_updated", "contacts_unchanged", "links_created", "rows_rejected",
        "phones_unusable", "last_committed_line", "status")}


def test_resume_after_a_crash_ends_where_an_uninterrupted_run_ends(tmp_path):
    path = write_csv(tmp_path / "list.csv", _rows())
    run_command("import_propertyradar", path, batch_size=4, tag="Oak St")
    clean_picture, clean_counts = database_picture(), _counts(latest_run())
    clean_rejects = read_rejects(tmp_path / "list.rejects.csv")
    _wipe()

    with pytest.raises(RuntimeError, match="simulated crash"):
        import_file(kind="propertyradar", path=path, batch_size=4, tag_name="Oak St",
                    rejects_path=tmp_path / "list.rejects.csv", after_batch=_crash_in_batch(3))

    stopped = latest_run()
    assert stopped.status == ImportStatus.FAILED and "simulated crash" in stopped.error
    assert (stopped.rows_done, stopped.last_committed_line) == (8, 9)  # two batches of 4 rows, header on line 1
    assert Property.objects.count() == 8  # the crashed batch left nothing behind
    assert not ImportReject.objects.exists()

    output = run_command("import_propertyradar", path, "--resume", batch_size=7, tag="Oak St")

    assert output.startswith("Resumed PropertyRadar export list.csv: 23 more rows (31 in all) in ")
    assert ImportRun.objects.count() == 1
    assert database_picture() == clean_picture
    assert _counts(latest_run()) == clean_counts
    assert read_rejects(tmp_path / "list.rejects.csv") == clean_rejects
    assert [r["line"] for r in clean_rejects] == ["15", "23"]


def test_resume_after_a_crash_in_the_first_batch(tmp_path):
    path = write_csv(tmp_path / "list.csv", _rows())
    with pytest.raises(RuntimeError):
        import_file(kind="propertyradar", path=path, batch_size=10, after_batch=_crash_in_batch(1))
    assert not Property.objects.exists() and latest_run().last_committed_line == 0

    run_command("import_propertyradar", path, "--resume", batch_size=10)

    assert latest_run().status == ImportStatus.COMPLETED
    assert ImportRun.objects.count() == 1 and Property.objects.count() == 28


def test_resume_without_an_interrupted_run_starts_a_new_one(tmp_path):
    path = write_csv(tmp_path / "list.csv", _rows())
    run_command("import_propertyradar", path)

    output = run_command("import_propertyradar", path, "--resume")

    assert output.startswith("Imported") and "Nothing changed" in output
    assert ImportRun.objects.count() == 2


def test_resume_does_not_continue_a_run_of_other_bytes(tmp_path):
    path = write_csv(tmp_path / "list.csv", _rows())
    with pytest.raises(RuntimeError):
        import_file(kind="propertyradar", path=path, batch_size=4, after_batch=_crash_in_batch(2))
    stopped = latest_run()
    path.write_text(path.read_text(encoding="utf-8").replace("Oak St", "Elm St"), encoding="utf-8")

    with pytest.raises(ImportFileError, match="not the file this run started with"):
        import_run_execute(run=stopped, path=path)

    run_command("import_propertyradar", path, "--resume")
    assert ImportRun.objects.count() == 2  # a new run; the stopped one is left as it was
    assert ImportRun.objects.get(pk=stopped.pk).last_committed_line == 5


def test_interrupted_run_is_recorded_as_such(tmp_path):
    path = write_csv(tmp_path / "list.csv", _rows())

    def interrupt(number):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(kind="propertyradar", path=path, batch_size=4, after_batch=interrupt)
    assert latest_run().status == ImportStatus.FAILED and latest_run().error == "Interrupted"


def test_command_that_stops_says_where_and_how_to_continue(tmp_path, monkeypatch):
    """A fault we cannot provoke from a file (the database failing mid-run) is simulated by making
    the second batch's write raise."""
    from django.core.management import CommandError

    from properties.importers import merge

    path = write_csv(tmp_path / "list.csv", _rows())
    real_write, calls = merge.BatchPlan.write, []

    def failing_write(self, writer):
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("server closed the connection unexpectedly")
        return real_write(self, writer)

    monkeypatch.setattr(merge.BatchPlan, "write", failing_write)
    with pytest.raises(CommandError, match=r"(?s)stopped after line 5: ConnectionError.*--resume to continue"):
        run_command("import_propertyradar", path, batch_size=4)
    monkeypatch.setattr(merge.BatchPlan, "write", real_write)

    run_command("import_propertyradar", path, "--resume", batch_size=4)
    assert latest_run().status == ImportStatus.COMPLETED and Property.objects.count() == 28


@pytest.mark.django_db(transaction=True)
def test_a_run_executing_elsewhere_is_not_executed_twice(tmp_path):
    """A redelivered task (or a second --resume) must not import the same rows a second time."""
    from django.db import connection

    from properties.importers import ImportAlreadyRunning, import_run_create
    from properties.importers.runner import _RUN_LOCK_BASE
    from properties.tasks import run_import
    from tests.postgres import second_connection

    if connection.vendor != "postgresql":
        pytest.skip("the run lock is a PostgreSQL advisory lock")
    run = import_run_create(kind="propertyradar", path=write_csv(tmp_path / "list.csv", _rows()))
    with second_connection(autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [_RUN_LOCK_BASE + run.pk])
        with pytest.raises(ImportAlreadyRunning):
            import_run_execute(run=run)
        run_import(run.pk)  # the task gives way quietly
    run.refresh_from_db()
    assert run.status == ImportStatus.PENDING and not Property.objects.exists()

    run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.COMPLETED and Property.objects.count() == 28


def test_ctrl_c_says_where_the_import_stopped_and_how_to_continue(tmp_path, monkeypatch):
    from django.core.management import CommandError

    from properties.importers import merge

    path = write_csv(tmp_path / "list.csv", _rows())
    real_write, calls = merge.BatchPlan.write, []

    def interrupted_write(self, writer):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_write(self, writer)

    monkeypatch.setattr(merge.BatchPlan, "write", interrupted_write)
    with pytest.raises(CommandError, match=r"(?s)stopped after line 9: interrupted\n.*--resume to continue"):
        run_command("import_propertyradar", path, batch_size=4)
    assert latest_run().status == ImportStatus.FAILED and latest_run().error == "Interrupted"
    monkeypatch.setattr(merge.BatchPlan, "write", real_write)

    run_command("import_propertyradar", path, "--resume", batch_size=4)
    assert latest_run().status == ImportStatus.COMPLETED and Property.objects.count() == 28
