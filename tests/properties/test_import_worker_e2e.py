"""An admin upload imported by a real Celery worker of the production kind: `celery -A crm worker`
in a process of its own (prefork pool, whose processes are daemonic), over Redis, on the test database."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from contacts.models import Tag
from crm.celery import app as celery_app
from properties.models import ImportRun, ImportStatus
from properties.tasks import run_import
from tests.factories import UserFactory
from tests.postgres import database_url

from .conftest import FIXTURES

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),  # the worker, another process, must see the upload
    pytest.mark.skipif(not settings.REDIS_URL or connection.vendor != "postgresql",
                       reason="needs PostgreSQL and Redis shared with a worker process (CI has both)"),
]

# Generous: the worker starts Django and shares two cores with the rest of the suite. Not a speed assertion.
DEADLINE_SECONDS = 120


@pytest.fixture
def worker(monkeypatch, settings, tmp_path):
    """A prefork worker consuming a queue of this test's own; yields a function returning its log so far."""
    queue = f"test-import-{uuid.uuid4().hex[:12]}"
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(run_import, "queue", queue, raising=False)
    monkeypatch.setattr(run_import, "_exec_options", None)  # recomputed with the queue above
    log = tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "DATABASE_URL": database_url(),
           "REDIS_URL": settings.REDIS_URL, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "prefork", "--concurrency", "1",
             "--queues", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        yield lambda: log.read_text(errors="replace")
    finally:
        process.terminate()  # warm shutdown: its connection to the test database closes before the flush
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_uploaded_file_is_imported_by_a_prefork_worker(client, worker):
    office = UserFactory(is_superuser=True)
    client.force_login(office)

    with open(FIXTURES / "import" / "propertyradar_messy.csv", "rb") as handle:
        response = client.post(reverse("admin:properties_importrun_upload"),
                               {"file": handle, "kind": "propertyradar", "tag": "Spring list", "state": "MA"})

    assert response.status_code == 302
    run = ImportRun.objects.get()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while run.status in (ImportStatus.PENDING, ImportStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()

    assert run.status == ImportStatus.COMPLETED, f"{run.status}: {run.error}\n{worker()}"
    assert (run.properties_created, run.contacts_created, run.links_created, run.rows_rejected) == (8, 9, 10, 3)
    assert Tag.objects.get(name="Spring list").contacts.count() == 9
    assert "properties.tasks.run_import" in worker() and "succeeded" in worker()  # the worker ran it, not this process
    rejects = client.get(reverse("admin:properties_importrun_rejects", args=[run.pk]))
    assert len(b"".join(rejects.streaming_content).decode("utf-8-sig").splitlines()) == 4
