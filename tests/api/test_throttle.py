"""Requests are throttled per token at API_THROTTLE_RATE; one client's burst does not block another."""
import pytest
from django.test import override_settings

from .conftest import token_client, user_with_perms

pytestmark = pytest.mark.django_db


def test_a_token_over_its_rate_gets_429_and_others_are_unaffected(settings):
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/minute"}}
    busy = token_client(user_with_perms("busy", ["contacts.view_contact"]))
    calm = token_client(user_with_perms("calm", ["contacts.view_contact"]))
    with override_settings(REST_FRAMEWORK=rest):
        assert [busy.get("/api/v1/contacts/").status_code for _ in range(3)] == [200, 200, 200]
        throttled = busy.get("/api/v1/contacts/")
        assert throttled.status_code == 429
        assert int(throttled["Retry-After"]) > 0
        assert "throttled" in throttled.json()["detail"].lower()
        assert calm.get("/api/v1/contacts/").status_code == 200

