"""Production settings: pass Django's deployment checklist, and refuse to start without secrets."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings.production", **env}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
    "OPENPHONE_WEBHOOK_SIGNING_KEY": "YXR0YWNrLWEtY3JhY2stdGVzdC1zaWduaW5nLWtleSE=",
    "ALLOWED_HOSTS": "crm.example.com",
}


def test_production_settings_pass_the_deployment_checklist():
    assert len(PRODUCTION["SECRET_KEY"]) == 64
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "placeholder",
    ["insecure-dev-key-change-me", "change-me-to-a-long-random-string-of-at-least-fifty-characters-0000", "short"],
)
def test_production_refuses_placeholder_keys(placeholder):
    result = _manage("check", **{**PRODUCTION, "SECRET_KEY": placeholder})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_the_webhook_signing_key():
    result = _manage("check", **{**PRODUCTION, "OPENPHONE_WEBHOOK_SIGNING_KEY": ""})
    assert result.returncode != 0
    assert "OPENPHONE_WEBHOOK_SIGNING_KEY must be set" in result.stderr
