"""A held homeowner is passed over by the dispatcher (their membership waits) and texted once a person lifts the hold."""
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaigns.models import CampaignStatus, MembershipStatus
from campaigns.services import campaign_dispatch
from contacts.services import contact_hold, contact_hold_decide
from tests.factories import CampaignFactory, CampaignMembershipFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("America/New_York"))


@time_machine.travel(NOON, tick=False)
def test_held_member_waits_and_is_texted_after_keep_texting(outbox):
    held, free = ContactFactory(), ContactFactory()
    contact_hold(contact=held, reason="Replied “only text after 6”", source="inbound_message")
    campaign = CampaignFactory(
        status=CampaignStatus.RUNNING, send_window_start=datetime.time(8), send_window_end=datetime.time(21)
    )
    for contact in (held, free):
        CampaignMembershipFactory(campaign=campaign, contact=contact)

    dry = campaign_dispatch(campaign_id=campaign.pk, dry_run=True)
    assert dry.batches[0].skipped["held"] == 1
    report = campaign_dispatch(campaign_id=campaign.pk)
    assert [m.to for m in outbox] == [free.phone]
    assert report.batches[0].skipped["held"] == 1
    assert campaign.memberships.get(contact=held).status == MembershipStatus.PENDING
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING  # not complete while someone waits for a decision

    contact_hold_decide(contact=held, decision="keep_texting", by_user=UserFactory())
    campaign_dispatch(campaign_id=campaign.pk)
    assert [m.to for m in outbox] == [free.phone, held.phone]
