"""/api/v1/activities (cursor pages, notes) and /api/v1/conversations (who waits for an answer)."""
import datetime

import pytest
from django.utils import timezone

from contacts.models import Activity
from tests.factories import ActivityFactory, ContactFactory, ConversationFactory

pytestmark = pytest.mark.django_db


def test_create_note_through_the_service(office_client, office_staff):
    contact = ContactFactory()
    response = office_client.post("/api/v1/activities/", {"contact": contact.pk, "body": "  Called, left voicemail  "}, format="json")
    assert response.status_code == 201, response.json()
    note = Activity.objects.get(pk=response.json()["id"])
    assert (note.kind, note.body, note.sent_by_id, note.contact_id) == ("note", "Called, left voicemail", office_staff.pk, contact.pk)


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"body": "   "}, "body"), ({"kind": "message", "body": "Hi"}, "kind"), ({"body": "x", "contact": 999999}, "contact")],
)
def test_only_notes_with_text_for_a_real_contact_are_created(office_client, payload, field):
    contact = ContactFactory()
    response = office_client.post("/api/v1/activities/", {"contact": contact.pk, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Activity.objects.exists()


def test_activities_filter_by_contact_kind_direction_and_date(office_client):
    jane, bob = ContactFactory(), ContactFactory()
    now = timezone.now()
    incoming = ActivityFactory(contact=jane, direction="incoming", occurred_at=now)
    ActivityFactory(contact=jane, direction="outgoing", occurred_at=now - datetime.timedelta(days=3))
    call = ActivityFactory(contact=bob, kind="call", direction="incoming", occurred_at=now)

    def ids(**params):
        response = office_client.get("/api/v1/activities/", params)
        assert response.status_code == 200, response.json()
        return [a["id"] for a in response.json()["results"]]

    assert ids(contact=jane.pk, direction="incoming") == [incoming.pk]
    assert ids(kind="call") == [call.pk]
    assert sorted(ids(date=timezone.localdate(now).isoformat())) == sorted([incoming.pk, call.pk])
    assert sorted(ids(occurred_after=(now - datetime.timedelta(days=1)).isoformat())) == sorted([incoming.pk, call.pk])


def test_activities_come_newest_first_in_cursor_pages(office_client):
    contact = ContactFactory()
    start = timezone.now()
    made = [ActivityFactory(contact=contact, occurred_at=start - datetime.timedelta(minutes=i)) for i in range(7)]
    seen, url = [], "/api/v1/activities/?page_size=3"
    while url:
        body = office_client.get(url).json()
        assert "count" not in body
        seen += [a["id"] for a in body["results"]]
        url = body["next"]
    assert seen == [a.pk for a in made]


def test_conversations_waiting_for_an_answer(office_client):
    waiting = ConversationFactory(waiting_for_reply=True)
    ConversationFactory(waiting_for_reply=False)
    body = office_client.get("/api/v1/conversations/", {"waiting_for_reply": "true"}).json()
    assert [c["id"] for c in body["results"]] == [waiting.pk]
    assert body["results"][0]["contact_name"] == waiting.contact.full_name
    assert body["results"][0]["contact_phone"] == waiting.contact.phone
