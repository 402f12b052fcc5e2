"""/api/v1/campaigns: the same lifecycle as the admin, refused transitions answered with 409."""
import pytest

from campaigns.models import Campaign, CampaignStatus
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/"


def test_create_defaults_to_the_company_line_and_records_who(manager_client, manager, settings):
    response = manager_client.post(URL, {"name": "Spring", "template_a": "Hi {first_name|there}"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone_number_id"] == settings.OPENPHONE_PHONE_NUMBER_ID == "PNtoDbDhuz"
    assert body["status"] == "draft" and body["created_by"] == manager.pk
    assert body["daily_limit"] == 125


def test_create_validation_errors_are_per_field(manager_client):
    CampaignFactory(name="Spring")
    response = manager_client.post(
        URL,
        {"name": "Spring", "template_a": "Hi", "ab_split": 150, "send_window_start": "18:00", "send_window_end": "10:00"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"ab_split"}
    fixed = manager_client.post(
        URL, {"name": "Spring", "template_a": "Hi", "send_window_start": "18:00", "send_window_end": "10:00"},
        format="json",
    )
    assert fixed.status_code == 400
    assert fixed.json()["send_window_end"] == ["The send window must end after it starts."]
    duplicate = manager_client.post(URL, {"name": "Spring", "template_a": "Hi"}, format="json")
    assert duplicate.status_code == 400 and "already has this name" in duplicate.json()["name"][0]


def test_status_is_not_writable_by_patch(manager_client):
    campaign = CampaignFactory()
    response = manager_client.patch(f"{URL}{campaign.pk}/", {"status": "running", "daily_limit": 50}, format="json")
    assert response.status_code == 200
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and campaign.daily_limit == 50


def test_start_pause_resume_cancel_through_the_services(manager_client):
    campaign = CampaignFactory()
    for action, status in [("start", "running"), ("pause", "paused"), ("resume", "running"), ("cancel", "cancelled")]:
        response = manager_client.post(f"{URL}{campaign.pk}/{action}/")
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == status
        campaign.refresh_from_db()
        assert campaign.status == status


@pytest.mark.parametrize(
    ("status", "action"),
    [("draft", "resume"), ("draft", "pause"), ("running", "start"), ("cancelled", "resume"), ("completed", "cancel")],
)
def test_invalid_transition_is_a_409_with_the_reason(manager_client, status, action):
    campaign = CampaignFactory(status=status, name="Spring")
    response = manager_client.post(f"{URL}{campaign.pk}/{action}/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert body["detail"].startswith("Campaign “Spring” is ")
    campaign.refresh_from_db()
    assert campaign.status == status


def test_a_finished_campaign_cannot_be_edited(manager_client):
    campaign = CampaignFactory(status=CampaignStatus.COMPLETED)
    response = manager_client.patch(f"{URL}{campaign.pk}/", {"daily_limit": 10}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "campaign_closed"


def test_only_drafts_are_deleted(manager_client):
    draft, running = CampaignFactory(), CampaignFactory(status=CampaignStatus.RUNNING)
    assert manager_client.delete(f"{URL}{draft.pk}/").status_code == 204
    refused = manager_client.delete(f"{URL}{running.pk}/")
    assert refused.status_code == 409 and refused.json()["code"] == "campaign_not_draft"
    assert list(Campaign.objects.values_list("pk", flat=True)) == [running.pk]


def test_memberships_list_per_campaign_with_filters(office_client):
    campaign, other = CampaignFactory(), CampaignFactory()
    sent = CampaignMembershipFactory(campaign=campaign, status="sent")
    pending = CampaignMembershipFactory(campaign=campaign)
    CampaignMembershipFactory(campaign=other)
    url = f"{URL}{campaign.pk}/memberships/"
    body = office_client.get(url).json()
    assert [m["id"] for m in body["results"]] == [sent.pk, pending.pk]
    assert body["results"][0]["contact_name"] == sent.contact.full_name
    assert [m["id"] for m in office_client.get(url, {"status": "pending"}).json()["results"]] == [pending.pk]
    assert office_client.get(f"{URL}999999/memberships/").status_code == 404
    assert office_client.get(f"{URL}{other.pk}/memberships/{sent.pk}/").status_code == 404


# --- Enrollment and metrics (campaigns.services / campaigns.selectors) -----------------------------


def test_enroll_by_ids_skips_and_counts_like_the_admin(office_client):
    from contacts.services import contact_opt_out

    campaign = CampaignFactory(name="Spring")
    jane, bob, opted = ContactFactory(), ContactFactory(), ContactFactory()
    contact_opt_out(contact=opted, reason="STOP", source="inbound_message")
    url = f"{URL}{campaign.pk}/memberships/"
    response = office_client.post(url, {"contact_ids": [jane.pk, bob.pk, opted.pk, 999999]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["added"] == 2
    assert body["skipped"] == {"opted_out": 1, "not_found": 1}
    assert body["summary"].startswith("Added 2 homeowners to “Spring”; skipped 2")
    assert sorted(m["contact"] for m in office_client.get(url).json()["results"]) == sorted([jane.pk, bob.pk])

    again = office_client.post(url, {"contact_ids": [jane.pk]}, format="json").json()
    assert again["added"] == 0 and again["skipped"] == {"already_enrolled": 1}


def test_enroll_by_tag(office_client):
    campaign = CampaignFactory()
    tagged = ContactFactory.create_batch(3)
    tag = TagFactory(name="Pittsfield list")
    for contact in tagged:
        contact.tags.add(tag)
    ContactFactory()
    response = office_client.post(f"{URL}{campaign.pk}/memberships/", {"tag": "Pittsfield list"}, format="json")
    assert response.status_code == 200 and response.json()["added"] == 3
    assert set(campaign.memberships.values_list("contact_id", flat=True)) == {c.pk for c in tagged}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tag": "No such tag"}, "tag"),
        ({}, "non_field_errors"),
        ({"tag": "Pittsfield list", "contact_ids": [1]}, "non_field_errors"),
        ({"contact_ids": []}, "contact_ids"),
        ({"contact_ids": ["abc"]}, "contact_ids"),
        ({"contact_ids": [2**70]}, "contact_ids"),
    ],
)
def test_enroll_input_errors(office_client, payload, field):
    TagFactory(name="Pittsfield list")
    campaign = CampaignFactory()
    response = office_client.post(f"{URL}{campaign.pk}/memberships/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not campaign.memberships.exists()


def test_a_finished_campaign_takes_no_members(office_client):
    campaign = CampaignFactory(status=CampaignStatus.COMPLETED)
    response = office_client.post(f"{URL}{campaign.pk}/memberships/", {"contact_ids": [ContactFactory().pk]}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "campaign_closed"
    assert not campaign.memberships.exists()


def test_metrics_per_variant_with_the_ab_test(office_client):
    from django.utils import timezone

    campaign = CampaignFactory(template_b="Hello {first_name|there}!")
    now = timezone.now()
    for i in range(10):
        CampaignMembershipFactory(campaign=campaign, variant="A", status="sent", sent_at=now,
                                  replied_at=now if i < 1 else None)
        CampaignMembershipFactory(campaign=campaign, variant="B", status="delivered", sent_at=now,
                                  replied_at=now if i < 6 else None)
    CampaignMembershipFactory(campaign=campaign, variant="A")
    body = office_client.get(f"{URL}{campaign.pk}/metrics/").json()
    assert body["campaign_id"] == campaign.pk
    assert body["overall"]["enrolled"] == 21 and body["overall"]["sent"] == 20 and body["overall"]["replied"] == 7
    assert body["variants"]["A"]["response_rate"] == pytest.approx(0.1)
    assert body["variants"]["B"]["response_rate"] == pytest.approx(0.6)
    assert body["variants"]["B"]["delivered"] == 10
    assert body["ab_test"]["leader"] == "B" and body["ab_test"]["significant"] is True
    listed = office_client.get(f"{URL}{campaign.pk}/").json()
    assert (listed["enrolled_count"], listed["sent_count"], listed["replied_count"]) == (21, 20, 7)


def test_metrics_of_an_empty_campaign(office_client):
    body = office_client.get(f"{URL}{CampaignFactory().pk}/metrics/").json()
    assert body["overall"]["sent"] == 0 and body["overall"]["response_rate"] is None
    assert body["variants"] == {} and body["ab_test"] is None
