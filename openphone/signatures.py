"""Webhook signature checks for both OpenPhone schemes, as pure functions over the raw request body.

Legacy `openphone-signature: hmac;1;<timestamp>;<base64 digest>` (contract 9.1) and Standard Webhooks
`webhook-id` / `webhook-timestamp` / `webhook-signature: v1,<base64> ...` (contract 9.2).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Mapping

# --- Choices the public material does not confirm (contract section 12), kept in one place ----------
# How far a signed timestamp may be from our clock, either way. The legacy docs tell receivers to
# reject stale timestamps without publishing the window; Standard Webhooks uses 5 minutes.
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
# Legacy timestamps are milliseconds in the documented example; a 10-digit value is read as seconds.
# Any value at or above this is milliseconds (10**11 s is the year 5138; 10**11 ms is March 1973).
MILLISECOND_TIMESTAMP_THRESHOLD = 10**11
# Separators between several candidate signatures in one legacy header ("may in future hold several").
LEGACY_CANDIDATE_SEPARATORS = re.compile(r"[,\s]+")
# --------------------------------------------------------------------------------------------------------

LEGACY_HEADER = "openphone-signature"
STANDARD_ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
STANDARD_SECRET_PREFIX = "whsec_"
_DIGITS = re.compile(r"^[0-9]{1,20}$")


class InvalidSignature(Exception):
    """The delivery is not provably from OpenPhone; the message says why (safe to log, never secret)."""


def _b64decode(value: str, *, what: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSignature(f"{what} is not valid base64") from exc


def timestamp_to_seconds(raw: str) -> float:
    """A signed timestamp as Unix seconds, reading it as milliseconds when it is that large."""
    if not _DIGITS.match(raw or ""):
        raise InvalidSignature(f"timestamp {raw[:24]!r} is not a whole number")
    value = int(raw)
    return value / 1000 if value >= MILLISECOND_TIMESTAMP_THRESHOLD else float(value)


def check_timestamp(raw: str, *, now: float | None = None) -> None:
    """Raise unless the timestamp is within TIMESTAMP_TOLERANCE_SECONDS of now (past or future)."""
    seconds = timestamp_to_seconds(raw)
    now = time.time() if now is None else now
    if abs(now - seconds) > TIMESTAMP_TOLERANCE_SECONDS:
        raise InvalidSignature(f"timestamp is {int(now - seconds)} s from now (tolerance {TIMESTAMP_TOLERANCE_SECONDS} s)")


def legacy_digest(key: bytes, timestamp: str, raw_body: bytes) -> bytes:
    """HMAC-SHA256 over `<timestamp>.<raw body>` with the decoded signing key."""
    return hmac.new(key, timestamp.encode("ascii") + b"." + raw_body, hashlib.sha256).digest()


def standard_digest(key: bytes, webhook_id: str, timestamp: str, raw_body: bytes) -> bytes:
    """HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<raw body>` (Standard Webhooks)."""
    return hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + raw_body, hashlib.sha256).digest()


def verify_legacy(header: str, raw_body: bytes, *, signing_key_b64: str, now: float | None = None) -> None:
    """Accept if any `hmac;1;<ts>;<sig>` candidate in the header matches and its timestamp is fresh."""
    if not signing_key_b64:
        raise InvalidSignature("OPENPHONE_WEBHOOK_SIGNING_KEY is not configured")
    key = _b64decode(signing_key_b64, what="OPENPHONE_WEBHOOK_SIGNING_KEY")
    candidates = [c for c in LEGACY_CANDIDATE_SEPARATORS.split(header or "") if c]
    if not candidates:
        raise InvalidSignature(f"{LEGACY_HEADER} header is empty")
    reasons = []
    for candidate in candidates:
        parts = candidate.split(";")
        if len(parts) != 4 or parts[0] != "hmac" or parts[1] != "1":
            reasons.append("not of the form hmac;1;<timestamp>;<signature>")
            continue
        _, _, timestamp, signature = parts
        try:
            check_timestamp(timestamp, now=now)
            given = _b64decode(signature, what="signature")
        except InvalidSignature as exc:
            reasons.append(str(exc))
            continue
        if hmac.compare_digest(given, legacy_digest(key, timestamp, raw_body)):
            return
        reasons.append("signature does not match")
    raise InvalidSignature(f"{LEGACY_HEADER}: " + "; ".join(dict.fromkeys(reasons)))


def verify_standard(
    *, webhook_id: str, timestamp: str, signature_header: str, raw_body: bytes, secret: str, now: float | None = None
) -> None:
    """Accept if any `v1,<sig>` entry matches (Standard Webhooks, timestamp in seconds)."""
    if not secret:
        raise InvalidSignature("OPENPHONE_WEBHOOK_SECRET is not configured")
    key = _b64decode(secret.removeprefix(STANDARD_SECRET_PREFIX), what="OPENPHONE_WEBHOOK_SECRET")
    if not webhook_id or not timestamp:
        raise InvalidSignature(f"{STANDARD_ID_HEADER} and {STANDARD_TIMESTAMP_HEADER} headers are required")
    check_timestamp(timestamp, now=now)
    expected = standard_digest(key, webhook_id, timestamp, raw_body)
    for entry in (signature_header or "").split():
        version, _, signature = entry.partition(",")
        if version != "v1" or not signature:
            continue
        try:
            given = _b64decode(signature, what="signature")
        except InvalidSignature:
            continue
        if hmac.compare_digest(given, expected):
            return
    raise InvalidSignature(f"{STANDARD_SIGNATURE_HEADER}: no v1 signature matches")


def verify_request(
    headers: Mapping[str, str], raw_body: bytes, *, signing_key_b64: str, secret: str, now: float | None = None
) -> str:
    """Verify a delivery by whichever scheme its headers use; return the scheme ("standard" or "legacy").

    `headers` must look names up case-insensitively (Django's `request.headers` does).
    With `webhook-signature` present the Standard Webhooks scheme decides; otherwise the legacy
    header is required (contract 9.3).
    """
    standard = headers.get(STANDARD_SIGNATURE_HEADER)
    if standard is not None:
        verify_standard(
            webhook_id=headers.get(STANDARD_ID_HEADER, ""),
            timestamp=headers.get(STANDARD_TIMESTAMP_HEADER, ""),
            signature_header=standard,
            raw_body=raw_body,
            secret=secret,
            now=now,
        )
        return "standard"
    legacy = headers.get(LEGACY_HEADER)
    if legacy is None:
        raise InvalidSignature(f"no {LEGACY_HEADER} or {STANDARD_SIGNATURE_HEADER} header")
    verify_legacy(legacy, raw_body, signing_key_b64=signing_key_b64, now=now)
    return "legacy"
