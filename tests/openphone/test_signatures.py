"""Webhook signatures: the contract's vectors, both schemes, timestamp tolerance and unit detection."""
from __future__ import annotations

import datetime

import pytest
import time_machine

from openphone import signatures
from openphone.models import WebhookEvent
from openphone.signatures import InvalidSignature, verify_legacy, verify_request, verify_standard

from .sender import legacy_signature, post_raw, signature_vectors

VECTORS = signature_vectors()
LEGACY = {v["name"]: v for v in VECTORS["legacy_openphone_signature"]}
STANDARD = {v["name"]: v for v in VECTORS["standard_webhooks_signature"]}
KEY = LEGACY["L1-ascii"]["signing_key_base64"]


def _at(seconds: float):
    return time_machine.travel(datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC), tick=False)


# --- The contract's vectors, as pure functions ----------------------------------------------------

@pytest.mark.parametrize("name", sorted(LEGACY))
def test_legacy_vector_verifies(name):
    vector = LEGACY[name]
    body = vector["raw_body"].encode()
    assert len(body) == vector["raw_body_len"]
    with _at(int(vector["timestamp_ms"]) / 1000):
        verify_legacy(vector["header_value"], body, signing_key_b64=vector["signing_key_base64"])


@pytest.mark.parametrize(
    ("name", "mistake"),
    [("L1-ascii", "wrong_if_key_not_decoded"), ("L1-ascii", "wrong_if_body_reserialized_with_spaces"),
     ("L2-utf8", "wrong_if_body_ascii_escaped")],
)
def test_legacy_vector_mistakes_are_rejected(name, mistake):
    vector = LEGACY[name]
    with _at(int(vector["timestamp_ms"]) / 1000), pytest.raises(InvalidSignature, match="does not match"):
        verify_legacy(vector[mistake], vector["raw_body"].encode(), signing_key_b64=vector["signing_key_base64"])


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_standard_vector_verifies(name):
    vector = STANDARD[name]
    with _at(int(vector["webhook_timestamp_s"])):
        verify_standard(
            webhook_id=vector["webhook_id"], timestamp=vector["webhook_timestamp_s"],
            signature_header=vector["webhook_signature"], raw_body=vector["raw_body"].encode(),
            secret=vector["secret"],
        )


def test_standard_vector_with_another_body_is_rejected():
    vector = STANDARD["S1"]
    with _at(int(vector["webhook_timestamp_s"])), pytest.raises(InvalidSignature):
        verify_standard(
            webhook_id=vector["webhook_id"], timestamp=vector["webhook_timestamp_s"],
            signature_header=vector["webhook_signature"], raw_body=vector["raw_body"].encode() + b" ",
            secret=vector["secret"],
        )


def test_standard_accepts_any_matching_entry_among_several():
    vector = STANDARD["S1"]
    header = f"v1,bm90LXRoZS1zaWduYXR1cmU= v2,whatever {vector['webhook_signature']}"
    with _at(int(vector["webhook_timestamp_s"])):
        verify_standard(
            webhook_id=vector["webhook_id"], timestamp=vector["webhook_timestamp_s"], signature_header=header,
            raw_body=vector["raw_body"].encode(), secret=vector["secret"],
        )


# --- Candidates, tolerance, units -------------------------------------------------------------------

@pytest.mark.parametrize("separator", [",", ", ", " "])
def test_legacy_accepts_any_matching_candidate(separator):
    vector = LEGACY["L1-ascii"]
    header = separator.join([vector["wrong_if_key_not_decoded"], vector["header_value"]])
    with _at(1767225600):
        verify_legacy(header, vector["raw_body"].encode(), signing_key_b64=KEY)


@pytest.mark.parametrize("offset", [-300, 300, -299.5])
def test_legacy_timestamp_within_five_minutes_is_accepted(offset):
    body = b'{"id":"EV1"}'
    with _at(1767225600 + offset):
        verify_legacy(legacy_signature(body, timestamp="1767225600000", key_b64=KEY), body, signing_key_b64=KEY)


@pytest.mark.parametrize("offset", [-301, 301, 3600])
def test_legacy_timestamp_beyond_five_minutes_is_stale(offset):
    body = b'{"id":"EV1"}'
    with _at(1767225600 + offset), pytest.raises(InvalidSignature, match="tolerance"):
        verify_legacy(legacy_signature(body, timestamp="1767225600000", key_b64=KEY), body, signing_key_b64=KEY)


