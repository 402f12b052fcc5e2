"""The OpenAPI document is valid, the docs are served without a CDN, and generated requests never get a 5xx."""
from __future__ import annotations

import json

import hypothesis
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CampaignMembershipFactory,
    ContactFactory,
    ConversationFactory,
    PropertyContactFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Generated requests per operation and mode: enough to reach every parameter and body field,
# bounded so the whole run stays well under a minute on CI.
EXAMPLES_PER_OPERATION = 8
# No 5xx, and every answer is one the schema documents, in the shape and content type it documents.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_schema_generation_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/contacts/" in schema["paths"]
    assert "/api/v1/campaigns/{id}/start/" in schema["paths"]
    assert not [path for path in schema["paths"] if not path.startswith("/api/v1/")]
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_schema_and_docs_are_served_from_our_own_static_files(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "Attack-a-Crack CRM API"
    for url in ("/api/docs/", "/api/redoc/"):
        page = client.get(url).content.decode()
        assert "/static/drf_spectacular_sidecar/" in page
        assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")


@pytest.fixture
def in_process_app():
    """Django's WSGI app called in this thread, inside the test's transaction.

    Like Django's test client, it must not close the connection at the end of each request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_generated_requests_never_get_a_server_error(in_process_app):
    admin = UserFactory(username="fuzzer", is_superuser=True)
    token = Token.objects.create(user=admin).key
    for _ in range(3):
        link = PropertyContactFactory()
        membership = CampaignMembershipFactory(campaign=CampaignFactory(), contact=link.contact)
        membership.activity = ActivityFactory(contact=link.contact)
        membership.save()
        ConversationFactory(contact=link.contact)
    ContactFactory.create_batch(3)

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis.settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,  # the same requests on every run
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                # Each request in a savepoint: a database error (the bug we look for) is reported
                # for its own request instead of breaking the test transaction for all that follow.
                savepoint = transaction.savepoint()
                response = case.call(headers={"Authorization": f"Token {token}"})
                if response.status_code >= 500:
                    transaction.savepoint_rollback(savepoint)
                else:
                    transaction.savepoint_commit(savepoint)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except BaseException as exc:  # schemathesis raises a BaseExceptionGroup; collect them all
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert operations >= 30
    assert not failures, "\n\n".join(failures)
