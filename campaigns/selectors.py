"""Reads about campaigns."""
from __future__ import annotations

from django.db.models import QuerySet

from .models import Campaign, CampaignMembership


def campaign_list() -> QuerySet[Campaign]:
    """Every campaign, newest first."""
    return Campaign.objects.order_by("-created_at", "-id")


def membership_list(*, campaign: Campaign | int) -> QuerySet[CampaignMembership]:
    """A campaign's members in enrollment order, with their contact."""
    campaign_id = campaign.pk if isinstance(campaign, Campaign) else campaign
    return CampaignMembership.objects.filter(campaign_id=campaign_id).select_related("contact").order_by("id")
