"""Guardrails: a campaign pauses itself on a bad day's opt-outs or failed deliveries, says why on the
dashboard, the campaign page and the API, mails the managers, and only a person resumes it.
Numbers OpenPhone fails twice are not texted again until staff clear them."""
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from campaigns.models import Campaign, CampaignStatus, MembershipStatus, PauseReason
from campaigns.services import (
    campaign_dispatch,
    campaign_resume,
    membership_record_delivery,
    membership_record_reply,
)
from contacts.models import Activity, ActivityKind, ContactPhone, Direction
from contacts.roles import MANAGER, OFFICE_STAFF
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory, group_member

pytestmark = pytest.mark.django_db

EASTERN = ZoneInfo("America/New_York")
MORNING = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=EASTERN)  # a Tuesday
AFTERNOON = MORNING + datetime.timedelta(hours=5)


def sent_today(campaign, n):
    """`n` members texted this morning, each with the outgoing text on their timeline."""
    members = []
    for i in range(n):
        contact = ContactFactory(phone=f"+1617556{i:04d}")
        text = Activity.objects.create(
            contact=contact, kind=ActivityKind.MESSAGE, direction=Direction.OUTGOING, body="Crack check?",
            status="delivered", occurred_at=MORNING, openphone_id=f"ACout{campaign.pk}x{i}",
        )
        members.append(CampaignMembershipFactory(
            campaign=campaign, contact=contact, status=MembershipStatus.SENT, sent_at=MORNING, activity=text,
        ))
    return members


def reply(member, body, at=AFTERNOON):
    activity = Activity.objects.create(
        contact=member.contact, kind=ActivityKind.MESSAGE, direction=Direction.INCOMING, body=body, occurred_at=at,
    )
    return membership_record_reply(activity=activity)


def fail_delivery(member, at=AFTERNOON):
    Activity.objects.filter(pk=member.activity_id).update(status="failed")
    return membership_record_delivery(activity=Activity.objects.get(pk=member.activity_id))


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def manager(db):
    return group_member(MANAGER, "maria.manager", email="maria@attackacrack.example")


@pytest.fixture
def office_staff(db):
    return group_member(OFFICE_STAFF, "oscar.office", email="oscar@attackacrack.example")


# --- opt-outs ---------------------------------------------------------------------------------


@time_machine.travel(AFTERNOON, tick=False)
def test_six_percent_opt_outs_pause_the_campaign_and_every_screen_says_why(
    manager, office_staff, client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "g6"}}
    campaign = CampaignFactory(name="Worcester spring", status=CampaignStatus.RUNNING)
    members = sent_today(campaign, 50)
    for member in members[:2]:
        reply(member, "STOP")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING  # 2 of 50 = 4 %: under the 5 % limit
    with django_capture_on_commit_callbacks(execute=True):
        reply(members[2], "Stop texting me")  # 3 of 50 = 6 %
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign.paused_reason == PauseReason.OPT_OUT_RATE and campaign.paused_at == AFTERNOON
    assert campaign.paused_detail == "3 of the 50 texts sent on 2026-03-10 opted out (6.0%); the limit is 5 %."

    # The manager dashboard says it first.
    client.force_login(manager)
    page = client.get(reverse("dashboard:index")).content.decode()
    alert = page[page.index('data-section="guardrail-pauses"'):page.index('aria-label="Today"')]
    assert "Worcester spring" in alert and "Too many opt-outs" in alert and "6.0%" in alert
    # The campaign page too.
    page = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "This campaign stopped itself" in page and "Too many opt-outs" in page
    # And the API, to office staff (who may read campaigns) as to managers.
    body = token_client(office_staff).get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert body["status"] == "paused" and body["paused_reason"] == "opt_out_rate"
    assert "6.0%" in body["paused_detail"]
    # The managers are mailed; office staff are not.
    (mail,) = mailoutbox
    assert mail.to == ["maria@attackacrack.example"] and mail.subject == "Campaign paused: Worcester spring"
    assert "Too many opt-outs" in mail.body and "3 of the 50 texts" in mail.body


