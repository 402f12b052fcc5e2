"""Sends webhook deliveries the way OpenPhone does (contract 8.2, 9.1, 9.2), for tests.

Written from the contract's reference computation, not from openphone.signatures, so a mistake
in the verifier cannot hide behind the same mistake here.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
from functools import cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "openphone"


@cache
def _event_fixture(name: str) -> dict:
    return json.loads((FIXTURES / "events" / f"{name}.json").read_text())


def load_event(name: str, **changes) -> dict:
    """A fresh copy of the fixture `events/<name>.json`; `changes` override top-level fields (id=...)."""
    payload = copy.deepcopy(_event_fixture(name))
    payload.update(changes)
    return payload


def signature_vectors() -> dict:
    return json.loads((FIXTURES / "signature_vectors.json").read_text())


def compact(payload: dict) -> bytes:
    """The body as OpenPhone sends it: compact JSON, raw UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def legacy_signature(raw_body: bytes, *, timestamp: str | None = None, key_b64: str | None = None) -> str:
    """`openphone-signature` header value: hmac;1;<ms timestamp>;base64(HMAC-SHA256(key, ts "." body))."""
    timestamp = timestamp or str(int(time.time() * 1000))
    key = base64.b64decode(key_b64 or settings.OPENPHONE_WEBHOOK_SIGNING_KEY)
    digest = hmac.new(key, timestamp.encode("ascii") + b"." + raw_body, hashlib.sha256).digest()
    return f"hmac;1;{timestamp};{base64.b64encode(digest).decode('ascii')}"


def standard_headers(raw_body: bytes, *, webhook_id: str, timestamp: str | None = None, secret: str | None = None) -> dict:
    """Standard Webhooks headers (seconds timestamp, `v1,<base64>`)."""
    timestamp = timestamp or str(int(time.time()))
    key = base64.b64decode((secret or settings.OPENPHONE_WEBHOOK_SECRET).removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + raw_body, hashlib.sha256).digest()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": f"v1,{base64.b64encode(digest).decode('ascii')}",
    }


def post_raw(client, raw_body: bytes, headers: dict):
    return client.post(reverse("openphone:webhook"), data=raw_body, content_type="application/json", headers=headers)


def deliver(client, payload: dict | bytes, *, timestamp: str | None = None):
    """POST one signed delivery (legacy scheme) and return the response."""
    raw_body = payload if isinstance(payload, bytes) else compact(payload)
    return post_raw(client, raw_body, {"openphone-signature": legacy_signature(raw_body, timestamp=timestamp)})
