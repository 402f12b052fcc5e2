"""POST /webhooks/openphone/: verify, store once, queue once, answer with the right status."""
from __future__ import annotations

import time
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import resolve, reverse

from openphone.models import WebhookEvent, WebhookEventStatus
from tests.postgres import second_connection

from .sender import compact, deliver, legacy_signature, load_event, post_raw, standard_headers

pytestmark = pytest.mark.django_db


def test_url_is_where_openphone_is_told_to_post():
    assert reverse("openphone:webhook") == "/webhooks/openphone/"


def test_signed_event_is_stored_raw_and_queued_once(client, django_capture_on_commit_callbacks):
    payload = load_event("message.received")
    with django_capture_on_commit_callbacks() as queued:
        response = deliver(client, payload)
    assert response.status_code == 202
    assert response.json() == {"status": "accepted", "id": payload["id"]}
    event = WebhookEvent.objects.get()
    assert (event.event_id, event.type, event.status, event.attempts) == (
        payload["id"], "message.received", WebhookEventStatus.PENDING, 0,
    )
    assert event.payload == payload
    assert len(queued) == 1


def test_duplicate_delivery_answers_200_stores_one_row_and_queues_nothing(client, django_capture_on_commit_callbacks):
    payload = load_event("message.received")
    with django_capture_on_commit_callbacks() as first:
        assert deliver(client, payload).status_code == 202
    with django_capture_on_commit_callbacks() as second:
        response = deliver(client, payload)
    assert response.status_code == 200
    assert response.json()["status"] == "duplicate"
    assert WebhookEvent.objects.count() == 1
    assert (len(first), len(second)) == (1, 0)


def test_wrong_signature_is_401_and_stores_nothing(client, django_capture_on_commit_callbacks):
    raw_body = compact(load_event("message.received"))
    header = legacy_signature(raw_body, key_b64="d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkh")
    with django_capture_on_commit_callbacks() as queued:
        response = post_raw(client, raw_body, {"openphone-signature": header})
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0 and queued == []


def test_signature_over_other_bytes_is_401(client):
    raw_body = compact(load_event("message.received"))
    header = legacy_signature(raw_body.replace(b"estimate", b"estimates"))
    assert post_raw(client, raw_body, {"openphone-signature": header}).status_code == 401
    assert WebhookEvent.objects.count() == 0


def test_stale_signature_is_401_and_stores_nothing(client):
    ten_minutes_ago = str(int((time.time() - 600) * 1000))
    response = deliver(client, load_event("message.received"), timestamp=ten_minutes_ago)
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0


def test_missing_signature_is_401(client):
    response = post_raw(client, compact(load_event("message.received")), {})
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing or invalid signature."}
    assert WebhookEvent.objects.count() == 0


def test_standard_webhooks_delivery_is_accepted(client):
    raw_body = compact(load_event("message.received"))
    response = post_raw(client, raw_body, standard_headers(raw_body, webhook_id="msg_2xQ7Lw0Yd3T9Zp1Vb6Nf8Rk4Hs"))
    assert response.status_code == 202
    assert WebhookEvent.objects.filter(event_id=load_event("message.received")["id"]).exists()


def test_malformed_json_with_valid_signature_is_400_and_stores_nothing(client):
    response = deliver(client, b'{"id":"EV1","type":"message.received",')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "says"),
    [(b"[1, 2]", "JSON object"), (b'{"type":"message.received"}', "no `id`"), (b'{"id":"EV1"}', "no `type`"),
     (compact({"id": "EV" + "1" * 120, "type": "x"}), "longer than 100")],
)
def test_event_without_what_we_need_is_400_saying_what(client, body, says):
    response = deliver(client, body)
    assert response.status_code == 400
    assert says in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0


def test_event_wrapped_in_object_is_unwrapped(client):
    inner = load_event("message.delivered")
    response = deliver(client, {"object": inner})
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    assert (event.event_id, event.type, event.payload) == (inner["id"], "message.delivered", inner)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite stores NUL characters in JSON text")
@pytest.mark.django_db(transaction=True)  # autocommit as in production: the refused insert aborts nothing else
def test_json_the_database_refuses_is_400_not_a_retry_forever(client):
    payload = load_event("message.received")
    payload["data"]["object"]["text"] = "nul \u0000 inside"
    response = deliver(client, payload)
    assert response.status_code == 400
    assert "cannot be stored" in response.json()["detail"]
    assert WebhookEvent.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server that can drop our connection")