@time_machine.travel(AFTERNOON, tick=False)
def test_opt_outs_count_only_once_the_day_has_enough_texts():
    campaign = CampaignFactory(status=CampaignStatus.RUNNING)  # judged from 20 texts a day
    members = sent_today(campaign, 19)
    for member in members[:5]:
        reply(member, "STOP")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING and campaign.paused_reason == ""


@time_machine.travel(AFTERNOON, tick=False)
def test_each_campaign_sets_its_own_limit():
    strict = CampaignFactory(status=CampaignStatus.RUNNING, max_opt_out_percent=2, guardrail_min_sends=10)
    members = sent_today(strict, 40)
    reply(members[0], "STOP")  # 2.5 %
    strict.refresh_from_db()
    assert strict.paused_reason == PauseReason.OPT_OUT_RATE


@time_machine.travel(AFTERNOON, tick=False)
def test_yesterdays_texts_do_not_count_toward_todays_rate():
    campaign = CampaignFactory(status=CampaignStatus.RUNNING)
    members = sent_today(campaign, 40)
    yesterday = MORNING - datetime.timedelta(days=1)
    # 20 of them were texted yesterday: today's day has 20 texts, yesterday's 20.
    for member in members[:20]:
        type(member).objects.filter(pk=member.pk).update(sent_at=yesterday)
    reply(members[0], "STOP")  # yesterday's day: 1 of 20 = 5 %, not above
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    reply(members[20], "STOP")
    reply(members[21], "STOP")  # today's: 2 of 20 = 10 %
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED and "sent on 2026-03-10" in campaign.paused_detail


# --- failed deliveries ------------------------------------------------------------------------


@time_machine.travel(AFTERNOON, tick=False)
def test_failed_deliveries_above_ten_percent_pause_after_twenty_texts(
    manager, mailoutbox, django_capture_on_commit_callbacks
):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING)
    members = sent_today(campaign, 20)
    fail_delivery(members[0])
    fail_delivery(members[1])  # 2 of 20 = 10 %: not above
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    with django_capture_on_commit_callbacks(execute=True):
        fail_delivery(members[2])
    campaign.refresh_from_db()
    assert campaign.paused_reason == PauseReason.FAILURE_RATE
    assert "3 of the 20 texts sent on 2026-03-10 failed to be delivered (15.0%)" in campaign.paused_detail
    assert len(mailoutbox) == 1
    # A replayed webhook changes nothing and mails nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        fail_delivery(members[2])
    assert len(mailoutbox) == 1


# --- resuming is a person's choice ---------------------------------------------------------


@time_machine.travel(AFTERNOON, tick=False)
def test_resume_clears_the_reason_and_the_dispatcher_never_resumes_by_itself(outbox):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(8),
                               send_window_end=datetime.time(19))
    members = sent_today(campaign, 20)
    CampaignMembershipFactory(campaign=campaign)  # one still to text
    for member in members[:3]:
        fail_delivery(member)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    assert campaign_dispatch().sent == 0 and outbox == []
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED and campaign.paused_reason == PauseReason.FAILURE_RATE
    campaign_resume(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert (campaign.paused_reason, campaign.paused_detail, campaign.paused_at) == ("", "", None)


@time_machine.travel(AFTERNOON, tick=False)
def test_through_the_api_a_manager_may_resume_and_office_staff_may_not(manager, office_staff):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING)
    for member in sent_today(campaign, 20)[:3]:
        fail_delivery(member)
    url = f"/api/v1/campaigns/{campaign.pk}/resume/"
    assert token_client(office_staff).post(url).status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).paused_reason == PauseReason.FAILURE_RATE
    # Nobody may write the reason through the API.
    response = token_client(manager).patch(f"/api/v1/campaigns/{campaign.pk}/", {"paused_reason": ""}, format="json")
    assert response.status_code == 200
    assert Campaign.objects.get(pk=campaign.pk).paused_reason == PauseReason.FAILURE_RATE
    response = token_client(manager).post(url)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "running" and response.json()["paused_reason"] == ""


