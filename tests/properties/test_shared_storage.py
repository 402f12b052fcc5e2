"""Uploads in shared object storage: the admin (web process) and a real Celery worker (another process)
run on DIFFERENT local folders (MEDIA_ROOT) and share only an S3 bucket, served by moto's S3 server on
loopback. The import can only succeed if the file went through the shared storage."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import boto3
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
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL or connection.vendor != "postgresql",
                       reason="needs PostgreSQL and Redis shared with a worker process (CI has both)"),
]

DEADLINE_SECONDS = 120  # generous: the worker starts Django on a shared machine; not a speed assertion
BUCKET = "crm-test-uploads"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3_server():
    """moto's S3 server in a thread on a free loopback port, with an empty private bucket."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": endpoint,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_S3_REGION_NAME": "us-east-1"}
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    try:
        yield env, client
    finally:
        server.stop()


@pytest.fixture
def shared_storage(settings, s3_server, tmp_path):
    env, client = s3_server
    settings.MEDIA_ROOT = tmp_path / "web-media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": env["AWS_S3_ENDPOINT_URL"], "access_key": "testing",
                    "secret_key": "testing", "region_name": "us-east-1", "default_acl": "private",
                    "querystring_auth": True, "querystring_expire": 300, "file_overwrite": False,
                    "addressing_style": "path", "signature_version": "s3v4"},
    }}
    return env, client


@pytest.fixture
def worker(monkeypatch, settings, tmp_path, shared_storage):
    """A prefork worker with a MEDIA_ROOT of its own and the shared bucket, on a queue of this test's own."""
    env_s3, _ = shared_storage
    queue = f"test-shared-{uuid.uuid4().hex[:12]}"
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(run_import, "queue", queue, raising=False)
    monkeypatch.setattr(run_import, "_exec_options", None)
    worker_media = tmp_path / "worker-media"
    worker_media.mkdir()
    log = tmp_path / "worker.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.test", "DATABASE_URL": database_url(),
           "REDIS_URL": settings.REDIS_URL, "MEDIA_ROOT": str(worker_media), **env_s3}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool", "prefork", "--concurrency", "1",
             "--queues", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        yield worker_media, (lambda: log.read_text(errors="replace"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _files_under(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_an_admin_upload_is_imported_by_a_worker_that_shares_only_the_bucket(client, settings, shared_storage, worker):
    _, s3 = shared_storage
    worker_media, worker_log = worker
    clerk = UserFactory(username="oscar.office")
    from django.contrib.auth.models import Group

    from contacts.roles import OFFICE_STAFF
    clerk.groups.add(Group.objects.get(name=OFFICE_STAFF))
    client.force_login(clerk)

    with open(FIXTURES / "import" / "propertyradar_messy.csv", "rb") as handle:
        response = client.post(reverse("admin:properties_importrun_upload"),
                               {"file": handle, "kind": "propertyradar", "tag": "Spring list", "state": "MA"})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [run.file.name]  # stored in the bucket...
    assert _files_under(settings.MEDIA_ROOT) == []  # ...not in the web process's folder

    deadline = time.monotonic() + DEADLINE_SECONDS
    while run.status in (ImportStatus.PENDING, ImportStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(0.2)
        run.refresh_from_db()

    assert run.status == ImportStatus.COMPLETED, f"{run.status}: {run.error}\n{worker_log()}"
    assert (run.properties_created, run.contacts_created, run.links_created, run.rows_rejected) == (8, 9, 10, 3)
    assert Tag.objects.get(name="Spring list").contacts.count() == 9
    while "succeeded" not in worker_log() and time.monotonic() < deadline:  # the task returns after the run's last save
        time.sleep(0.2)
    assert "properties.tasks.run_import" in worker_log() and "succeeded" in worker_log()  # the worker ran it
    assert _files_under(worker_media) == []  # it read the bucket, not a folder of its own


def test_stored_uploads_are_private_and_links_expire(shared_storage):
    import requests
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("imports/probe.csv", ContentFile(b"a,b\n1,2\n"))
    url = default_storage.url(name)
    assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url  # a signed link valid for five minutes
    assert requests.get(url, timeout=10).content == b"a,b\n1,2\n"
    _, s3 = shared_storage
    acl = s3.get_object_acl(Bucket=BUCKET, Key=name)
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]  # the owner only: no public read
