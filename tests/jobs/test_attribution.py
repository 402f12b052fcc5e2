"""A quote or an estimate visit is credited to the campaign and variant that last texted the homeowner before
their first reply, and keeps that credit."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from campaigns.models import MembershipStatus
from contacts.models import Direction
from jobs import services
from jobs.models import Appointment, AppointmentKind, AppointmentState
from jobs.selectors import campaign_money
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


def _estimate(contact, day=10, **fields):
    return services.appointment_create(contact=contact, starts_at=ny(2026, 3, day, 9), ends_at=ny(2026, 3, day, 10),
                                       **fields)


def test_a_later_campaign_does_not_move_an_estimate():
    contact = ContactFactory()
    spring, fall = CampaignFactory(name="Spring"), CampaignFactory(name="Fall")
    first = _texted(contact, spring, "A", ny(2026, 1, 5, 10))
    first.replied_at = ny(2026, 1, 5, 12)
    first.save()
    _replied(contact, ny(2026, 1, 5, 12))
    visit = _estimate(contact)
    assert (visit.campaign, visit.variant) == (spring, "A")

    # The homeowner answers a later campaign too: that reply is now the newest, but the visit keeps its credit.
    later = _texted(contact, fall, "B", ny(2026, 3, 20, 10))
    later.replied_at = ny(2026, 3, 20, 11)
    later.save()
    _replied(contact, ny(2026, 3, 20, 11))
    visit.refresh_from_db()
    assert (visit.campaign, visit.variant) == (spring, "A")
    money = campaign_money()
    assert money[(spring.pk, "A")].estimates == 1
    assert (fall.pk, "B") not in money


def test_an_estimate_whose_campaign_text_is_more_than_90_days_before_the_reply_is_unattributed():
    contact = ContactFactory()
    texted = ny(2025, 10, 1, 10)
    membership = _texted(contact, CampaignFactory(), "A", texted)
    membership.replied_at = texted + datetime.timedelta(days=91)
    membership.save()
    _replied(contact, texted + datetime.timedelta(days=91))
    visit = _estimate(contact)
    assert (visit.campaign, visit.variant) == (None, "")
    assert campaign_money() == {}


def test_a_visit_or_quote_moved_to_another_homeowner_takes_that_homeowners_credit():
    spring, fall = CampaignFactory(name="Spring"), CampaignFactory(name="Fall")
    wrong, right = ContactFactory(), ContactFactory()
    for contact, campaign in ((wrong, spring), (right, fall)):
        _texted(contact, campaign, "B", ny(2026, 2, 1, 10))
        _replied(contact, ny(2026, 2, 1, 11))
    visit = _estimate(wrong)
    quote = services.quote_create(contact=wrong, amount=Decimal("900"))
    assert visit.campaign == spring and quote.campaign == spring
    services.appointment_update(appointment=visit, contact=right)
    services.quote_update(quote=quote, contact=right)
    visit.refresh_from_db()
    quote.refresh_from_db()
    assert (visit.campaign, visit.variant) == (fall, "B")
    assert (quote.campaign, quote.variant) == (fall, "B")


def test_cancelled_visits_and_job_days_are_not_estimates():
    contact = ContactFactory()
    campaign = CampaignFactory()
    _texted(contact, campaign, "A", ny(2026, 2, 1, 10))
    _replied(contact, ny(2026, 2, 1, 11))
    _estimate(contact, day=10)
    cancelled = _estimate(contact, day=11)
    services.appointment_update(appointment=cancelled, state=AppointmentState.CANCELLED)
    job_day = _estimate(contact, day=12, kind=AppointmentKind.JOB)
    assert job_day.campaign == campaign  # credited like any visit, but not an estimate
    assert campaign_money()[(campaign.pk, "A")].estimates == 1
    period = (ny(2026, 3, 11), ny(2026, 4, 1))
    assert (campaign.pk, "A") not in campaign_money(period=period)


def test_the_migration_credits_visits_made_before_visits_kept_their_credit():
    import importlib

    from django.apps import apps

    fill = importlib.import_module("jobs.migrations.0004_appointment_attribution_fill").fill
    campaign = CampaignFactory()
    texted, walk_in = ContactFactory(), ContactFactory()
    _texted(texted, campaign, "B", ny(2026, 2, 1, 10))
    _replied(texted, ny(2026, 2, 1, 11))
    visits = [_estimate(texted, day=10), _estimate(texted, day=11), _estimate(walk_in)]
    Appointment.objects.update(campaign=None, variant="")  # as rows made before the fields existed

    fill(apps, None)
    credited = {v.pk: (v.campaign_id, v.variant) for v in Appointment.objects.all()}
    assert credited == {visits[0].pk: (campaign.pk, "B"), visits[1].pk: (campaign.pk, "B"), visits[2].pk: (None, "")}


def test_the_visits_credit_shows_read_only_in_the_admin_and_the_api(office_client, office_user):
    from django.urls import reverse
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    contact, campaign, other = ContactFactory(), CampaignFactory(name="Spring Worcester"), CampaignFactory()
    _texted(contact, campaign, "B", ny(2026, 2, 1, 10))
    _replied(contact, ny(2026, 2, 1, 11))
    visit = _estimate(contact)

    page = office_client.get(reverse("admin:jobs_appointment_change", args=[visit.pk])).content.decode()
    assert "Spring Worcester" in page
    assert 'name="campaign"' not in page and 'name="variant"' not in page  # shown, not editable

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=office_user).key}")
    body = api.get(f"/api/v1/appointments/{visit.pk}/").json()
    assert (body["campaign"], body["variant"]) == (campaign.pk, "B")
    changed = api.patch(f"/api/v1/appointments/{visit.pk}/", {"campaign": other.pk, "variant": "A", "notes": "Gate"},
                        format="json")
    assert changed.status_code == 200
    assert (changed.json()["campaign"], changed.json()["variant"], changed.json()["notes"]) == (campaign.pk, "B", "Gate")
    assert api.get("/api/v1/appointments/", {"campaign": campaign.pk}).json()["count"] == 1
    assert api.get("/api/v1/appointments/", {"campaign": other.pk}).json()["count"] == 0
