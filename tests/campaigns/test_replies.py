"""Replies and delivery reports move memberships forward, classify, and update the lead status."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from campaigns.models import MembershipStatus
from campaigns.reply_classifier import ReplyCategory
from campaigns.services import membership_record_delivery, membership_record_reply
from contacts.models import Contact, Direction, LeadStatus, OptOutEvent
from tests.factories import ActivityFactory, CampaignMembershipFactory, ContactFactory

pytestmark = pytest.mark.django_db

EASTERN = ZoneInfo("America/New_York")
SENT_AT = datetime.datetime(2026, 3, 10, 11, 0, tzinfo=EASTERN)


def sent_membership(**kwargs):
    membership = CampaignMembershipFactory(status=MembershipStatus.SENT, sent_at=SENT_AT, **kwargs)
    activity = ActivityFactory(
        contact=membership.contact, direction=Direction.OUTGOING, status="sent", occurred_at=SENT_AT,
    )
    membership.activity = activity
    membership.save()
    return membership


def reply(contact, body, minutes=30):
    return ActivityFactory(
        contact=contact, direction=Direction.INCOMING, body=body, status="received",
        occurred_at=SENT_AT + datetime.timedelta(minutes=minutes),
    )


def test_first_reply_marks_replied_classifies_and_updates_lead_status():
    membership = sent_membership()
    inbound = reply(membership.contact, "Yes please, I have a crack in the basement wall")
    assert membership_record_reply(activity=inbound).pk == membership.pk
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REPLIED
    assert membership.replied_at == inbound.occurred_at
    assert membership.reply_category == ReplyCategory.INTERESTED
    assert Contact.objects.get(pk=membership.contact_id).lead_status == LeadStatus.INTERESTED


def test_second_reply_keeps_the_first_reply_time_but_a_decisive_answer_replaces_a_question():
    membership = sent_membership()
    membership_record_reply(activity=reply(membership.contact, "Who is this?", minutes=5))
    membership_record_reply(activity=reply(membership.contact, "Not interested, thanks", minutes=50))
    membership.refresh_from_db()
    assert membership.replied_at == SENT_AT + datetime.timedelta(minutes=5)
    assert membership.reply_category == ReplyCategory.NOT_INTERESTED
    assert Contact.objects.get(pk=membership.contact_id).lead_status == LeadStatus.NOT_INTERESTED


def test_stop_reply_marks_opted_out_and_opts_the_contact_out_once():
    membership = sent_membership()
    membership_record_reply(activity=reply(membership.contact, "STOP"))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.OPTED_OUT
    assert membership.reply_category == ReplyCategory.OPT_OUT
    contact = Contact.objects.get(pk=membership.contact_id)
    assert contact.opted_out
    # Already opted out (say, by the webhook handler): no second audit event.
    membership_record_reply(activity=reply(membership.contact, "stop texting me", minutes=40))
    assert OptOutEvent.objects.filter(contact=contact).count() == 1


def test_reply_goes_to_the_most_recent_campaign_text():
    contact = ContactFactory()
    older = CampaignMembershipFactory(
        contact=contact, status=MembershipStatus.DELIVERED, sent_at=SENT_AT - datetime.timedelta(days=10)
    )
    newer = sent_membership(contact=contact)
    membership_record_reply(activity=reply(contact, "ok sounds good"))
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.status == MembershipStatus.DELIVERED and newer.status == MembershipStatus.REPLIED


def test_reply_without_a_recent_campaign_text_is_not_attributed():
    contact = ContactFactory()
    CampaignMembershipFactory(contact=contact, status=MembershipStatus.SENT, sent_at=SENT_AT - datetime.timedelta(days=45))
    assert membership_record_reply(activity=reply(contact, "yes")) is None
    assert membership_record_reply(activity=reply(ContactFactory(), "yes")) is None


def test_customer_lead_status_is_never_overwritten_by_a_reply():
    membership = sent_membership(contact=ContactFactory(lead_status=LeadStatus.CUSTOMER))
    membership_record_reply(activity=reply(membership.contact, "not interested"))
    assert Contact.objects.get(pk=membership.contact_id).lead_status == LeadStatus.CUSTOMER


def test_delivery_moves_sent_to_delivered_and_failed_but_never_back_from_replied():
    membership = sent_membership()
    outgoing = membership.activity
    outgoing.status = "delivered"
    assert membership_record_delivery(activity=outgoing).status == MembershipStatus.DELIVERED

    failed = sent_membership()
    failed.activity.status = "undelivered"
    membership_record_delivery(activity=failed.activity)
    failed.refresh_from_db()
    assert failed.status == MembershipStatus.FAILED and "undelivered" in failed.last_error

    replied = sent_membership()
    membership_record_reply(activity=reply(replied.contact, "yes"))
    replied.activity.status = "delivered"
    membership_record_delivery(activity=replied.activity)
    replied.activity.status = "failed"
    membership_record_delivery(activity=replied.activity)
    replied.refresh_from_db()
    assert replied.status == MembershipStatus.REPLIED


def test_delivery_of_a_text_outside_any_campaign_is_ignored():
    activity = ActivityFactory(direction=Direction.OUTGOING, status="delivered")
    assert membership_record_delivery(activity=activity) is None