def test_legacy_timestamp_in_seconds_is_read_as_seconds():
    body = b'{"id":"EV1"}'
    header = legacy_signature(body, timestamp="1767225600", key_b64=KEY)
    with _at(1767225610):
        verify_legacy(header, body, signing_key_b64=KEY)
    # Read as milliseconds it would be January 1970 and stale.
    assert signatures.timestamp_to_seconds("1767225600") == 1767225600
    assert signatures.timestamp_to_seconds("1767225600000") == 1767225600


@pytest.mark.parametrize(
    "header",
    ["", "hmac;1;1767225600000", "sha256;1;1767225600000;abc=", "hmac;2;1767225600000;abc=",
     "hmac;1;17672256x0000;abc=", "hmac;1;1767225600000;not base64!"],
)
def test_malformed_legacy_headers_are_rejected(header):
    with _at(1767225600), pytest.raises(InvalidSignature):
        verify_legacy(header, b"{}", signing_key_b64=KEY)


def test_no_key_configured_rejects_everything():
    vector = LEGACY["L1-ascii"]
    with _at(1767225600), pytest.raises(InvalidSignature, match="not configured"):
        verify_legacy(vector["header_value"], vector["raw_body"].encode(), signing_key_b64="")


def test_standard_headers_decide_when_present_even_with_a_valid_legacy_header():
    vector = LEGACY["L1-ascii"]
    headers = {"openphone-signature": vector["header_value"], "webhook-signature": "v1,AAAA",
               "webhook-id": "msg_1", "webhook-timestamp": "1767225600"}
    with _at(1767225600), pytest.raises(InvalidSignature, match="webhook-signature"):
        verify_request(headers, vector["raw_body"].encode(), signing_key_b64=KEY,
                       secret=STANDARD["S1"]["secret"])


def test_no_signature_header_at_all_is_rejected():
    with pytest.raises(InvalidSignature, match="no openphone-signature"):
        verify_request({}, b"{}", signing_key_b64=KEY, secret="")


# --- The same vectors through the endpoint (test settings hold the vectors' keys) --------------------

@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(LEGACY))
def test_endpoint_accepts_legacy_vector(client, name, django_capture_on_commit_callbacks):
    vector = LEGACY[name]
    with _at(int(vector["timestamp_ms"]) / 1000), django_capture_on_commit_callbacks() as queued:
        response = post_raw(client, vector["raw_body"].encode(), {"openphone-signature": vector["header_value"]})
    assert response.status_code == 202
    assert WebhookEvent.objects.filter(event_id=response.json()["id"]).exists()
    assert len(queued) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "mistake"),
    [("L1-ascii", "wrong_if_key_not_decoded"), ("L1-ascii", "wrong_if_body_reserialized_with_spaces"),
     ("L2-utf8", "wrong_if_body_ascii_escaped")],
)
def test_endpoint_rejects_legacy_mistakes_and_stores_nothing(client, name, mistake, django_capture_on_commit_callbacks):
    vector = LEGACY[name]
    with _at(int(vector["timestamp_ms"]) / 1000), django_capture_on_commit_callbacks() as queued:
        response = post_raw(client, vector["raw_body"].encode(), {"openphone-signature": vector[mistake]})
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0 and queued == []


@pytest.mark.django_db
def test_endpoint_accepts_standard_webhooks_vector(client):
    vector = STANDARD["S1"]
    headers = {"webhook-id": vector["webhook_id"], "webhook-timestamp": vector["webhook_timestamp_s"],
               "webhook-signature": vector["webhook_signature"]}
    with _at(int(vector["webhook_timestamp_s"])):
        response = post_raw(client, vector["raw_body"].encode(), headers)
    assert response.status_code == 202
    assert WebhookEvent.objects.get().event_id == "EV123"


@pytest.mark.django_db
def test_endpoint_rejects_stale_standard_webhooks_delivery(client):
    vector = STANDARD["S1"]
    headers = {"webhook-id": vector["webhook_id"], "webhook-timestamp": vector["webhook_timestamp_s"],
               "webhook-signature": vector["webhook_signature"]}
    with _at(int(vector["webhook_timestamp_s"]) + 301):
        response = post_raw(client, vector["raw_body"].encode(), headers)
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0
