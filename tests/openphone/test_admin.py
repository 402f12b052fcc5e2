"""The WebhookEvent admin: read-only list with filters and search, readable payload, Reprocess action."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.roles import MANAGER, OFFICE_STAFF
from openphone.models import WebhookEvent, WebhookEventStatus
from openphone.services import webhook_event_process
from tests.factories import UserFactory, group_member

from .sender import load_event

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:openphone_webhookevent_changelist")


@pytest.fixture
def manager_client(client, db):
    """A member of the real Manager group: managers read webhook events and may reprocess them."""
    client.force_login(group_member(MANAGER, "maria.manager"))
    return client


def test_office_staff_cannot_see_webhook_events(client):
    event = WebhookEvent.objects.create(event_id="EVoffice", type="message.received", payload={})
    client.force_login(group_member(OFFICE_STAFF, "oscar.office"))
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(reverse("admin:openphone_webhookevent_change", args=[event.pk])).status_code == 403
    assert client.post(CHANGELIST, {"action": "reprocess", "_selected_action": [event.pk]}).status_code == 403


def _stored(name: str, **changes) -> WebhookEvent:
    payload = load_event(name, **changes)
    return WebhookEvent.objects.create(event_id=payload["id"], type=payload["type"], payload=payload)


def test_list_filters_by_status_and_type_and_searches_by_event_id(manager_client, fake_openphone):
    failed = _stored("call.completed.no-participants")
    webhook_event_process(event_pk=failed.pk)
    text = _stored("message.received")

    page = manager_client.get(CHANGELIST, {"status__exact": "failed"}).content.decode()
    assert failed.event_id in page and text.event_id not in page
    page = manager_client.get(CHANGELIST, {"type": "message.received"}).content.decode()
    assert text.event_id in page and failed.event_id not in page
    page = manager_client.get(CHANGELIST, {"q": text.event_id}).content.decode()
    assert text.event_id in page and failed.event_id not in page


def test_list_reads_no_whole_column_to_build_its_filters(manager_client):
    _stored("message.received")
    with CaptureQueriesContext(connection) as queries:
        page = manager_client.get(CHANGELIST).content.decode()
    assert "call.transcript.completed" in page  # offered without any stored
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_event_page_shows_payload_pretty_printed_and_the_error(manager_client, fake_openphone):
    event = _stored("call.completed.no-participants")
    webhook_event_process(event_pk=event.pk)
    page = manager_client.get(reverse("admin:openphone_webhookevent_change", args=[event.pk])).content.decode()
    assert "<pre" in page
    assert '\n  &quot;apiVersion&quot;: &quot;v4&quot;,' in page  # indented JSON, escaped
    assert "arrived without participants" in page
    assert 'name="_save"' not in page  # read-only


def test_events_cannot_be_added_edited_or_deleted(manager_client):
    event = _stored("message.received")
    assert manager_client.get(reverse("admin:openphone_webhookevent_add")).status_code == 403
    assert manager_client.post(reverse("admin:openphone_webhookevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert WebhookEvent.objects.filter(pk=event.pk).exists()


def test_reprocess_action_queues_the_events_through_the_task(manager_client, fake_openphone, django_capture_on_commit_callbacks):
    event = _stored("call.completed.no-participants")
    webhook_event_process(event_pk=event.pk)
    payload = event.payload
    payload["data"]["object"]["participants"] = ["+16175550123"]
    WebhookEvent.objects.filter(pk=event.pk).update(payload=payload)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = manager_client.post(CHANGELIST, {"action": "reprocess", "_selected_action": [event.pk]}, follow=True)
    assert "Queued 1 event(s) for processing again." in response.content.decode()
    assert len(queued) == 1
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (WebhookEventStatus.PROCESSED, 2, "")


def test_reprocess_needs_permission_to_change_events(client):
    viewer = UserFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    client.force_login(viewer)
    event = _stored("message.received")
    page = client.get(CHANGELIST).content.decode()
    assert event.event_id in page
    assert 'value="reprocess"' not in page
