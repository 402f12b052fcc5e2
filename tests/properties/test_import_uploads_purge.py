"""Uploaded files hold homeowners' data: a finished run's file is deleted IMPORT_UPLOAD_KEEP_DAYS after
the run ended (a daily beat task); the run, its counts and its rejected rows stay."""
from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from properties.importers import import_uploads_purge
from properties.models import ImportReject, ImportRun, ImportStatus
from properties.tasks import purge_import_uploads
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_UPLOAD_KEEP_DAYS = 30


def _run(name: str, status: str, *, ended_days_ago: float | None, uploaded: bool = True) -> ImportRun:
    run = ImportRun.objects.create(
        kind="propertyradar", file_name=name, file_sha256=name.ljust(64, "0"), status=status,
        file_path="" if uploaded else f"/data/{name}",
        finished_at=None if ended_days_ago is None else NOW - datetime.timedelta(days=ended_days_ago),
    )
    if uploaded:
        run.file.save(name, ContentFile(b"Address\n12 Main St\n"))
    ImportRun.objects.filter(pk=run.pk).update(created_at=NOW - datetime.timedelta(days=(ended_days_ago or 0) + 1))
    return run


def test_files_of_runs_that_ended_long_ago_are_deleted_and_the_runs_kept(django_capture_on_commit_callbacks):
    old = _run("old.csv", ImportStatus.COMPLETED, ended_days_ago=31)
    ImportReject.objects.create(run=old, line=3, reason="no property address", values=["", "Worcester"])
    old_failed = _run("failed.csv", ImportStatus.FAILED, ended_days_ago=45)
    recent = _run("recent.csv", ImportStatus.COMPLETED, ended_days_ago=29)
    running = _run("running.csv", ImportStatus.RUNNING, ended_days_ago=None)
    ImportRun.objects.filter(pk=running.pk).update(created_at=NOW - datetime.timedelta(days=60))
    command_line = _run("cli.csv", ImportStatus.COMPLETED, ended_days_ago=90, uploaded=False)
    storage = old.file.storage
    old_name, failed_name = old.file.name, old_failed.file.name

    with django_capture_on_commit_callbacks(execute=True):
        removed = import_uploads_purge(now=NOW)

    assert removed == 2
    assert not storage.exists(old_name) and not storage.exists(failed_name)
    for run in (old, old_failed, recent, running, command_line):
        run.refresh_from_db()
    assert (old.file.name, old_failed.file.name) == ("", "")
    assert old.file_name == "old.csv" and old.rejects.count() == 1  # the run and its rejects stay
    assert recent.file and storage.exists(recent.file.name)
    assert running.file and storage.exists(running.file.name)  # still being read
    assert command_line.file_path == "/data/cli.csv"
    with django_capture_on_commit_callbacks(execute=True):
        assert import_uploads_purge(now=NOW) == 0  # nothing left to delete


def test_zero_days_keeps_every_file(settings, django_capture_on_commit_callbacks):
    settings.IMPORT_UPLOAD_KEEP_DAYS = 0
    run = _run("old.csv", ImportStatus.COMPLETED, ended_days_ago=400)
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_import_uploads.delay().get() == 0
    run.refresh_from_db()
    assert run.file and run.file.storage.exists(run.file.name)


def test_the_run_page_says_the_file_was_deleted(client, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(is_superuser=True))
    run = _run("old.csv", ImportStatus.COMPLETED, ended_days_ago=31)
    with django_capture_on_commit_callbacks(execute=True):
        purge_import_uploads.delay()

    page = client.get(reverse("admin:properties_importrun_change", args=[run.pk])).content.decode()

    assert "Deleted 30 days after the import ended" in page


def test_a_daily_schedule_runs_it():
    task = PeriodicTask.objects.get(task="properties.tasks.purge_import_uploads")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("3", "30")


def test_deleting_runs_in_the_admin_deletes_their_uploaded_files(client, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(is_superuser=True))
    one = _run("one.csv", ImportStatus.COMPLETED, ended_days_ago=1)
    ImportReject.objects.create(run=one, line=3, reason="no property address", values=["", "Worcester"])
    two = _run("two.csv", ImportStatus.FAILED, ended_days_ago=2)
    kept = _run("kept.csv", ImportStatus.COMPLETED, ended_days_ago=1)
    storage = one.file.storage

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:properties_importrun_delete", args=[one.pk]), {"post": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:properties_importrun_changelist"),
                    {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"})

    assert list(ImportRun.objects.values_list("file_name", flat=True)) == ["kept.csv"]
    assert not ImportReject.objects.exists()
    assert not storage.exists(one.file.name) and not storage.exists(two.file.name)
    assert storage.exists(kept.file.name)
