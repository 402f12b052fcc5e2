"""A real crash: `manage.py import_propertyradar` killed with SIGKILL mid-file (no exception handler,
no cleanup, its transaction in flight), then `--resume`, must end where an uninterrupted run ends.
PostgreSQL, the pipelined import, a process of its own on the test database."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from contacts.models import Contact, Tag
from properties.models import ImportRun, ImportStatus, Property
from tests.postgres import database_url

from .conftest import database_picture, latest_run, pr_row, read_rejects, run_command, write_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the killed process must see, and leave, committed rows
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipelined import runs on PostgreSQL"),
]

ROWS = 5_000
BATCH = 100
DEADLINE_SECONDS = 120  # generous: the machine is shared with the rest of the suite; not a speed assertion


def _rows() -> list[dict]:
    rows = []
    for i in range(ROWS):
        cells = {"Address": f"{i} Quarry Rd", "APN": f"50-{i:06d}", "Primary_Name": f"Owner{i} Granite",
                 "Primary_Mobile_Phone1": f"(617) 3{i // 10000:02d}-{i % 10000:04d}",
                 "Est_Value": f"${200000 + i:,}"}
        if i % 50 == 0:  # one landlord across many batches
            cells.update(Secondary_Name="Lee Landlord", Secondary_Mobile_Phone1="508-555-0100")
        if i % 997 == 0:
            cells["Sq Ft"] = "12a4"  # rejected
        rows.append(pr_row(**cells))
        if i % 1000 == 7:
            rows.append(dict(rows[-5]))  # an exact duplicate a few rows later
    return rows


def _counts(run: ImportRun) -> dict:
    return {name: getattr(run, name) for name in (
        "rows_done", "rows_total", "properties_created", "properties_updated", "properties_unchanged",
        "contacts_created", "contacts_updated", "contacts_unchanged", "links_created", "rows_rejected",
        "phones_unusable", "status")}


def test_an_import_killed_mid_file_resumes_to_the_same_end(tmp_path):
    path = write_csv(tmp_path / "list.csv", _rows())
    run_command("import_propertyradar", path, batch_size=BATCH, tag="Quarry Rd")
    clean_picture, clean_counts = database_picture(), _counts(latest_run())
    clean_rejects = read_rejects(tmp_path / "list.rejects.csv")
    Contact.objects.all().delete()
    Property.objects.all().delete()
    Tag.objects.all().delete()
    ImportRun.objects.all().delete()

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "DATABASE_URL": database_url()}
    command = subprocess.Popen(
        [sys.executable, "manage.py", "import_propertyradar", str(path), "--batch-size", str(BATCH),
         "--tag", "Quarry Rd", "--rejects", str(tmp_path / "list.rejects.csv")],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + DEADLINE_SECONDS
    run = None
    while time.monotonic() < deadline and command.poll() is None:
        run = latest_run()
        if run is not None and run.rows_done >= 4 * BATCH:
            break
        time.sleep(0.005)
    os.kill(command.pid, signal.SIGKILL)
    command.wait()
    assert command.returncode == -signal.SIGKILL, command.stderr.read().decode()

    killed = latest_run()
    assert killed.status == ImportStatus.RUNNING  # nobody was left to record the end
    assert 4 * BATCH <= killed.rows_done < ROWS  # killed mid-file, after some batches were committed
    assert Property.objects.count() < clean_counts["properties_created"]

    output = run_command("import_propertyradar", path, "--resume", batch_size=BATCH, tag="Quarry Rd")

    assert output.startswith("Resumed PropertyRadar export list.csv: ")
    assert ImportRun.objects.count() == 1
    assert _counts(latest_run()) == clean_counts
    assert database_picture() == clean_picture
    assert read_rejects(tmp_path / "list.rejects.csv") == clean_rejects
    assert len(clean_rejects) == 6 and clean_counts["properties_created"] == ROWS - 6
