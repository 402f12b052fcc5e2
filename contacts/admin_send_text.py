"""The "Send text" form on a contact's admin page: one text to one homeowner, through `message_send`.

Kept apart from contacts/admin.py: ContactAdmin only mixes in `SendTextAdminMixin`.
"""
from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from crm.sms import SmsSendError

from .phone import format_phone
from .services import MAX_TEXT_LENGTH, TextRefused, message_send

# A form's one-time token is remembered this long, so a double click or a browser resubmit
# within the hour cannot text the homeowner twice.
SEND_TEXT_TOKEN_TTL_SECONDS = 3600


def _draft_key(contact_pk) -> str:
    return f"send-text-draft:{contact_pk}"


def _send_error_advice(exc: SmsSendError) -> str:
    if not exc.retryable:
        return ""
    if exc.status == 429:
        return " OpenPhone is busy; try again in a minute."
    # A timeout or an OpenPhone failure may come after the text went out.
    return " It may still have gone out: check the conversation in OpenPhone before sending it again."


class SendTextForm(forms.Form):
    body = forms.CharField(
        label="Text",
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "maxlength": MAX_TEXT_LENGTH}),
        help_text=f"Up to {MAX_TEXT_LENGTH} characters. Opt-out and the homeowner's local send window are checked before it goes out.",
    )
    token = forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex)


class SendTextAdminMixin:
    """Adds `<id>/send-text/` (POST) to a ModelAdmin of contacts, and the form to its change page."""

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/send-text/",
                self.admin_site.admin_view(self.send_text_view),
                name=f"{opts.app_label}_{opts.model_name}_send_text",
            ),
            *super().get_urls(),
        ]

    def has_send_text_permission(self, request, obj) -> bool:
        """Whoever may edit the contact may text them."""
        return self.has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if obj is not None and self.has_send_text_permission(request, obj):
            opts = self.opts
            # A refused text comes back pre-filled so nobody has to type it again.
            draft = request.session.pop(_draft_key(obj.pk), "")
            extra_context["send_text_form"] = SendTextForm(initial={"body": draft} if draft else None)
            extra_context["send_text_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_send_text", args=[obj.pk], current_app=self.admin_site.name
            )
            extra_context["send_text_blocked"] = (
                "This homeowner has opted out: texts to them are refused." if obj.opted_out
                else "This homeowner is on hold: decide on their unclear reply above before texting them."
                if obj.texting_held
                else "" if obj.phone else "This contact has no mobile number to text."
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def send_text_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        contact = self.get_object(request, unquote(object_id))
        if contact is None:
            raise Http404("No such contact.")
        if not self.has_send_text_permission(request, contact):
            raise PermissionDenied
        change_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[contact.pk],
            current_app=self.admin_site.name,
        )
        form = SendTextForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(f"{form.fields[name].label if name in form.fields else name}: {' '.join(errs)}"
                                 for name, errs in form.errors.items())
            messages.error(request, f"Text not sent: {problems}")
            return HttpResponseRedirect(change_url)
        if not cache.add(f"admin-send-text:{form.cleaned_data['token']}", contact.pk, SEND_TEXT_TOKEN_TTL_SECONDS):
            messages.warning(request, "Text not sent again: this form was already submitted once.")
            return HttpResponseRedirect(change_url)
        body = form.cleaned_data["body"]
        try:
            message_send(contact=contact, body=body, sent_by=request.user)
        except TextRefused as exc:
            request.session[_draft_key(contact.pk)] = body
            messages.error(request, f"Text not sent: {' '.join(exc.messages)}")
        except SmsSendError as exc:
            request.session[_draft_key(contact.pk)] = body
            messages.error(request, f"Text not sent: {exc}{_send_error_advice(exc)}")
        else:
            messages.success(request, f"Text sent to {contact} at {format_phone(contact.phone)}.")
        return HttpResponseRedirect(change_url)


__all__ = ["SendTextAdminMixin", "SendTextForm"]
