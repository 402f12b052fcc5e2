"""A quote is credited to the campaign and variant that last texted the homeowner before their first reply."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from campaigns.models import MembershipStatus
from contacts.models import Direction
from jobs import services
from tests.factories import ActivityFactory, CampaignFactory, CampaignMembershipFactory, ContactFactory
from tests.jobs.conftest import ny

pytestmark = pytest.mark.django_db


def _texted(contact, campaign, variant, at):
    return CampaignMembershipFactory(contact=contact, campaign=campaign, variant=variant, sent_at=at,
                                     status=MembershipStatus.SENT)


def _replied(contact, at):
    ActivityFactory(contact=contact, direction=Direction.INCOMING, occurred_at=at, body="Interested")


def test_the_last_campaign_before_the_first_reply_gets_the_quote_and_keeps_it():
    contact = ContactFactory()
    spring, summer, fall = CampaignFactory(name="Spring"), CampaignFactory(name="Summer"), CampaignFactory(name="Fall")
    _texted(contact, spring, "A", ny(2026, 1, 5, 10))
    _texted(contact, summer, "B", ny(2026, 2, 1, 10))
    _replied(contact, ny(2026, 2, 2, 9))
    _texted(contact, fall, "A", ny(2026, 3, 1, 10))  # after the first reply: no credit
    _replied(contact, ny(2026, 3, 1, 11))

    quote = services.quote_create(contact=contact, amount=Decimal("4800"))
    assert (quote.campaign, quote.variant) == (summer, "B")

    # History is kept: a later campaign does not rewrite the quote.
    _texted(ContactFactory(), fall, "A", ny(2026, 3, 5, 10))
    quote.refresh_from_db()
    assert (quote.campaign, quote.variant) == (summer, "B")


def test_a_campaign_text_more_than_90_days_before_the_reply_earns_nothing():
    contact = ContactFactory()
    _texted(contact, CampaignFactory(), "A", ny(2025, 10, 1, 10))
    _replied(contact, ny(2025, 10, 1, 10) + datetime.timedelta(days=91))
    quote = services.quote_create(contact=contact, amount=Decimal("100"))
    assert (quote.campaign, quote.variant) == (None, "")


def test_no_reply_or_no_campaign_means_no_attribution():
    texted_no_reply = ContactFactory()
    _texted(texted_no_reply, CampaignFactory(), "A", ny(2026, 1, 5, 10))
    assert services.quote_create(contact=texted_no_reply, amount=Decimal("1")).campaign is None
    walk_in = ContactFactory()
    _replied(walk_in, ny(2026, 1, 5, 10))
    assert services.quote_create(contact=walk_in, amount=Decimal("1")).campaign is None


def test_a_recorded_reply_time_on_the_membership_counts_as_the_reply():
    contact = ContactFactory()
    campaign = CampaignFactory()
    membership = _texted(contact, campaign, "B", ny(2026, 1, 5, 10))
    membership.replied_at = ny(2026, 1, 5, 12)
    membership.save()
    quote = services.quote_create(contact=contact, amount=Decimal("1"))
    assert (quote.campaign, quote.variant) == (campaign, "B")
