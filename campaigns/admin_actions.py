"""The "Add to campaign…" admin actions for the Contact and Property changelists.

campaigns/admin.py registers them for the homeowners and house lists (contacts.extensions,
crm.admin_extensions: contacts and properties know nothing of campaigns); the intermediate page
(templates/admin/campaigns/add_to_campaign.html) picks the campaign, then the enrollment
service does the work and the changelist shows its summary.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.response import TemplateResponse

from contacts.models import Contact

from .forms import EnrollmentTargetForm
from .services import campaign_enroll_contacts


def _add_to_campaign(modeladmin, request, queryset: QuerySet, *, contact_ids, description: str):
    if not request.user.has_perm("campaigns.add_campaignmembership"):
        messages.error(request, "You are not allowed to enroll homeowners in campaigns.")
        return None
    form = EnrollmentTargetForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            result = campaign_enroll_contacts(campaign=form.cleaned_data["campaign"], contact_ids=contact_ids())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, result.summary())
        return None  # back to the changelist, which shows the message
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Add to campaign",
        "opts": modeladmin.model._meta,
        "form": form,
        "description": description,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action": request.POST.get("action", ""),
    }
    return TemplateResponse(request, "admin/campaigns/add_to_campaign.html", context)


@admin.action(description="Add to campaign…")
def add_contacts_to_campaign(modeladmin, request, queryset):
    """Enroll the selected contacts in a campaign picked on the next page."""
    count = queryset.count()
    return _add_to_campaign(
        modeladmin, request, queryset,
        contact_ids=lambda: queryset.values_list("pk", flat=True),
        description=f"Enroll {count} selected contact{'' if count == 1 else 's'} in:",
    )


@admin.action(description="Add owners to campaign…")
def add_property_owners_to_campaign(modeladmin, request, queryset):
    """Enroll everyone linked to the selected properties (owners, residents) in a campaign."""
    # Reached through the homeowner's side of the link, so campaigns never imports properties.
    linked = Contact.objects.filter(property_links__property__in=queryset).values_list("pk", flat=True).distinct()
    people = linked.count()
    return _add_to_campaign(
        modeladmin, request, queryset,
        contact_ids=lambda: linked,
        description=f"Enroll the {people} people linked to {queryset.count()} selected "
        f"propert{'y' if queryset.count() == 1 else 'ies'} in:",
    )
