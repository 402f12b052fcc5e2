"""Campaign transitions follow one table, whoever asks."""
import pytest

from campaigns.models import CampaignStatus
from campaigns.services import (
    InvalidTransition,
    campaign_cancel,
    campaign_complete,
    campaign_pause,
    campaign_resume,
    campaign_start,
)
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def test_start_pause_resume_complete():
    campaign = CampaignFactory()
    campaign_start(campaign=campaign)
    campaign_pause(campaign=campaign)
    campaign_resume(campaign=campaign)
    campaign_complete(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.COMPLETED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (CampaignStatus.DRAFT, campaign_resume),
        (CampaignStatus.RUNNING, campaign_start),
        (CampaignStatus.PAUSED, campaign_start),
        (CampaignStatus.CANCELLED, campaign_resume),
        (CampaignStatus.COMPLETED, campaign_cancel),
        (CampaignStatus.DRAFT, campaign_pause),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(status, action):
    campaign = CampaignFactory(status=status)
    with pytest.raises(InvalidTransition) as excinfo:
        action(campaign=campaign)
    assert campaign.name in excinfo.value.messages[0]
    campaign.refresh_from_db()
    assert campaign.status == status
