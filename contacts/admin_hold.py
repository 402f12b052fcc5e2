"""The hold on a contact's admin page: the unclear reply beside "Keep texting" and "Opt out".

Kept apart from contacts/admin.py: ContactAdmin only mixes in `HoldAdminMixin` and `HeldFilter`.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from .models import HoldDecision
from .selectors import contact_open_hold
from .services import contact_hold_decide


class HeldFilter(admin.SimpleListFilter):
    title = "on hold (unclear reply)"
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return [("yes", "On hold: a person must decide"), ("no", "Not on hold")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(texting_held=True)
        if self.value() == "no":
            return queryset.filter(texting_held=False)
        return queryset


class HoldAdminMixin:
    """Adds `<id>/hold-decision/` (POST) and the hold panel to a ModelAdmin of contacts."""

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/hold-decision/",
                self.admin_site.admin_view(self.hold_decision_view),
                name=f"{opts.app_label}_{opts.model_name}_hold_decision",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None and obj.texting_held:
            extra_context["open_hold"] = contact_open_hold(contact=obj)
            extra_context["hold_can_decide"] = self.has_change_permission(request, obj)
            extra_context["hold_decision_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_hold_decision", args=[obj.pk],
                current_app=self.admin_site.name,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def hold_decision_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        contact = self.get_object(request, unquote(object_id))
        if contact is None:
            raise Http404("No such contact.")
        if not self.has_change_permission(request, contact):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[contact.pk],
            current_app=self.admin_site.name,
        )
        decision = request.POST.get("decision", "")
        try:
            contact_hold_decide(
                contact=contact, decision=decision, by_user=request.user,
                reason=f"Staff decided after the reply: {request.POST.get('reason', '')}".strip(": ")[:255],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(change_url)
        if decision == HoldDecision.OPT_OUT:
            messages.success(request, f"{contact} is opted out: no more texts to them.")
        else:
            messages.success(request, f"Hold lifted: {contact} can be texted again (campaigns include them again).")
        return HttpResponseRedirect(change_url)
