"""The inbox screens inside the admin site: /admin/inbox/ (the list) and /admin/inbox/<id>/ (the thread).

Thin: selectors read, services write. Seeing needs contacts.view_conversation, every action
contacts.change_conversation (both granted to Office staff and Managers, contacts/roles.py).
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crm.sms import SmsSendError

from .. import extensions
from .. import services as contact_services
from ..models import Conversation
from ..selectors import line_label
from ..services import MAX_TEXT_LENGTH, CallOutcome, TextRefused
from . import selectors, services

VIEW_PERMISSION = "contacts.view_conversation"
CHANGE_PERMISSION = "contacts.change_conversation"


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _context(request, **extra) -> dict:
    return {**admin.site.each_context(request), **extra}


def _staff_users():
    return get_user_model().objects.filter(is_active=True, is_staff=True).order_by("first_name", "username")


def _user_label(user) -> str:
    return user.get_full_name() or user.get_username()


# --- The list -----------------------------------------------------------------------------------


@require_GET
def inbox_index(request):
    _require(request, VIEW_PERMISSION)
    view = request.GET.get("view", selectors.DEFAULT_VIEW)
    if view not in selectors.VIEWS:
        view = selectors.DEFAULT_VIEW
    line = request.GET.get("line", "")
    search = request.GET.get("q", "").strip()
    now = timezone.now()
    ordered = selectors.inbox_conversations(view=view, user=request.user, line=line, search=search, now=now)
    page = Paginator(ordered.values_list("pk", flat=True), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.inbox_rows(list(page.object_list))
    return TemplateResponse(request, "admin/inbox/index.html", _context(
        request,
        title="Inbox",
        views=selectors.VIEWS,
        view=view,
        line=line,
        lines=selectors.inbox_line_choices(),
        q=search,
        page=page,
        rows=rows,
        now=now,
        stamp=selectors.inbox_stamp(),
        poll_url=reverse("inbox:poll"),
    ))


@require_GET
def inbox_poll(request):
    """What the live refresh compares: changes whenever any conversation moves."""
    _require(request, VIEW_PERMISSION)
    return JsonResponse({"stamp": selectors.inbox_stamp(), "needs_reply": selectors.inbox_needs_reply_count()})


# --- The thread ---------------------------------------------------------------------------------


class ReplyForm(forms.Form):
    body = forms.CharField(max_length=MAX_TEXT_LENGTH, strip=True)


class SnoozeForm(forms.Form):
    preset = forms.ChoiceField(choices=[("2h", ""), ("tomorrow", ""), ("monday", ""), ("custom", "")])
    until = forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class CallForm(forms.Form):
    outcome = forms.ChoiceField(choices=CallOutcome.CHOICES)
    minutes = forms.IntegerField(required=False, min_value=0, max_value=600)
    note = forms.CharField(required=False, max_length=10_000)


def _blocked_reason(contact) -> str:
    """Why the reply box is disabled (opted out, held, no number), with since when; "" if it is not."""
    blocked = getattr(contact_services, "contact_texting_blocked", None)
    if blocked is not None:
        return blocked(contact=contact)
    if contact.opted_out:
        since = f" on {timezone.localtime(contact.opted_out_at):%b %-d, %Y}" if contact.opted_out_at else ""
        reason = f" ({contact.opted_out_reason})" if contact.opted_out_reason else ""
        return f"This homeowner opted out of texts{since}{reason}: texts to them are refused."
    if not contact.phone:
        return "This contact has no mobile number to text."
    return ""


def _conversation(pk) -> Conversation:
    return get_object_or_404(Conversation.objects.select_related("contact", "assigned_to", "done_by"), pk=pk)


@require_GET
def thread(request, pk):
    _require(request, VIEW_PERMISSION)
    conversation = _conversation(pk)
    contact = conversation.contact
    now = timezone.now()
    activities = selectors.thread_activities(conversation=conversation)
    blocked = _blocked_reason(contact)
    locale, opening = (None, None) if blocked else selectors.reply_window(contact=contact, now=now)
    scheduled = list(conversation.scheduled_texts.filter(status="scheduled").order_by("send_at"))
    zone = locale.zones[0] if locale and locale.zones else None
    return TemplateResponse(request, "admin/inbox/thread.html", _context(
        request,
        title=str(contact),
        conversation=conversation,
        contact=contact,
        # What apps above contacts offer next (contacts/extensions.py; jobs: visit, follow-up, quote).
        next_steps=extensions.render_next_steps(request, contact, conversation),
        line=line_label(conversation.phone_number_id),
        activities=activities,
        latest_id=activities[-1].pk if activities else 0,
        blocked=blocked,
        opening=opening,
        # Formatted here: the template's date filter would show it in office time.
        opening_local=opening.astimezone(ZoneInfo(zone)).strftime("%-I:%M %p") if opening and zone else "",
        can_schedule=True,
        scheduled=scheduled,
        saved_replies=selectors.saved_replies_for(contact=contact),
        presets=selectors.snooze_presets(now=now),
        outcomes=CallOutcome.CHOICES,
        staff=[(u.pk, _user_label(u)) for u in _staff_users()],
        can_change=request.user.has_perm(CHANGE_PERMISSION),
        max_length=MAX_TEXT_LENGTH,
        needs_reply=conversation.waiting_for_reply and not (
            conversation.snoozed_until and conversation.snoozed_until > now
        ),
        poll_url=reverse("inbox:thread_poll", args=[conversation.pk]),
        draft=request.session.pop(f"inbox-draft:{conversation.pk}", ""),
    ))


@require_GET
def thread_poll(request, pk):
    _require(request, VIEW_PERMISSION)
    return JsonResponse({"latest": selectors.thread_latest_activity_id(conversation_id=pk)})


def _back(conversation, anchor: str = "reply") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("inbox:thread", args=[conversation.pk]) + f"#{anchor}")


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_POST
def reply(request, pk):
    _require(request, CHANGE_PERMISSION)
    conversation = _conversation(pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Text not sent: write a message of at most "
                       f"{MAX_TEXT_LENGTH} characters.")
        return _back(conversation)
    body = form.cleaned_data["body"]
    try:
        if request.POST.get("when") == "opening":
            scheduled = contact_services.scheduled_text_create(
                conversation=conversation, body=body, by_user=request.user, send_at=None
            )
            local = timezone.localtime(scheduled.send_at)
            messages.success(request, f"Text scheduled for {local:%a %b %-d, %-I:%M %p} (office time).")
        else:
            services.conversation_reply(conversation=conversation, body=body, by_user=request.user)
            messages.success(request, f"Text sent to {conversation.contact} from {line_label(conversation.phone_number_id)}.")
    except (TextRefused, ValidationError) as exc:
        request.session[f"inbox-draft:{conversation.pk}"] = body
        messages.error(request, f"Text not sent: {_errors(exc)}")
    except SmsSendError as exc:
        request.session[f"inbox-draft:{conversation.pk}"] = body
        messages.error(request, f"Text not sent: {exc} Check the conversation in OpenPhone before sending it again.")
    return _back(conversation)


@require_POST
def action(request, pk, name):
    _require(request, CHANGE_PERMISSION)
    conversation = _conversation(pk)
    user = request.user
    try:
        if name == "done":
            services.conversation_mark_done(conversation=conversation, by_user=user)
            messages.success(request, "Marked done: it leaves “Needs reply” until they write again.")
            return HttpResponseRedirect(reverse("inbox:index"))
        if name == "snooze":
            form = SnoozeForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Choose when to bring it back.")
            preset = form.cleaned_data["preset"]
            if preset == "custom":
                until = form.cleaned_data["until"]
                if until is None:
                    raise ValidationError("Choose the date and time to bring it back.")
                until = until if timezone.is_aware(until) else timezone.make_aware(until, selectors.business_zone())
            else:
                until = selectors.snooze_presets()[preset][1]
            services.conversation_snooze(conversation=conversation, until=until, by_user=user)
            messages.success(request, f"Snoozed until {timezone.localtime(until):%a %b %-d, %-I:%M %p}, "
                             "or until they write again.")
            return HttpResponseRedirect(reverse("inbox:index"))
        if name == "assign":
            raw = request.POST.get("user", "")
            assignee = get_object_or_404(_staff_users(), pk=raw) if raw else None
            services.conversation_assign(conversation=conversation, user=assignee, by_user=user)
            messages.success(request, f"Assigned to {_user_label(assignee)}." if assignee else "Unassigned.")
        elif name == "note":
            services.conversation_note_add(conversation=conversation, body=request.POST.get("body", ""), by_user=user)
            messages.success(request, "Note added.")
        elif name == "call":
            form = CallForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Choose what happened on the call (minutes: 0 to 600).")
            services.conversation_call_log(conversation=conversation, by_user=user, **form.cleaned_data)
            messages.success(request, "Call logged.")
        elif name == "cancel-scheduled":
            scheduled = get_object_or_404(conversation.scheduled_texts.all(), pk=request.POST.get("scheduled"))
            contact_services.scheduled_text_cancel(scheduled_text=scheduled, by_user=user)
            messages.success(request, "Scheduled text cancelled: it will not be sent.")
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, f"Nothing changed: {_errors(exc)}")
    return _back(conversation, "actions")


