"""The campaign admin: form checks, previews, results, lifecycle buttons, enrollment pages and actions."""
import datetime

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse

from campaigns.admin_actions import add_property_owners_to_campaign
from campaigns.models import Campaign, CampaignMembership, CampaignStatus, MembershipStatus, Variant
from contacts.roles import MANAGER, OFFICE_STAFF
from properties.models import Property
from tests.factories import (
    CampaignFactory,
    CampaignMembershipFactory,
    ContactFactory,
    PropertyContactFactory,
    PropertyFactory,
    TagFactory,
    group_member,
)

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 10, 16, 0, tzinfo=datetime.UTC)


@pytest.fixture
def manager(db):
    return group_member(MANAGER, "maria.manager")


@pytest.fixture
def manager_client(client, manager):
    """A member of the real Manager group: managers create and run campaigns."""
    client.force_login(manager)
    return client


@pytest.fixture
def office_client(client, db):
    """A member of the real Office staff group: reads campaigns, enrolls homeowners, runs nothing."""
    client.force_login(group_member(OFFICE_STAFF, "oscar.office"))
    return client


def campaign_form(**overrides):
    data = {
        "name": "Spring check", "template_a": "Hi {first_name|there}, free crack check?", "template_b": "",
        "ab_split": 50, "daily_limit": 125, "send_window_start": "10:00", "send_window_end": "18:00",
        "phone_number_id": "PNtoDbDhuz", "starts_on": "", "max_opt_out_percent": "5", "max_failure_percent": "10",
        "guardrail_min_sends": 20,
    }
    data.update(overrides)
    return data


def test_add_form_refuses_unknown_merge_fields(manager_client):
    response = manager_client.post(
        reverse("admin:campaigns_campaign_add"), campaign_form(template_a="Hi {firstname}, crack check?")
    )
    assert response.status_code == 200
    assert "Unknown merge field “{firstname}” at character 4" in response.content.decode()
    assert Campaign.objects.count() == 0


def test_add_form_creates_a_draft_owned_by_the_user_on_the_default_line(manager_client, manager):
    page = manager_client.get(reverse("admin:campaigns_campaign_add")).content.decode()
    assert 'value="PNtoDbDhuz"' in page and "campaigns/template_counter.js" in page and "data-sms-counter" in page
    response = manager_client.post(reverse("admin:campaigns_campaign_add"), campaign_form())
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.created_by, campaign.phone_number_id) == ("draft", manager, "PNtoDbDhuz")


def test_ab_split_cannot_change_once_members_are_split(manager_client):
    campaign = CampaignFactory(template_b="B {first_name}", ab_split=50)
    CampaignMembershipFactory(campaign=campaign)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    response = manager_client.post(url, campaign_form(name=campaign.name, template_a=campaign.template_a,
                                                     template_b="B {first_name}", ab_split=30))
    assert "cannot change now" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.ab_split == 50


def test_change_page_shows_preview_results_and_buttons(manager_client):
    campaign = CampaignFactory(template_a="Hi {first_name|there} in {city}", template_b="Hello {first_name|there}é")
    CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(first_name="Jane"), variant=Variant.B,
                              status=MembershipStatus.REPLIED, sent_at=NOON, replied_at=NOON)
    CampaignMembershipFactory(campaign=campaign, variant=Variant.A, status=MembershipStatus.DELIVERED, sent_at=NOON)
    page = manager_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "Hi Jane in Boston" in page and "Hello Janeé" in page
    assert "17 characters, 1 segment (GSM-7)" in page
    assert "Variant A" in page and "Variant B" in page and "100.0%" in page  # B: 1 reply of 1 sent
    assert "B is ahead so far: 100.0 % replied against 0.0 %, but that could still be chance." in page
    assert "<summary>The numbers</summary>" in page and "z = 1.41, p = 0.1573" in page
    assert reverse("admin:campaigns_campaign_transition", args=[campaign.pk, "start"]) in page
    assert reverse("admin:campaigns_campaign_transition", args=[campaign.pk, "resume"]) not in page


