"""/api/v1/contacts: the admin's rules (phone normalization and uniqueness, opt-out) through the API."""
import datetime

import pytest
import time_machine
from django.utils import timezone

from contacts.models import Contact, ContactPhone, LeadStatus, OptOutEvent
from contacts.services import contact_opt_out
from tests.factories import ContactFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts/"


def detail(contact) -> str:
    return f"{URL}{contact.pk}/"


# --- Writes and their validation ---------------------------------------------------------------


def test_create_normalizes_the_phone_and_records_the_api_as_source(office_client):
    response = office_client.post(
        URL, {"first_name": "Jane", "last_name": "Doe", "phone": "(617) 555-0123", "tags": ["Pittsfield list"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone"] == "+16175550123"
    assert body["phone_display"] == "(617) 555-0123"
    assert body["source"] == "api"
    assert body["tags"] == ["Pittsfield list"]
    contact = Contact.objects.get(pk=body["id"])
    assert contact.phone == "+16175550123"
    assert list(contact.phones.values_list("phone", flat=True)) == ["+16175550123"]


def test_bad_phone_is_a_400_naming_the_field(office_client):
    response = office_client.post(URL, {"first_name": "X", "phone": "555-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["phone"][0].startswith("“555-01” is not a valid phone number")
    assert Contact.objects.count() == 0


def test_duplicate_phone_is_a_400_in_plain_text_naming_the_existing_contact(office_client):
    existing = ContactFactory(first_name="Jane", last_name="Doe", phone="+16175550123")
    response = office_client.post(URL, {"first_name": "John", "phone": "617.555.0123"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["phone"] == [f"This phone number already belongs to Jane Doe (contact {existing.pk})."]
    assert "<a" not in str(body)
    assert body["existing_contact"]["id"] == existing.pk
    assert body["existing_contact"]["url"].endswith(f"/api/v1/contacts/{existing.pk}/")
    assert Contact.objects.count() == 1


def test_duplicate_of_a_further_number_is_refused_too(office_client):
    owner = ContactFactory(phone="+16175550100")
    ContactPhone.objects.create(contact=owner, phone="+16175550123", label="work")
    response = office_client.post(URL, {"first_name": "John", "phone": "6175550123"}, format="json")
    assert response.status_code == 400
    assert response.json()["existing_contact"]["id"] == owner.pk


def test_patch_to_someone_elses_phone_is_refused(office_client):
    ContactFactory(first_name="Jane", last_name="Doe", phone="+16175550123")
    other = ContactFactory(phone="+16175550199")
    response = office_client.patch(detail(other), {"phone": "(617) 555-0123"}, format="json")
    assert response.status_code == 400
    assert response.json()["phone"][0].startswith("This phone number already belongs to Jane Doe")
    other.refresh_from_db()
    assert other.phone == "+16175550199"


def test_patch_phone_normalizes_and_keeps_the_previous_number(office_client):
    contact = ContactFactory(phone="+16175550199")
    ContactPhone.objects.create(contact=contact, phone="+16175550199", label="main")
    response = office_client.patch(detail(contact), {"phone": "617 555 0123", "lead_status": "interested"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "+16175550123"
    assert response.json()["other_phones"] == ["+16175550199"]
    contact.refresh_from_db()
    assert contact.phone == "+16175550123" and contact.lead_status == LeadStatus.INTERESTED
    assert dict(contact.phones.values_list("phone", "label")) == {"+16175550199": "previous", "+16175550123": "main"}


def test_invalid_email_and_lead_status_are_field_errors(office_client):
    response = office_client.post(URL, {"email": "not-an-email", "lead_status": "bogus"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "lead_status"}


def test_patch_cannot_clear_an_opt_out(office_client):
    contact = ContactFactory()
    contact_opt_out(contact=contact, reason="Replied STOP", source="inbound_message")
    response = office_client.patch(detail(contact), {"opted_out": False, "first_name": "Jo"}, format="json")
    assert response.status_code == 400
    assert "opt-in" in response.json()["opted_out"][0]
    contact.refresh_from_db()
    assert contact.opted_out and contact.first_name != "Jo"


def test_opt_out_and_opt_in_actions_go_through_the_audited_services(office_client, office_staff):
    contact = ContactFactory()
    response = office_client.post(f"{detail(contact)}opt-out/", {"reason": "Asked on the phone"}, format="json")
    assert response.status_code == 200
    assert response.json()["opted_out"] is True
    assert response.json()["opted_out_reason"] == "Asked on the phone"

    refused = office_client.post(f"{detail(contact)}opt-in/", {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    contact.refresh_from_db()
    assert contact.opted_out

    response = office_client.post(f"{detail(contact)}opt-in/", {"reason": "Texted START"}, format="json")
    assert response.status_code == 200 and response.json()["opted_out"] is False
    events = list(OptOutEvent.objects.filter(contact=contact).order_by("id").values_list("opted_out", "source", "by_user"))
    assert events == [(True, "api", office_staff.pk), (False, "api", office_staff.pk)]


def test_manager_deletes_a_contact(manager_client):
    contact = ContactFactory()
    assert manager_client.delete(detail(contact)).status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


# --- Search and filters -------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["(617) 555-0123", "617-555-0123", "+1 617 555 0123", "6175550123", "+16175550123"])
def test_search_finds_a_phone_typed_in_any_format(office_client, typed):
    jane = ContactFactory(first_name="Jane", phone="+16175550123")
    ContactFactory(phone="+16175550124")
    response = office_client.get(URL, {"search": typed})
    assert [c["id"] for c in response.json()["results"]] == [jane.pk]


def test_search_finds_a_further_number(office_client):
    jane = ContactFactory(phone="+16175550100")
    ContactPhone.objects.create(contact=jane, phone="+16175550123", label="work")
    ContactPhone.objects.create(contact=jane, phone="+16175550100", label="main")
    response = office_client.get(URL, {"search": "(617) 555-0123"})
    assert [c["id"] for c in response.json()["results"]] == [jane.pk]


def test_search_by_name_email_and_part_of_a_number(office_client):
    jane = ContactFactory(first_name="Jane", last_name="Doe", email="jane@example.com", phone="+16175550123")
    ContactFactory(first_name="Jane", last_name="Smith", email="js@example.com", phone="+16175550777")
    ContactFactory(first_name="Bob", last_name="Doe", email="bob@example.com", phone="+16175550888")

    def ids(term):
        return [c["id"] for c in office_client.get(URL, {"search": term}).json()["results"]]

    assert ids("jane doe") == [jane.pk]
    assert ids("JANE@example") == [jane.pk]
    assert ids("555-0123") == [jane.pk]


def test_filters_by_tag_lead_status_and_opt_out(office_client):
    tagged = ContactFactory(lead_status=LeadStatus.INTERESTED)
    tagged.tags.add(TagFactory(name="Pittsfield list"))
    opted = ContactFactory()
    contact_opt_out(contact=opted, reason="STOP", source="inbound_message")
    ContactFactory()

    def ids(**params):
        return sorted(c["id"] for c in office_client.get(URL, params).json()["results"])

    assert ids(tag="pittsfield list") == [tagged.pk]
    assert ids(lead_status="interested") == [tagged.pk]
    assert ids(opted_out="true") == [opted.pk]
    assert len(ids(opted_out="false")) == 2


def test_unknown_filter_value_is_a_400(office_client):
    response = office_client.get(URL, {"lead_status": "bogus"})
    assert response.status_code == 400
    assert "lead_status" in response.json()


def test_updated_since_returns_only_changes_for_incremental_sync(office_client):
    base = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(base, tick=False):
        old = ContactFactory()
    with time_machine.travel(base + datetime.timedelta(days=2), tick=False):
        new = ContactFactory()
    response = office_client.get(URL, {"updated_since": (base + datetime.timedelta(days=1)).isoformat()})
    assert [c["id"] for c in response.json()["results"]] == [new.pk]
    everything = office_client.get(URL, {"updated_since": base.isoformat()})
    assert sorted(c["id"] for c in everything.json()["results"]) == sorted([old.pk, new.pk])


def test_a_tag_added_in_the_admin_shows_up_in_an_incremental_sync(office_client):
    from contacts.services import contacts_add_tag

    base = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
    with time_machine.travel(base, tick=False):
        contact = ContactFactory()
    with time_machine.travel(base + datetime.timedelta(hours=1), tick=False):
        contacts_add_tag(contact_ids=[contact.pk], tag_name="Called back")
    response = office_client.get(URL, {"updated_since": (base + datetime.timedelta(minutes=30)).isoformat()})
    assert [(c["id"], c["tags"]) for c in response.json()["results"]] == [(contact.pk, ["Called back"])]


def test_updated_since_accepts_any_iso_offset_and_refuses_times_out_of_range(office_client):
    contact = ContactFactory()
    # PostgreSQL refuses offsets beyond ±15:59 itself; the API hands it UTC.
    response = office_client.get(URL, {"updated_since": "2000-01-01T00:00:00+17:11"})
    assert response.status_code == 200 and [c["id"] for c in response.json()["results"]] == [contact.pk]
    out_of_range = office_client.get(URL, {"updated_since": "0001-01-01T00:00:00+17:11"})
    assert out_of_range.status_code == 400 and "updated_since" in out_of_range.json()


def test_updated_since_rejects_a_non_date(office_client):
    response = office_client.get(URL, {"updated_since": "yesterday"})
    assert response.status_code == 400 and "updated_since" in response.json()


# --- Pagination and conditional requests ----------------------------------------------------------


def test_page_number_pagination_with_page_size_capped_at_100(office_client):
    ContactFactory.create_batch(105)
    first = office_client.get(URL, {"page_size": 10}).json()
    assert first["count"] == 105 and len(first["results"]) == 10 and "page=2" in first["next"]
    third = office_client.get(URL, {"page_size": 10, "page": 3}).json()
    assert len(third["results"]) == 10
    assert {c["id"] for c in first["results"]}.isdisjoint({c["id"] for c in third["results"]})
    assert len(office_client.get(URL, {"page_size": 500}).json()["results"]) == 100
    assert len(office_client.get(URL).json()["results"]) == 25
    assert office_client.get(URL, {"page": 99}).status_code == 404


def test_etag_lets_a_client_skip_an_unchanged_contact_and_refuses_a_stale_write(office_client):
    contact = ContactFactory()
    first = office_client.get(detail(contact))
    etag = first["ETag"]
    assert etag and first["Last-Modified"]
    assert office_client.get(detail(contact), HTTP_IF_NONE_MATCH=etag).status_code == 304

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        changed = office_client.patch(detail(contact), {"first_name": "Jo"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert office_client.get(detail(contact), HTTP_IF_NONE_MATCH=etag).status_code == 200

    stale = office_client.patch(detail(contact), {"first_name": "Al"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    contact.refresh_from_db()
    assert contact.first_name == "Jo"
