"""Writes about campaigns: the lifecycle transitions (enrollment and batches join them here).

Every transition goes through `_transition`, so the admin, the API and tasks obey one table.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Campaign, CampaignStatus

# Which statuses each status may move to.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    CampaignStatus.DRAFT: {CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.CANCELLED},
    CampaignStatus.SCHEDULED: {CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.CANCELLED},
    CampaignStatus.RUNNING: {CampaignStatus.PAUSED, CampaignStatus.COMPLETED, CampaignStatus.CANCELLED},
    CampaignStatus.PAUSED: {CampaignStatus.RUNNING, CampaignStatus.CANCELLED},
    CampaignStatus.COMPLETED: set(),
    CampaignStatus.CANCELLED: set(),
}


class InvalidTransition(ValidationError):
    """The campaign cannot move from its current status to the one asked for."""


def _transition(*, campaign: Campaign, to: str, allowed_from: set[str] | None = None) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        current = locked.status
        permitted = ALLOWED_TRANSITIONS[current] if allowed_from is None else (
            ALLOWED_TRANSITIONS[current] if current in allowed_from else set()
        )
        if to not in permitted:
            raise InvalidTransition(
                f"Campaign “{locked.name}” is {locked.get_status_display().lower()}; "
                f"it cannot be made {CampaignStatus(to).label.lower()}.",
                code="invalid_transition",
            )
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
    campaign.status = to
    return campaign


def campaign_start(*, campaign: Campaign) -> Campaign:
    """Start sending (from draft or scheduled); the next dispatcher run picks it up."""
    return _transition(
        campaign=campaign, to=CampaignStatus.RUNNING, allowed_from={CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}
    )


def campaign_pause(*, campaign: Campaign) -> Campaign:
    """Stop sending until resumed; texts already claimed by a running batch still finish."""
    return _transition(campaign=campaign, to=CampaignStatus.PAUSED)


def campaign_resume(*, campaign: Campaign) -> Campaign:
    """Send again after a pause."""
    return _transition(campaign=campaign, to=CampaignStatus.RUNNING, allowed_from={CampaignStatus.PAUSED})


def campaign_cancel(*, campaign: Campaign) -> Campaign:
    """Stop for good; pending members are never texted."""
    return _transition(campaign=campaign, to=CampaignStatus.CANCELLED)


def campaign_complete(*, campaign: Campaign) -> Campaign:
    """Mark a running campaign finished (the dispatcher does this when nobody is left pending)."""
    return _transition(campaign=campaign, to=CampaignStatus.COMPLETED)