def test_lifecycle_buttons_go_through_the_services(manager_client):
    campaign = CampaignFactory()
    start = reverse("admin:campaigns_campaign_transition", args=[campaign.pk, "start"])
    assert manager_client.get(start).status_code == 405
    response = manager_client.post(start, follow=True)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert "Start: 1 campaign updated." in response.content.decode()
    response = manager_client.post(start, follow=True)  # running cannot be started again
    assert "it cannot be made running" in response.content.decode()
    manager_client.post(reverse("admin:campaigns_campaign_transition", args=[campaign.pk, "pause"]))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED


def test_changelist_action_cancels_through_the_service(manager_client):
    running, done = CampaignFactory(status=CampaignStatus.RUNNING), CampaignFactory(status=CampaignStatus.COMPLETED)
    response = manager_client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "cancel_campaigns", "_selected_action": [running.pk, done.pk], "confirmed": "yes"}, follow=True,
    )
    running.refresh_from_db()
    done.refresh_from_db()
    assert (running.status, done.status) == (CampaignStatus.CANCELLED, CampaignStatus.COMPLETED)
    assert "it cannot be made cancelled" in response.content.decode()


def test_enroll_by_tag_page(manager_client):
    campaign = CampaignFactory()
    tag = TagFactory(name="Pittsfield list")
    for contact in ContactFactory.create_batch(2):
        contact.tags.add(tag)
    url = reverse("admin:campaigns_campaign_enroll_tag", args=[campaign.pk])
    assert "Pittsfield list" in manager_client.get(url).content.decode()
    response = manager_client.post(url, {"tag": tag.pk}, follow=True)
    assert f"Added 2 homeowners to “{campaign.name}”." in response.content.decode()
    assert campaign.memberships.count() == 2


def test_add_to_campaign_action_on_the_contact_changelist(manager_client):
    campaign = CampaignFactory(name="Fall follow-up")
    CampaignFactory(name="Old one", status=CampaignStatus.COMPLETED)
    ok = ContactFactory()
    opted = ContactFactory(opted_out=True, opted_out_at=NOON)
    url = reverse("admin:contacts_contact_changelist")
    selection = {"action": "add_contacts_to_campaign", "_selected_action": [ok.pk, opted.pk]}

    page = manager_client.post(url, selection)
    content = page.content.decode()
    assert page.status_code == 200 and "Enroll 2 selected contacts in:" in content
    assert "Fall follow-up" in content and "Old one" not in content

    response = manager_client.post(url, {**selection, "apply": "1", "campaign": campaign.pk}, follow=True)
    assert "Added 1 homeowner to “Fall follow-up”; skipped 1 (1 opted out)." in response.content.decode()
    assert list(campaign.memberships.values_list("contact_id", flat=True)) == [ok.pk]


def test_add_owners_to_campaign_action_for_properties():
    campaign = CampaignFactory()
    house = PropertyFactory()
    owners = [PropertyContactFactory(property=house).contact for _ in range(2)]
    PropertyContactFactory()  # another house, not selected
    request = RequestFactory().post("/", {"apply": "1", "campaign": campaign.pk})
    request.user = group_member(MANAGER, "maria.manager")
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin = admin.ModelAdmin(Property, admin.site)

    assert add_property_owners_to_campaign(model_admin, request, Property.objects.filter(pk=house.pk)) is None

    assert set(campaign.memberships.values_list("contact_id", flat=True)) == {c.pk for c in owners}
    assert [str(m) for m in get_messages(request)] == [f"Added 2 homeowners to “{campaign.name}”."]


def test_add_to_campaign_page_for_properties_lists_how_many_people():
    CampaignFactory(name="Fall follow-up")
    house = PropertyFactory()
    PropertyContactFactory(property=house)
    request = RequestFactory().post("/", {"action": "add_property_owners_to_campaign", "_selected_action": [house.pk]})
    request.user = group_member(MANAGER, "maria.manager")
    response = add_property_owners_to_campaign(admin.ModelAdmin(Property, admin.site), request, Property.objects.all())
    content = response.render().content.decode()
    assert "Enroll the 1 people linked to 1 selected property in:" in content
    assert f'name="_selected_action" value="{house.pk}"' in content


