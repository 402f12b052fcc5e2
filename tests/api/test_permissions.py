"""Who may do what through the API: anonymous 401; otherwise exactly the model permissions of the admin."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CampaignMembershipFactory,
    ContactFactory,
    ConversationFactory,
    PropertyFactory,
)

from .conftest import token_client

pytestmark = pytest.mark.django_db


def _contact():
    return f"/api/v1/contacts/{ContactFactory().pk}/"


def _property():
    return f"/api/v1/properties/{PropertyFactory().pk}/"


def _campaign():
    return f"/api/v1/campaigns/{CampaignFactory().pk}/"


# (name, method, url maker, payload maker) -> expected status for anonymous, no permissions, office staff, manager.
MATRIX = [
    ("contacts list", "get", lambda: "/api/v1/contacts/", None, (401, 403, 200, 200)),
    ("contacts create", "post", lambda: "/api/v1/contacts/", lambda: {"first_name": "Jane"}, (401, 403, 201, 201)),
    ("contact read", "get", _contact, None, (401, 403, 200, 200)),
    ("contact change", "patch", _contact, lambda: {"first_name": "Jo"}, (401, 403, 200, 200)),
    ("contact delete", "delete", _contact, None, (401, 403, 403, 204)),
    ("contact opt-out", "post", lambda: _contact() + "opt-out/", lambda: {}, (401, 403, 200, 200)),
    ("properties list", "get", lambda: "/api/v1/properties/", None, (401, 403, 200, 200)),
    ("properties create", "post", lambda: "/api/v1/properties/", lambda: {"address": "1 Elm St"}, (401, 403, 201, 201)),
    ("property change", "patch", _property, lambda: {"year_built": 1930}, (401, 403, 200, 200)),
    ("property delete", "delete", _property, None, (401, 403, 403, 204)),
    ("campaigns list", "get", lambda: "/api/v1/campaigns/", None, (401, 403, 200, 200)),
    ("campaign read", "get", _campaign, None, (401, 403, 200, 200)),
    ("campaigns create", "post", lambda: "/api/v1/campaigns/", lambda: {"name": "X", "template_a": "Hi"}, (401, 403, 403, 201)),
    ("campaign change", "patch", _campaign, lambda: {"daily_limit": 10}, (401, 403, 403, 200)),
    ("campaign start", "post", lambda: _campaign() + "start/", None, (401, 403, 403, 200)),
    ("campaign pause", "post", lambda: _campaign() + "pause/", None, (401, 403, 403, 409)),
    ("campaign cancel", "post", lambda: _campaign() + "cancel/", None, (401, 403, 403, 200)),
    ("campaign delete", "delete", _campaign, None, (401, 403, 403, 204)),
    (
        "memberships list", "get",
        lambda: f"/api/v1/campaigns/{CampaignMembershipFactory().campaign_id}/memberships/", None, (401, 403, 200, 200),
    ),
    (
        "enroll", "post", lambda: f"/api/v1/campaigns/{CampaignFactory().pk}/memberships/",
        lambda: {"contact_ids": [ContactFactory().pk]}, (401, 403, 200, 200),
    ),
    ("campaign metrics", "get", lambda: _campaign() + "metrics/", None, (401, 403, 200, 200)),
    ("activities list", "get", lambda: "/api/v1/activities/", None, (401, 403, 200, 200)),
    ("activity read", "get", lambda: f"/api/v1/activities/{ActivityFactory().pk}/", None, (401, 403, 200, 200)),
    (
        "note create", "post", lambda: "/api/v1/activities/",
        lambda: {"contact": ContactFactory().pk, "body": "Called back"}, (401, 403, 201, 201),
    ),
    ("conversations list", "get", lambda: "/api/v1/conversations/", None, (401, 403, 200, 200)),
    ("conversation read", "get", lambda: f"/api/v1/conversations/{ConversationFactory().pk}/", None, (401, 403, 200, 200)),
]
ROLES = ["anonymous", "nobody", "office", "manager"]


@pytest.mark.parametrize(
    ("name", "method", "make_url", "make_payload", "role", "expected"),
    [
        pytest.param(name, method, url, payload, role, statuses[i], id=f"{name}-{role}")
        for name, method, url, payload, statuses in MATRIX
        for i, role in enumerate(ROLES)
    ],
)
def test_permission_matrix(request, name, method, make_url, make_payload, role, expected):
    client = request.getfixturevalue(f"{role}_client")
    url = make_url()
    kwargs = {"format": "json"}
    if make_payload is not None:
        kwargs["data"] = make_payload()
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == expected, (name, role, response.content[:300])
    if expected == 401:
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["detail"] == "Authentication credentials were not provided."


def test_an_invalid_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/v1/contacts/")
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."


def test_session_login_works_like_a_token(office_staff):
    client = APIClient()
    client.force_login(office_staff)
    assert client.get("/api/v1/contacts/").status_code == 200


def test_a_superuser_token_may_do_everything(db):
    from tests.factories import UserFactory

    admin = UserFactory(username="boss", is_superuser=True)
    assert token_client(admin).delete(_campaign()).status_code == 204


def test_drf_create_token_command_makes_a_working_token(office_staff):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("drf_create_token", office_staff.username, stdout=out)
    key = Token.objects.get(user=office_staff).key
    assert key in out.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/contacts/").status_code == 200


def test_tokens_are_managed_in_the_admin(db):
    from django.contrib import admin
    from rest_framework.authtoken.models import TokenProxy

    assert admin.site.is_registered(TokenProxy)
