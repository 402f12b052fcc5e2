"""Admin of campaigns: settings with live segment counts and previews, results, lifecycle buttons, members."""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from contacts import extensions
from contacts.selectors import line_label
from crm import admin_extensions
from crm.history_admin import AuditHistoryAdmin

from . import selectors, services
from .admin_actions import add_contacts_to_campaign, add_property_owners_to_campaign
from .forms import CampaignForm, EnrollTagForm
from .merge_fields import count_segments, render_template
from .models import Campaign, CampaignMembership, CampaignStatus, Variant

# Which button calls which service; the services enforce the allowed transitions.
TRANSITIONS = {
    "start": ("Start", services.campaign_start),
    "pause": ("Pause", services.campaign_pause),
    "resume": ("Resume", services.campaign_resume),
    "cancel": ("Cancel", services.campaign_cancel),
}
# The buttons shown for each status (the service still has the last word).
BUTTONS = {
    CampaignStatus.DRAFT: ["start", "cancel"],
    CampaignStatus.SCHEDULED: ["start", "pause", "cancel"],
    CampaignStatus.RUNNING: ["pause", "cancel"],
    CampaignStatus.PAUSED: ["resume", "cancel"],
}


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"


def _run_transition(request, campaigns, action: str) -> None:
    label, service = TRANSITIONS[action]
    done = 0
    for campaign in campaigns:
        try:
            service(campaign=campaign)
            done += 1
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    if done:
        messages.success(request, f"{label}: {done} campaign{'' if done == 1 else 's'} updated.")


CONFIRM_CANCEL_TEMPLATE = "admin/campaigns/campaign/cancel_confirmation.html"


