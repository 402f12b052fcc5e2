"""The whole loop across apps: a campaign texts, OpenPhone reports delivery, the homeowner answers.

Signed webhooks go through the real receiver and handlers, which hand replies and delivery
receipts to the campaigns app; the membership, the contact and the metrics follow.
"""
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaigns.models import CampaignStatus, MembershipStatus
from campaigns.selectors import campaign_metrics
from campaigns.services import campaign_dispatch, campaign_enroll_contacts
from tests.factories import CampaignFactory, ContactFactory
from tests.openphone.sender import deliver, load_event

pytestmark = pytest.mark.django_db

NOON_BOSTON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def sent_campaign(outbox):
    """A running campaign that has texted two Boston homeowners."""
    with time_machine.travel(NOON_BOSTON, tick=False):
        campaign = CampaignFactory(status=CampaignStatus.RUNNING)
        jane = ContactFactory(first_name="Jane", phone="+16175550123")
        bob = ContactFactory(first_name="Bob", phone="+16175550124")
        campaign_enroll_contacts(campaign=campaign, contact_ids=[jane.pk, bob.pk])
        report = campaign_dispatch(now=NOON_BOSTON)
    assert report.sent == 2 and len(outbox) == 2
    return campaign, jane, bob


def _receive(client, capture, payload):
    with capture(execute=True):
        response = deliver(client, payload)
    assert response.status_code == 202, response.content


def _delivered(membership, n):
    payload = load_event("message.delivered", id=f"EVdelivered{n}")
    payload["data"]["object"].update(id=membership.activity.openphone_id, to=membership.contact.phone)
    return payload


def _reply(contact, body, n):
    payload = load_event("message.received", id=f"EVreply{n}")
    payload["data"]["object"].update(id=f"ACreply{n}", text=body, **{"from": contact.phone})
    payload["data"]["object"]["createdAt"] = "2026-03-10T17:30:00.000Z"
    return payload


def test_delivery_and_interested_reply_move_the_membership(client, django_capture_on_commit_callbacks, sent_campaign):
    campaign, jane, _ = sent_campaign
    membership = campaign.memberships.select_related("activity", "contact").get(contact=jane)
    with time_machine.travel(NOON_BOSTON + datetime.timedelta(minutes=5), tick=False):
        _receive(client, django_capture_on_commit_callbacks, _delivered(membership, 1))
        membership.refresh_from_db()
        assert membership.status == MembershipStatus.DELIVERED

        _receive(client, django_capture_on_commit_callbacks, _reply(jane, "Yes please, call me about the estimate", 1))
    membership.refresh_from_db()
    jane.refresh_from_db()
    assert membership.status == MembershipStatus.REPLIED
    assert membership.replied_at is not None
    assert membership.reply_category == "interested"
    assert jane.lead_status == "interested"
    metrics = campaign_metrics(campaign=campaign)
    assert (metrics.overall.sent, metrics.overall.replied) == (2, 1)


def test_stop_reply_opts_out_the_contact_and_the_membership(client, django_capture_on_commit_callbacks, sent_campaign):
    campaign, _, bob = sent_campaign
    with time_machine.travel(NOON_BOSTON + datetime.timedelta(minutes=5), tick=False):
        _receive(client, django_capture_on_commit_callbacks, _reply(bob, "STOP", 2))
    bob.refresh_from_db()
    membership = campaign.memberships.get(contact=bob)
    assert bob.opted_out
    assert membership.status == MembershipStatus.OPTED_OUT
    assert bob.opt_out_events.filter(opted_out=True).count() == 1  # one audit entry, not one per app
