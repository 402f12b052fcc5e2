"""Demo campaigns: realistic, idempotent, and visible in the metrics."""
import datetime
import random
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaigns.models import Campaign, CampaignStatus, MembershipStatus
from campaigns.selectors import campaign_metrics
from contacts.models import Activity, Contact, ContactSource, Direction
from demo.campaigns import FINISHED_NAME, RUNNING_NAME, seed_campaigns
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

EASTERN = ZoneInfo("America/New_York")
NOW = datetime.datetime(2026, 3, 12, 9, 0, tzinfo=EASTERN)


@time_machine.travel(NOW, tick=False)
def test_seed_creates_a_finished_ab_campaign_and_a_running_one_with_history():
    ContactFactory.create_batch(300, source=ContactSource.DEMO)
    ContactFactory(source=ContactSource.MANUAL)  # not demo: never enrolled

    result = seed_campaigns(random.Random(7))

    assert result["created"] == [FINISHED_NAME, RUNNING_NAME]
    finished, running = Campaign.objects.get(name=FINISHED_NAME), Campaign.objects.get(name=RUNNING_NAME)
    assert finished.status == CampaignStatus.COMPLETED and running.status == CampaignStatus.RUNNING
    assert finished.memberships.count() + running.memberships.count() == 300
    assert not finished.memberships.filter(status=MembershipStatus.PENDING).exists()
    assert running.memberships.filter(status=MembershipStatus.PENDING).exists()

    metrics = campaign_metrics(campaign=finished)
    assert set(metrics.variants) == {"A", "B"} and metrics.ab_test is not None
    assert metrics.overall.replied > 0 and metrics.overall.opted_out > 0 and metrics.overall.delivered > 0
    assert Contact.objects.filter(opted_out=True).count() == metrics.overall.opted_out + campaign_metrics(
        campaign=running
    ).overall.opted_out

    outgoing = Activity.objects.filter(direction=Direction.OUTGOING)
    assert outgoing.count() == finished.memberships.filter(sent_at__isnull=False).count() + running.memberships.filter(
        sent_at__isnull=False
    ).count()
    assert all(a.openphone_id.startswith("ACdemo-") for a in outgoing)
    for activity in outgoing:
        local = activity.occurred_at.astimezone(EASTERN)
        assert local.weekday() < 5 and datetime.time(10) <= local.time() < datetime.time(18)
        assert local < NOW
        assert activity.campaign_membership.activity_id == activity.pk
    # A visible ramp-up: the first day sends fewer texts than a later one.
    per_day = sorted(
        {a.occurred_at.astimezone(EASTERN).date() for a in outgoing.filter(campaign_membership__campaign=finished)}
    )
    first_day = outgoing.filter(campaign_membership__campaign=finished, occurred_at__date=per_day[0]).count()
    assert first_day == 5
    assert "{" not in outgoing.first().body

    # The running campaign has texts and an interested reply within the dashboard's last 7 days.
    week_ago = NOW - datetime.timedelta(days=7)
    assert outgoing.filter(campaign_membership__campaign=running, occurred_at__gte=week_ago).exists()
    assert running.memberships.filter(reply_category="interested", replied_at__gte=week_ago).exists()


@time_machine.travel(NOW, tick=False)
def test_seeding_twice_changes_nothing():
    ContactFactory.create_batch(40, source=ContactSource.DEMO)
    seed_campaigns(random.Random(1))
    counts = (Campaign.objects.count(), Activity.objects.count())
    again = seed_campaigns(random.Random(2))
    assert again["created"] == [] and sorted(again["existing"]) == sorted([FINISHED_NAME, RUNNING_NAME])
    assert (Campaign.objects.count(), Activity.objects.count()) == counts


def test_no_demo_contacts_means_no_demo_campaigns():
    assert seed_campaigns(random.Random(1))["created"] == []
    assert Campaign.objects.count() == 0