def test_membership_changelist_filters_and_search(manager_client):
    campaign = CampaignFactory()
    jane = CampaignMembershipFactory(campaign=campaign, contact=ContactFactory(first_name="Jane", last_name="Quill"),
                                     status=MembershipStatus.SENT, sent_at=NOON)
    CampaignMembershipFactory(campaign=campaign, status=MembershipStatus.PENDING)
    url = reverse("admin:campaigns_campaignmembership_changelist")
    content = manager_client.get(url, {"status__exact": "sent"}).content.decode()
    assert "Jane Quill" in content and content.count('class="field-contact_link"') == 1
    content = manager_client.get(url, {"q": "Quill"}).content.decode()
    assert content.count('class="field-contact_link"') == 1
    change = manager_client.get(reverse("admin:campaigns_campaignmembership_change", args=[jane.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert CampaignMembership.objects.count() == 2


def test_cancel_asks_first_and_says_what_cannot_be_undone(manager_client):
    admin_client = manager_client
    campaign = CampaignFactory(name="Fall follow-up", status=CampaignStatus.RUNNING)
    CampaignMembershipFactory.create_batch(3, campaign=campaign, status=MembershipStatus.PENDING)
    cancel = reverse("admin:campaigns_campaign_transition", args=[campaign.pk, "cancel"])
    change_page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert f'href="{cancel}"' in change_page  # a link to the question, not a one-click form

    for ask in (admin_client.get(cancel), admin_client.post(cancel)):  # without the answer, only the question
        page = ask.content.decode()
        assert ask.status_code == 200 and "Cancel this campaign?" in page
        assert "This cannot be undone." in page and "The 3 members still waiting for its text will not be texted." in page
        assert "use <em>Pause</em>" in page
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING

    admin_client.post(cancel, {"confirmed": "yes"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED


def test_cancel_action_on_the_list_asks_first(manager_client):
    admin_client = manager_client
    first, second = CampaignFactory(status=CampaignStatus.RUNNING), CampaignFactory(status=CampaignStatus.PAUSED)
    ask = admin_client.post(reverse("admin:campaigns_campaign_changelist"),
                            {"action": "cancel_campaigns", "_selected_action": [first.pk, second.pk]})
    page = ask.content.decode()
    assert "Cancel these 2 campaigns?" in page and "This cannot be undone." in page
    assert page.count('name="_selected_action"') == 2 and 'name="confirmed" value="yes"' in page
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (CampaignStatus.RUNNING, CampaignStatus.PAUSED)


def test_office_staff_read_campaigns_and_enroll_but_cannot_create_change_or_run_them(office_client):
    campaign = CampaignFactory(name="Fall follow-up")
    member = CampaignMembershipFactory(campaign=campaign)
    change_url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = office_client.get(change_url).content.decode()
    assert "Fall follow-up" in page and 'name="_save"' not in page  # read-only
    assert "campaign-button-start" not in page
    assert office_client.get(reverse("admin:campaigns_campaign_add")).status_code == 403
    response = office_client.post(change_url, campaign_form(name="Renamed"))
    assert response.status_code == 403
    start = reverse("admin:campaigns_campaign_transition", args=[campaign.pk, "start"])
    assert office_client.post(start).status_code == 403
    response = office_client.post(reverse("admin:campaigns_campaign_changelist"),
                                  {"action": "start_campaigns", "_selected_action": [campaign.pk]})
    assert response.status_code in (200, 302)
    campaign.refresh_from_db()
    assert (campaign.name, campaign.status) == ("Fall follow-up", CampaignStatus.DRAFT)
    delete = reverse("admin:campaigns_campaign_delete", args=[campaign.pk])
    assert office_client.post(delete, {"post": "yes"}).status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    # They may enroll homeowners (by tag), and see who is enrolled.
    tag = TagFactory(name="Pittsfield list")
    ContactFactory().tags.add(tag)
    enroll = reverse("admin:campaigns_campaign_enroll_tag", args=[campaign.pk])
    response = office_client.post(enroll, {"tag": tag.pk}, follow=True)
    assert "Added 1 homeowner" in response.content.decode()
    members = office_client.get(reverse("admin:campaigns_campaignmembership_changelist")).content.decode()
    assert str(member.contact) in members