def _cancel_confirmation(modeladmin, request, campaigns, *, selected_ids=None):
    """The page that asks before cancelling, saying what cannot be undone (like Django's delete page)."""
    campaigns = list(campaigns)
    context = {
        **modeladmin.admin_site.each_context(request), "opts": modeladmin.opts, "campaigns": campaigns,
        "pending": sum(getattr(c, "pending_count", 0) for c in campaigns),
        "title": "Cancel this campaign?" if len(campaigns) == 1 else f"Cancel these {len(campaigns)} campaigns?",
        "selected_ids": selected_ids, "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, CONFIRM_CANCEL_TEMPLATE, context)


def _transition_action(action: str):
    label = TRANSITIONS[action][0]

    @admin.action(description=f"{label} selected campaigns", permissions=["change"])
    def run(modeladmin, request, queryset):
        if action == "cancel" and request.POST.get("confirmed") != "yes":
            ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
            return _cancel_confirmation(modeladmin, request, queryset, selected_ids=ids)
        _run_transition(request, queryset, action)

    run.__name__ = f"{action}_campaigns"
    return run


@admin.register(Campaign)
class CampaignAdmin(AuditHistoryAdmin):
    form = CampaignForm
    change_form_template = "admin/campaigns/campaign/change_form.html"
    list_display = ["name", "status", "paused_reason", "progress", "today", "response_rate", "starts_on", "line"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["status", "paused_because", "created_by", "created_at", "results", "preview"]
    actions = [_transition_action(a) for a in TRANSITIONS]
    fieldsets = [
        (None, {"fields": ["name", "status", "paused_because", "phone_number_id", "starts_on", "created_by",
                           "created_at"]}),
        ("Message", {"fields": ["template_a", "template_b", "ab_split", "preview"]}),
        ("Sending", {"fields": ["daily_limit", "send_window_start", "send_window_end"]}),
        ("Guardrails", {
            "fields": ["max_opt_out_percent", "max_failure_percent", "guardrail_min_sends"],
            "description": "The campaign pauses itself when one day's texts cross a limit below, or when OpenPhone "
                           "refuses the account (A2P registration not approved, out of credits, line not found). "
                           "It stays paused until someone presses Resume.",
        }),
        ("Results", {"fields": ["results"]}),
    ]

    class Media:
        js = ["campaigns/template_counter.js"]
        css = {"all": ["campaigns/campaign_admin.css"]}

    def get_queryset(self, request) -> QuerySet[Campaign]:
        return selectors.campaigns_overview()

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # nothing to preview or measure before the campaign exists
            hidden = ("preview", "results", "status", "paused_because", "created_by", "created_at")
            return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
                    for name, opts in self.fieldsets if name != "Results"]
        return self.fieldsets

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Line", ordering="phone_number_id")
    def line(self, campaign) -> str:
        return line_label(campaign.phone_number_id)

    @admin.display(description="Paused because")
    def paused_because(self, campaign) -> str:
        if campaign is None or not campaign.paused_reason:
            return "–"
        return format_html(
            '<strong class="campaign-guardrail">{}</strong> ({}). {}', campaign.get_paused_reason_display(),
            f"{campaign.paused_at:%b %-d, %H:%M}" if campaign.paused_at else "", campaign.paused_detail,
        )

    @admin.display(description="Sent / enrolled")
    def progress(self, campaign) -> str:
        return f"{campaign.sent_count} / {campaign.enrolled_count}"

    @admin.display(description="Sent today")
    def today(self, campaign) -> str:
        return f"{campaign.sent_today} / {campaign.daily_limit}"

    @admin.display(description="Response rate")
    def response_rate(self, campaign) -> str:
        return _percent(campaign.replied_count / campaign.sent_count if campaign.sent_count else None)

    @admin.display(description="Results")
    def results(self, campaign) -> str:
        if campaign is None or campaign.pk is None:
            return "–"
        metrics = selectors.campaign_metrics(campaign=campaign)
        columns = [metrics.variants[v] for v in (Variant.A, Variant.B) if v in metrics.variants]
        if len(columns) > 1:
            columns.append(metrics.overall)
        members_url = reverse("admin:campaigns_campaignmembership_changelist") + "?" + urlencode(
            {"campaign__id__exact": campaign.pk}
        )
        columns = columns or [metrics.overall]
        counts = [("Enrolled", "enrolled"), ("Pending", "pending"), ("Sent", "sent"), ("Delivered", "delivered"),
                  ("Failed", "failed"), ("Replied", "replied"), ("Opted out", "opted_out")]
        rates = [("Response rate", "response_rate"), ("Opt-out rate", "opt_out_rate"),
                 ("Interested rate", "interested_rate")]
        rows = [(label, [getattr(c, name) for c in columns]) for label, name in counts]
        rows += [(label, [_percent(getattr(c, name)) for c in columns]) for label, name in rates]
        headings = ["All" if c.variant == "all" else f"Variant {c.variant}" for c in columns]
        return render_to_string(
            "admin/campaigns/campaign/results.html",
            {"metrics": metrics, "headings": headings, "rows": rows, "members_url": members_url},
        )

    @admin.display(description="Preview")
    def preview(self, campaign) -> str:
        if campaign is None or campaign.pk is None:
            return "–"
        rows = []
        for membership in selectors.campaign_preview_members(campaign=campaign):
            values = selectors.membership_merge_values(membership)
            for variant, template in ((Variant.A, campaign.template_a), (Variant.B, campaign.template_b)):
                if not template.strip():
                    continue
                text = render_template(template, values)
                rows.append(
                    {"contact": membership.contact, "variant": variant, "gets_it": membership.variant == variant,
                     "text": text, "count": count_segments(text)}
                )
        return render_to_string("admin/campaigns/campaign/preview.html", {"rows": rows})

    # --- lifecycle buttons and enrollment by tag ---------------------------------------------

    def get_urls(self):
        own = [
            path("<int:pk>/transition/<str:action>/", self.admin_site.admin_view(self.transition_view),
                 name="campaigns_campaign_transition"),
            path("<int:pk>/enroll-tag/", self.admin_site.admin_view(self.enroll_tag_view),
                 name="campaigns_campaign_enroll_tag"),
        ]
        return own + super().get_urls()

    def transition_view(self, request, pk: int, action: str):
        if request.method != "POST" and action != "cancel":
            return HttpResponseNotAllowed(["POST"])
        campaign = get_object_or_404(self.get_queryset(request), pk=pk)
        if action not in TRANSITIONS or not self.has_change_permission(request, campaign):
            raise PermissionDenied
        if action == "cancel" and request.POST.get("confirmed") != "yes":
            return _cancel_confirmation(self, request, [campaign])  # cancelling cannot be undone: ask first
        _run_transition(request, [campaign], action)
        return HttpResponseRedirect(reverse("admin:campaigns_campaign_change", args=[pk]))

    def enroll_tag_view(self, request, pk: int):
        campaign = get_object_or_404(Campaign, pk=pk)
        if not request.user.has_perm("campaigns.add_campaignmembership"):
            raise PermissionDenied
        form = EnrollTagForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = services.campaign_enroll_tag(campaign=campaign, tag=form.cleaned_data["tag"])
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, result.summary())
            return HttpResponseRedirect(reverse("admin:campaigns_campaign_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "campaign": campaign, "form": form,
            "title": f"Enroll by tag in “{campaign.name}”",
        }
        return TemplateResponse(request, "admin/campaigns/campaign/enroll_tag.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):  # no buttons a person may not press
            context["lifecycle_buttons"] = [
                (action, TRANSITIONS[action][0], reverse("admin:campaigns_campaign_transition", args=[obj.pk, action]))
                for action in BUTTONS.get(obj.status, [])
            ]
        if obj is not None and request.user.has_perm("campaigns.add_campaignmembership"):
            context["enroll_tag_url"] = reverse("admin:campaigns_campaign_enroll_tag", args=[obj.pk])
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


@admin.register(CampaignMembership)
class CampaignMembershipAdmin(AuditHistoryAdmin):
    """Members are added by enrollment and moved on by the dispatcher and webhooks, not edited by hand."""

    list_display = ["contact_link", "campaign", "variant", "status", "sent_at", "replied_at", "reply_category",
                    "attempts"]
    # The first column is a link to the homeowner; the membership's own page opens from its status
    # (a link inside a link would leave an empty link for screen readers).
    list_display_links = ["status"]
    list_filter = ["status", "variant", "reply_category", "campaign"]
    search_fields = ["contact__first_name", "contact__last_name", "contact__phone", "campaign__name"]
    list_select_related = ["contact", "campaign"]
    readonly_fields = ["campaign", "contact", "variant", "status", "activity", "sent_at", "replied_at",
                       "reply_category", "claimed_at", "attempts", "last_error", "created_at", "updated_at"]
    show_full_result_count = False  # counting 100,000 members on every page view is wasted work

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    @admin.display(description="Contact", ordering="contact__last_name")
    def contact_link(self, membership) -> str:
        url = reverse("admin:contacts_contact_change", args=[membership.contact_id])
        return format_html('<a href="{}">{}</a>', url, membership.contact)


# --- "Add to campaign…" on the homeowner and house lists -------------------------------------
# contacts and properties sit below or beside campaigns and do not know it, so campaigns registers
# its actions for their lists: the homeowners list through contacts.extensions, the house list
# (properties is a sibling layer, not imported) through crm.admin_extensions by model label.
ENROLL = ["campaigns.add_campaignmembership"]
extensions.contact_admin_action(add_contacts_to_campaign, position=2, permissions=ENROLL)
admin_extensions.admin_action("properties.Property", add_property_owners_to_campaign, position=0, permissions=ENROLL)


@extensions.contact_page_section
def contact_campaigns_section(request, contact) -> str:
    """The campaigns a homeowner is in, with their state, for the side of the contact page
    (registered in contacts.extensions: contacts knows nothing of campaigns)."""
    memberships = CampaignMembership.objects.filter(contact=contact).select_related("campaign").order_by("-id")
    return render_to_string("admin/campaigns/contact_campaigns.html", {"memberships": memberships}, request=request)

