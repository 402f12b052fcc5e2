"""campaigns 0005/0006 and contacts 0007: the text ↔ membership link moves to the membership's side, none lost."""
from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("campaigns", "0004_campaign_batches_beat_schedule"), ("contacts", "0006_openphone_id_index_only_when_set")]
AFTER = [("campaigns", "0006_membership_activity_one_to_one"), ("contacts", "0007_activity_membership_removed")]
AT = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_every_link_held_by_a_text_ends_on_its_membership():
    apps = migrate(BEFORE)
    Contact = apps.get_model("contacts", "Contact")
    Activity = apps.get_model("contacts", "Activity")
    Campaign = apps.get_model("campaigns", "Campaign")
    Membership = apps.get_model("campaigns", "CampaignMembership")
    campaign = Campaign.objects.create(name="Spring", template_a="Hi", phone_number_id="PN1")
    people = [Contact.objects.create(phone=f"+1617555010{i}") for i in range(4)]
    members = [Membership.objects.create(campaign=campaign, contact=person) for person in people]

    def text(person, member, minutes):
        return Activity.objects.create(
            contact=person, kind="message", direction="outgoing", body="Hi", membership=member,
            occurred_at=AT + datetime.timedelta(minutes=minutes),
        )

    only_on_text = text(people[0], members[0], 0)  # the membership never learnt its text
    both = text(people[1], members[1], 0)  # both sides knew it
    Membership.objects.filter(pk=members[1].pk).update(activity=both)
    text(people[2], members[2], 0)
    latest = text(people[2], members[2], 5)  # two texts: the latest is the one the dispatcher marked
    staff_text = Activity.objects.create(
        contact=people[3], kind="message", direction="outgoing", body="Hello", occurred_at=AT,
    )

    apps = migrate(AFTER)
    Membership = apps.get_model("campaigns", "CampaignMembership")
    links = dict(Membership.objects.values_list("pk", "activity_id"))
    assert links == {
        members[0].pk: only_on_text.pk, members[1].pk: both.pk, members[2].pk: latest.pk, members[3].pk: None,
    }
    Activity = apps.get_model("contacts", "Activity")
    assert "membership" not in {f.name for f in Activity._meta.get_fields() if f.concrete}
    assert not Membership.objects.filter(activity_id=staff_text.pk).exists()

    # And back: the texts learn their memberships again.
    apps = migrate(BEFORE)
    Activity = apps.get_model("contacts", "Activity")
    assert Activity.objects.get(pk=only_on_text.pk).membership_id == members[0].pk
    assert Activity.objects.get(pk=latest.pk).membership_id == members[2].pk


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
