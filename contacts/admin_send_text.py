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
from .selectors import contact_reply_lines, line_label
from .services import (
    MAX_TEXT_LENGTH,
    CallOutcome,
    TextRefused,
    call_log_create,
    contact_texting_blocked,
    message_send,
    note_create,
)

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
    line = forms.ChoiceField(
        label="From line", required=False,
        help_text="Replies go out on the line of the homeowner's latest conversation unless you pick another.",
    )
    token = forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex)

    def __init__(self, *args, lines: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = list(lines)
        if lines:
            self.fields["line"].initial = lines[0][0]

    def clean_line(self) -> str:
        """The chosen line, else the homeowner's latest conversation's (never silently the default line)."""
        chosen = self.cleaned_data.get("line")
        return chosen or (self.fields["line"].choices[0][0] if self.fields["line"].choices else "")


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))


class LogCallForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=CallOutcome.CHOICES)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))


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
            path(
                "<path:object_id>/add-note/",
                self.admin_site.admin_view(self.add_note_view),
                name=f"{opts.app_label}_{opts.model_name}_add_note",
            ),
            path(
                "<path:object_id>/log-call/",
                self.admin_site.admin_view(self.log_call_view),
                name=f"{opts.app_label}_{opts.model_name}_log_call",
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
            # A refused text comes back pre-filled so nobody has to type it again.
            draft = request.session.pop(_draft_key(obj.pk), "")
            lines = contact_reply_lines(contact=obj)
            extra_context["send_text_form"] = SendTextForm(initial={"body": draft} if draft else None, lines=lines)
            extra_context["send_text_url"] = self._contact_url("send_text", obj)
            extra_context["send_text_blocked"] = contact_texting_blocked(contact=obj)
            extra_context["threads"] = [
                {"id": c.pk, "line": line_label(c.phone_number_id), "waiting": c.waiting_for_reply}
                for c in obj.conversations.order_by("-last_activity_at", "-id")
            ]
            extra_context["note_form"] = NoteForm()
            extra_context["note_url"] = self._contact_url("add_note", obj)
            extra_context["log_call_form"] = LogCallForm()
            extra_context["log_call_url"] = self._contact_url("log_call", obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _contact_url(self, name: str, contact) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=[contact.pk],
                       current_app=self.admin_site.name)

    def _posted_contact(self, request, object_id):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        contact = self.get_object(request, unquote(object_id))
        if contact is None:
            raise Http404("No such contact.")
        if not self.has_send_text_permission(request, contact):
            raise PermissionDenied
        return contact, None

    def add_note_view(self, request, object_id):
        contact, refused = self._posted_contact(request, object_id)
        if refused:
            return refused
        form = NoteForm(request.POST)
        if form.is_valid():
            note_create(contact=contact, body=form.cleaned_data["body"], by_user=request.user)
            messages.success(request, "Note added to the timeline.")
        else:
            messages.error(request, "Note not added: it needs some text.")
        return HttpResponseRedirect(self._contact_url("change", contact) + "#timeline")

    def log_call_view(self, request, object_id):
        contact, refused = self._posted_contact(request, object_id)
        if refused:
            return refused
        form = LogCallForm(request.POST)
        if form.is_valid():
            conversation = contact.conversations.order_by("-last_activity_at", "-id").first()
            call_log_create(contact=contact, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"],
                            by_user=request.user, conversation=conversation)
            messages.success(request, "Call logged on the timeline.")
        else:
            messages.error(request, "Call not logged: choose what came of it.")
        return HttpResponseRedirect(self._contact_url("change", contact) + "#timeline")

    def send_text_view(self, request, object_id):
        contact, refused = self._posted_contact(request, object_id)
        if refused:
            return refused
        change_url = self._contact_url("change", contact)
        form = SendTextForm(request.POST, lines=contact_reply_lines(contact=contact))
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
            # The homeowner's own line (their latest conversation's unless staff chose another of
            # theirs), so the reply lands in the thread they wrote to and clears "waiting".
            message_send(contact=contact, body=body, sent_by=request.user, from_line=form.cleaned_data["line"])
        except TextRefused as exc:
            request.session[_draft_key(contact.pk)] = body
            messages.error(request, f"Text not sent: {' '.join(exc.messages)}")
        except SmsSendError as exc:
            request.session[_draft_key(contact.pk)] = body
            messages.error(request, f"Text not sent: {exc}{_send_error_advice(exc)}")
        else:
            messages.success(request, f"Text sent to {contact} at {format_phone(contact.phone)}.")
        return HttpResponseRedirect(change_url)


__all__ = ["LogCallForm", "NoteForm", "SendTextAdminMixin", "SendTextForm"]
