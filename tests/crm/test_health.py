"""GET /healthz: 200 when the database (and Redis, when configured) answer; 503 when one does not."""
from __future__ import annotations

import copy
import os
import socket

import pytest
from django.db import connection
from django.db.utils import load_backend

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local port nothing listens on: bound, read, released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broken_database(monkeypatch):
    """A real connection to a database that is not there: a closed port, or a file in no directory."""
    settings_dict = copy.deepcopy(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-directory/healthz.sqlite3"
    else:
        settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
        settings_dict.setdefault("OPTIONS", {})["connect_timeout"] = 2
    broken = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="broken")
    monkeypatch.setattr("crm.health.connection", broken)
    yield broken
    broken.close()


def test_healthz_is_ok_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    if os.environ.get("REDIS_URL"):
        assert body["checks"]["redis"] == "ok"
    else:
        assert "redis" not in body["checks"]  # no Redis configured: nothing to check


def test_healthz_is_503_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["redis"].startswith("error: ")
    assert body["checks"]["database"] == "ok"


def test_healthz_is_503_when_the_database_does_not_answer(client, broken_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error: OperationalError"


def test_healthz_is_never_cached(client):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
