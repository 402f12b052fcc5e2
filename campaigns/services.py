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


# --- Creating and editing (the API's and any form's path) ------------------------------------

# Statuses in which a campaign's settings may still change; a finished one is a record.
EDITABLE_STATUSES = {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED}
# Changed only by the lifecycle functions above, or by Django.
_CAMPAIGN_WRITE_REFUSED = frozenset({"id", "pk", "status", "created_at", "updated_at"})


def _campaign_check_fields(fields: dict) -> None:
    refused = _CAMPAIGN_WRITE_REFUSED & fields.keys()
    if refused:
        raise TypeError(f"campaigns are not written with {', '.join(sorted(refused))}; use the lifecycle functions")
    unknown = fields.keys() - {f.name for f in Campaign._meta.concrete_fields}
    if unknown:
        raise TypeError(f"unknown campaign fields: {', '.join(sorted(unknown))}")


def _campaign_validate(campaign: Campaign) -> None:
    """Field checks plus the rules a database constraint would only report by its name."""
    errors: dict[str, list[ValidationError]] = {}
    if campaign.send_window_start and campaign.send_window_end and (
        campaign.send_window_start >= campaign.send_window_end
    ):
        errors["send_window_end"] = [
            ValidationError("The send window must end after it starts.", code="send_window_order")
        ]
    if not (campaign.phone_number_id or "").strip():
        errors["phone_number_id"] = [
            ValidationError("Name the OpenPhone line (PN...) to send from.", code="required")
        ]
    try:
        campaign.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, field_errors in exc.error_dict.items():
            errors.setdefault(name, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)
    clash = Campaign.objects.filter(name=campaign.name).exclude(pk=campaign.pk).first()
    if clash is not None:
        raise ValidationError(
            {"name": ValidationError(f"Campaign {clash.pk} already has this name.", code="name_duplicate")}
        )


def campaign_create(*, created_by=None, **fields) -> Campaign:
    """A new draft campaign; the sending line defaults to OPENPHONE_PHONE_NUMBER_ID."""
    _campaign_check_fields(fields)
    with transaction.atomic():
        campaign = Campaign(created_by=created_by, **fields)
        _campaign_validate(campaign)
        campaign.save()
    return campaign


def campaign_update(*, campaign: Campaign, **fields) -> Campaign:
    """Change a campaign's settings; its status changes only through start/pause/resume/cancel."""
    _campaign_check_fields(fields)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status not in EDITABLE_STATUSES:
            raise ValidationError(
                f"Campaign “{locked.name}” is {locked.get_status_display().lower()}; it can no longer be changed.",
                code="campaign_closed",
            )
        for name, value in fields.items():
            setattr(locked, name, value)
        _campaign_validate(locked)
        locked.save()
    for model_field in locked._meta.concrete_fields:
        setattr(campaign, model_field.attname, getattr(locked, model_field.attname))
    return campaign


def campaign_delete(*, campaign: Campaign) -> None:
    """Delete a draft; a campaign that has ever been started stays as a record (cancel it instead)."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.DRAFT:
            raise ValidationError(
                f"Campaign “{locked.name}” is {locked.get_status_display().lower()}; only drafts can be deleted "
                "(cancel it instead).",
                code="campaign_not_draft",
            )
        locked.delete()
