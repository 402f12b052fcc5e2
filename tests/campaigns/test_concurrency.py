"""Dispatchers running at the same time on PostgreSQL: disjoint claims, caps held, nobody texted twice.

Each thread has its own database connection, as two Celery workers would. SQLite has no row
locks (and no SKIP LOCKED), so these run only on PostgreSQL, which CI uses.
"""
import datetime
import threading
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections

from campaigns.models import CampaignMembership, CampaignStatus, MembershipStatus
from campaigns.services import campaign_dispatch
from crm import sms
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (SKIP LOCKED)"),
]

NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))


class SlowBackend(sms.LocmemBackend):
    """The locmem backend taking as long as a real API call, so concurrent batches overlap."""

    def send(self, message):
        time.sleep(0.01)
        return super().send(message)


def run_dispatchers(n, kwargs_list=None):
    kwargs_list = kwargs_list or [{}] * n
    barrier = threading.Barrier(n)
    reports, errors = [], []

    def work(kwargs):
        try:
            barrier.wait()
            reports.append(campaign_dispatch(**kwargs))
        except Exception as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(kwargs,)) for kwargs in kwargs_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return reports


def make_campaign(members, **kwargs):
    campaign = CampaignFactory(
        status=CampaignStatus.RUNNING, send_window_start=datetime.time(8), send_window_end=datetime.time(21), **kwargs
    )
    for contact in members:
        CampaignMembershipFactory(campaign=campaign, contact=contact)
    return campaign


@time_machine.travel(NOON, tick=False)
def test_two_dispatchers_claim_disjoint_members_and_respect_the_campaign_limit(settings, outbox):
    settings.SMS_BACKEND = "tests.campaigns.test_concurrency.SlowBackend"
    campaign = make_campaign(ContactFactory.create_batch(60), daily_limit=40)

    reports = run_dispatchers(2)

    sent_to = Counter(message.to for message in outbox)
    assert len(outbox) == 40 and max(sent_to.values()) == 1
    assert sum(r.sent for r in reports) == 40
    assert campaign.memberships.filter(status=MembershipStatus.SENT).count() == 40
    assert campaign.memberships.filter(status=MembershipStatus.PENDING).count() == 20


@time_machine.travel(NOON, tick=False)
def test_four_dispatchers_never_exceed_the_line_cap(settings, outbox):
    settings.SMS_BACKEND = "tests.campaigns.test_concurrency.SlowBackend"
    settings.CAMPAIGN_LINE_DAILY_CAP = 25
    for _ in range(3):
        make_campaign(ContactFactory.create_batch(15), daily_limit=15)

    run_dispatchers(4)

    assert len(outbox) == 25
    assert len({m.to for m in outbox}) == 25
    assert CampaignMembership.objects.filter(status=MembershipStatus.SENT).count() == 25
    assert not CampaignMembership.objects.filter(status=MembershipStatus.SENDING).exists()


@time_machine.travel(NOON, tick=False)
def test_campaigns_on_different_lines_sharing_homeowners_text_each_once(settings, outbox):
    """Two dispatchers, one per campaign, same 30 homeowners: the cool-down lets only one campaign text each."""
    settings.SMS_BACKEND = "tests.campaigns.test_concurrency.SlowBackend"
    people = ContactFactory.create_batch(30)
    first = make_campaign(people, phone_number_id="PNlineOne")
    second = make_campaign(people, phone_number_id="PNlineTwo")

    run_dispatchers(2, [{"campaign_id": first.pk}, {"campaign_id": second.pk}])
    run_dispatchers(2, [{"campaign_id": first.pk}, {"campaign_id": second.pk}])

    sent_to = Counter(message.to for message in outbox)
    assert len(sent_to) == 30 and max(sent_to.values()) == 1
    assert CampaignMembership.objects.filter(status=MembershipStatus.SENT).count() == 30
    assert CampaignMembership.objects.filter(status=MembershipStatus.PENDING).count() == 30



class HoldingBackend(SlowBackend):
    """Holds homeowners at the first send, as unclear replies arriving mid-batch would."""

    to_hold: list = []

    def send(self, message):
        from contacts.services import contact_hold

        while self.to_hold:
            contact_hold(contact=self.to_hold.pop(), reason="Replied “wtf”", source="inbound_message")
        return super().send(message)


@time_machine.travel(NOON, tick=False)
def test_two_dispatchers_never_text_a_held_contact(settings, outbox):
    """Held before the run: never texted, their membership waits. Held mid-run: never texted after the hold."""
    from contacts.services import contact_hold

    settings.SMS_BACKEND = "tests.campaigns.test_concurrency.HoldingBackend"
    contacts = ContactFactory.create_batch(30)
    held_before, held_during = contacts[:10], contacts[20:25]
    for contact in held_before:
        contact_hold(contact=contact, reason="Replied “only text after 6”", source="inbound_message")
    campaign = make_campaign(contacts, daily_limit=100)
    HoldingBackend.to_hold = list(held_during)

    run_dispatchers(2)

    texted = Counter(message.to for message in outbox)
    assert max(texted.values()) == 1
    assert not {c.phone for c in held_before} & set(texted)
    assert all(campaign.memberships.get(contact=c).status == MembershipStatus.PENDING for c in held_before)
    for contact in held_during:
        membership = campaign.memberships.get(contact=contact)
        # Texted before the hold landed (the first send itself), or left pending: never texted after it.
        assert membership.status in (MembershipStatus.PENDING, MembershipStatus.SENT)
        assert (contact.phone in texted) == (membership.status == MembershipStatus.SENT)
    assert sum(campaign.memberships.get(contact=c).status == MembershipStatus.SENT for c in held_during) <= 2
    assert len(outbox) >= 15