@pytest.mark.django_db(transaction=True)  # autocommit, as the receiver runs in production
def test_a_connection_the_database_dropped_is_replaced_and_the_event_stored(client):
    assert deliver(client, load_event("message.received")).status_code == 202
    dropped_pid = connection.connection.info.backend_pid
    with second_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped_pid])
    response = deliver(client, load_event("message.delivered"))
    assert response.status_code == 202
    assert connection.connection.info.backend_pid != dropped_pid
    assert WebhookEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)  # autocommit, as the receiver runs in production
def test_a_delivery_costs_no_health_check_round_trip(client):
    # With CONN_HEALTH_CHECKS on, Django would run `SELECT 1` before a request's first query; the
    # receiver skips it (its insert recovers from a dropped connection itself, test above).
    assert deliver(client, load_event("message.received")).status_code == 202  # connection open
    connection.health_check_enabled, connection.health_check_done = True, False
    with mock.patch.object(connection, "is_usable", wraps=connection.is_usable) as health_check:
        assert deliver(client, load_event("message.delivered")).status_code == 202
    assert health_check.call_count == 0
    # Elsewhere the check still runs (office pages never see a dropped connection's error).
    connection.health_check_done = False
    with mock.patch.object(connection, "is_usable", wraps=connection.is_usable) as health_check:
        WebhookEvent.objects.count()
    assert health_check.call_count == 1


def test_database_down_answers_503_so_openphone_retries(client, django_capture_on_commit_callbacks):
    # A database outage cannot be provoked inside a test transaction: the insert fails as psycopg reports one.
    def database_down(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(database_down), django_capture_on_commit_callbacks() as queued:
        response = deliver(client, load_event("message.received"))
    assert response.status_code == 503
    assert response.json() == {"detail": "The event could not be stored; try again later."}
    assert queued == []
    assert WebhookEvent.objects.count() == 0


def test_no_csrf_token_or_login_needed():
    strict = Client(enforce_csrf_checks=True)
    assert deliver(strict, load_event("message.received")).status_code == 202


def test_answer_is_json_whatever_the_delivery_accepts(client):
    raw_body = compact(load_event("message.received"))
    headers = {"openphone-signature": legacy_signature(raw_body), "accept": "text/html"}
    response = post_raw(client, raw_body, headers)
    assert (response.status_code, response["Content-Type"]) == (202, "application/json")


def test_get_is_not_allowed(client):
    assert client.get(reverse("openphone:webhook")).status_code == 405


def test_storing_an_event_is_one_statement(client, django_assert_num_queries):
    # INSERT ... ON CONFLICT DO NOTHING RETURNING: new and redelivered events alike, one round trip.
    with django_assert_num_queries(1):
        assert deliver(client, load_event("message.received")).status_code == 202
    with django_assert_num_queries(1):
        assert deliver(client, load_event("message.received")).status_code == 200


def test_not_wrapped_in_atomic_requests():
    # Even with ATOMIC_REQUESTS on, the receiver commits its own insert before queueing.
    assert "default" in resolve(reverse("openphone:webhook")).func._non_atomic_requests


def test_broker_down_still_acknowledges_the_stored_event_and_the_sweep_queues_it(
    client, django_capture_on_commit_callbacks
):
    # Redis cannot be taken down under a shared test run: publishing fails the way kombu reports it.
    from kombu.exceptions import OperationalError as BrokerDown

    from openphone.tasks import dispatch_webhook_events, sweep_pending_webhook_events

    payload = load_event("message.received")
    with mock.patch.object(dispatch_webhook_events, "apply_async", side_effect=BrokerDown("Error 111 connecting")), \
            django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, payload)
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    assert (event.status, event.queued_at) == (WebhookEventStatus.PENDING, None)

    with django_capture_on_commit_callbacks(execute=True):
        sweep_pending_webhook_events.apply()
    event.refresh_from_db()
    assert event.status == WebhookEventStatus.PROCESSED


def test_a_database_setting_the_receiver_cannot_work_with_fails_the_system_check():
    from django.core import checks

    from openphone.checks import check_webhook_store_binding, webhook_store_binding_errors

    postgres = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"server_side_binding": True}}
    assert [e.id for e in webhook_store_binding_errors(postgres)] == ["openphone.E004"]
    assert webhook_store_binding_errors({**postgres, "OPTIONS": {}}) == []
    assert check_webhook_store_binding in checks.registry.registry.get_checks()