@time_machine.travel(AFTERNOON, tick=False)
def test_guardrail_settings_are_on_the_campaign_page_and_editable_by_managers_only(manager, office_staff, client):
    campaign = CampaignFactory(status=CampaignStatus.RUNNING)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    client.force_login(office_staff)
    page = client.get(url).content.decode()
    assert "Guardrails" in page and "Pause above opt-out rate (%)" in page
    assert 'name="max_opt_out_percent"' not in page  # office staff only read campaigns
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert 'name="max_opt_out_percent"' in page and 'value="5.00"' in page
    assert 'name="max_failure_percent"' in page and 'value="10.00"' in page


# --- numbers that cannot be texted -----------------------------------------------------------


@time_machine.travel(AFTERNOON, tick=False)
def test_a_number_failed_twice_is_not_texted_again_until_staff_clear_it(office_staff, client, outbox):
    first = CampaignFactory(status=CampaignStatus.RUNNING, guardrail_min_sends=1000)
    (member,) = sent_today(first, 1)
    contact = member.contact
    fail_delivery(member)
    number = ContactPhone.objects.get(phone=contact.phone)
    assert number.delivery_failures == 1 and number.undeliverable_since is None
    second = CampaignFactory(status=CampaignStatus.RUNNING, guardrail_min_sends=1000)
    again = CampaignMembershipFactory(campaign=second, contact=contact, status=MembershipStatus.SENT,
                                      sent_at=AFTERNOON, activity=Activity.objects.create(
                                          contact=contact, kind=ActivityKind.MESSAGE,
                                          direction=Direction.OUTGOING, body="Again?", occurred_at=AFTERNOON))
    fail_delivery(again)
    number.refresh_from_db()
    assert number.delivery_failures == 2 and number.undeliverable_since == AFTERNOON

    third = CampaignFactory(status=CampaignStatus.RUNNING, send_window_start=datetime.time(8),
                            send_window_end=datetime.time(20))
    pending = CampaignMembershipFactory(campaign=third, contact=contact)
    with time_machine.travel(AFTERNOON + datetime.timedelta(days=35), tick=False):  # after the cool-down
        report = campaign_dispatch()
    (batch,) = [b for b in report.batches if b.campaign_id == third.pk]
    assert outbox == [] and batch.skipped == {"undeliverable": 1}
    pending.refresh_from_db()
    assert pending.status == MembershipStatus.SKIPPED and "undeliverable" in pending.last_error

    # Shown on the contact; office staff may clear it.
    client.force_login(office_staff)
    page = client.get(reverse("admin:contacts_contact_change", args=[contact.pk])).content.decode()
    assert "Undeliverable since Mar 10, 2026" in page
    response = client.post(reverse("admin:contacts_contact_changelist"),
                           {"action": "mark_numbers_deliverable", "_selected_action": [contact.pk]}, follow=True)
    assert "1 number(s) may be texted again." in response.content.decode()
    number.refresh_from_db()
    assert number.undeliverable_since is None and number.delivery_failures == 0


@time_machine.travel(AFTERNOON, tick=False)
def test_a_delivery_in_between_resets_the_count():
    campaign = CampaignFactory(status=CampaignStatus.RUNNING, guardrail_min_sends=1000)
    first, second = sent_today(campaign, 2)
    fail_delivery(first)
    ContactPhone.objects.filter(phone=first.contact.phone).update(phone=second.contact.phone, contact=second.contact)
    Activity.objects.filter(pk=second.activity_id).update(status="delivered")
    membership_record_delivery(activity=Activity.objects.get(pk=second.activity_id))
    assert ContactPhone.objects.get(phone=second.contact.phone).delivery_failures == 0
