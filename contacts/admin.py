"""Admin for homeowners: the office's main screen.

Find a homeowner by name, email, property address or a phone number typed any way; read
their timeline; tag, opt out or export them. Writes go through contacts.services.
"""
from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from crm.admin_a11y import LabelledInlineFormSet
from crm.admin_extensions import RegisteredActionsMixin
from crm.history_admin import AuditHistoryAdmin, changes_of

from . import extensions
from .admin_hold import HeldFilter, HoldAdminMixin
from .admin_send_text import SendTextAdminMixin
from .merge_fields import MERGE_FIELDS, validate_template
from .models import Activity, Contact, ContactPhone, Conversation, OptOutEvent, SavedReply, Tag, TextingHold
from .phone import format_phone
from .selectors import (
    TIMELINE_LIMIT,
    contact_timeline,
    contacts_matching_phone,
    contacts_with_list_facts,
    line_label,
)
from .services import (
    contact_bulk_opt_out,
    contact_keep_main_phone,
    contact_phones_mark_deliverable,
    contacts_add_tag,
)

# Names listed on an action's confirmation page before "and N more".
CONFIRMATION_NAMES_SHOWN = 20


class ForbiddenActionIs403Mixin:
    """An action the user may not run answers 403 instead of Django's quiet "No action selected"."""

    def response_action(self, request, queryset):
        name = request.POST.get("action", "")
        known = {action_name for _, action_name, _ in self._get_base_actions()}
        if name in known and name not in self.get_actions(request):
            raise PermissionDenied(f"You may not run the action “{name}”.")
        return super().response_action(request, queryset)


class PhoneSearchMixin:
    """Django's word search, widened by homeowners whose number matches the term typed any way.

    Subclasses say how matching contacts filter their own model in `phone_matches`.
    """

    def phone_matches(self, contacts) -> Q:
        raise NotImplementedError

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        contacts = contacts_matching_phone(term=search_term)
        if contacts is not None:
            results = results | queryset.filter(self.phone_matches(contacts.values("pk")))
        return results, may_have_duplicates


# --- Forms ---------------------------------------------------------------------------------


class PhoneField(forms.CharField):
    """A phone number as people type it; the model stores it as E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("empty_value", None)
        kwargs.setdefault("help_text", "Any format: (617) 555-0123, 617.555.0123, +1 617 555 0123.")
        super().__init__(**kwargs)


class LinkedDuplicatePhoneMixin:
    """Shows "this number already belongs to …" with a link to that homeowner's page."""

    def add_error(self, field, error):
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            error = ValidationError({name: [_linked(e) for e in errors] for name, errors in error.error_dict.items()})
        super().add_error(field, error)


def _linked(error: ValidationError) -> ValidationError:
    if error.code != "phone_duplicate":
        return error
    url = reverse("admin:contacts_contact_change", args=[error.params["contact_id"]])
    message = format_html('This phone number already belongs to <a href="{}">{}</a>.', url, error.params["name"])
    return ValidationError(message, code=error.code, params=error.params)


class ContactAdminForm(LinkedDuplicatePhoneMixin, forms.ModelForm):
    phone = PhoneField(required=False, label="Mobile phone")

    class Meta:
        model = Contact
        fields = [
            "first_name", "last_name", "phone", "email", "lead_status", "source", "tags", "notes",
            "mailing_address", "mailing_city", "mailing_state", "mailing_zip",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.phone:
            self.initial["phone"] = format_phone(self.instance.phone)


class ContactPhoneForm(LinkedDuplicatePhoneMixin, forms.ModelForm):
    phone = PhoneField(label="Number")

    class Meta:
        model = ContactPhone
        fields = ["phone", "label"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.phone:
            self.initial["phone"] = format_phone(self.instance.phone)


class OptOutReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        label="Reason",
        help_text="Kept on each homeowner's opt-out record, e.g. “Asked by phone not to be texted”.",
        widget=forms.TextInput(attrs={"size": 60, "autofocus": True}),
    )


class AddTagForm(forms.Form):
    tag_name = forms.CharField(
        max_length=64,
        label="Tag",
        help_text="An existing tag or a new one, e.g. “Worcester mailer”.",
        widget=forms.TextInput(attrs={"size": 40, "autofocus": True, "list": "existing-tags"}),
    )


# --- Inlines -------------------------------------------------------------------------------


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    formset = LabelledInlineFormSet  # each row's inputs named after their column
    form = ContactPhoneForm
    extra = 0
    can_delete = False  # a person's numbers are kept, never dropped
    fields = ["phone", "label", "texting", "created_at"]
    readonly_fields = ["texting", "created_at"]
    verbose_name = "phone number"
    verbose_name_plural = "All phone numbers"

    @admin.display(description="Texting")
    def texting(self, number) -> str:
        if number is None or number.pk is None:
            return "–"
        if number.undeliverable_since:
            return format_html(
                '<strong class="undeliverable">Undeliverable since {}</strong> ({} failed texts); not texted. '
                "Use “Text these numbers again” on the contact list to undo.",
                f"{number.undeliverable_since:%b %-d, %Y}", number.delivery_failures,
            )
        if number.delivery_failures:
            return f"{number.delivery_failures} failed text(s) in a row"
        return "OK"


class OptOutEventInline(admin.TabularInline):
    model = OptOutEvent
    formset = LabelledInlineFormSet  # each row's inputs named after their column
    extra = 0
    can_delete = False
    fields = ["occurred_at", "opted_out", "reason", "source", "by_user"]
    readonly_fields = fields
    ordering = ["-occurred_at"]
    verbose_name = "opt-out record"
    verbose_name_plural = "Opt-out history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by_user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TextingHoldInline(admin.TabularInline):
    model = TextingHold
    extra = 0
    can_delete = False
    fields = ["held_at", "reason", "source", "decision", "decided_by", "decided_at"]
    readonly_fields = fields
    verbose_name = "hold"
    verbose_name_plural = "Holds (unclear replies that paused texting)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Filters -------------------------------------------------------------------------------


class WaitingForReplyFilter(admin.SimpleListFilter):
    title = "waiting for our reply"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(waiting_for_reply_=True)
        if self.value() == "no":
            return queryset.filter(waiting_for_reply_=False)
        return queryset


class MostRecentlyActiveFirstChangeList(ChangeList):
    """Unless a column is clicked, the office sees who talked to us most recently first.

    Done here rather than in ModelAdmin.ordering, which Django also applies to contact
    pickers on other pages, where the list annotations do not exist.
    """

    def get_ordering(self, request, queryset):
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return [F("last_activity_at_").desc(nulls_last=True), "-pk"]

    def get_ordering_field_columns(self):
        if ORDER_VAR in self.params:
            return super().get_ordering_field_columns()
        return {self.list_display.index("last_activity"): "desc"}


# --- Admins --------------------------------------------------------------------------------


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_count", "created_at"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(contact_count=Count("contacts"))

    @admin.display(description="Homeowners", ordering="contact_count")
    def contact_count(self, tag):
        url = reverse("admin:contacts_contact_changelist") + f"?tags__id__exact={tag.pk}"
        return format_html('<a href="{}">{}</a>', url, tag.contact_count)


@admin.register(Contact)
class ContactAdmin(RegisteredActionsMixin, HoldAdminMixin, SendTextAdminMixin, ForbiddenActionIs403Mixin, PhoneSearchMixin,
                   AuditHistoryAdmin):
    form = ContactAdminForm
    list_display = [
        "name", "phone_formatted", "status_badge", "tag_list", "first_property_display", "property_count_display",
        "last_activity", "do_not_text",
    ]
    list_display_links = ["name"]
    list_filter = [
        "lead_status", WaitingForReplyFilter, HeldFilter, "tags", "opted_out", "source", ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["first_name", "last_name", "email", "property_links__property__address"]
    search_help_text = "Name, email, property address, or a phone number typed any way: (617) 555-0123, 617.555.0123"
    list_per_page = 50
    autocomplete_fields = ["tags"]
    readonly_fields = ["opted_out", "opted_out_at", "opted_out_reason", "openphone_contact_id", "created_at",
                       "updated_at"]
    fieldsets = [
        (None, {"fields": [("first_name", "last_name"), "phone", "email", ("lead_status", "source"), "tags"]}),
        ("Mailing address", {"fields": ["mailing_address", ("mailing_city", "mailing_state", "mailing_zip")]}),
        ("Notes", {"fields": ["notes"]}),
        ("Do not text", {
            "fields": [("opted_out", "opted_out_at", "opted_out_reason")],
            "description": "Set by the homeowner's STOP reply or the “Mark as do-not-text” action; kept in the "
                           "opt-out history below.",
        }),
        ("System", {"fields": ["openphone_contact_id", ("created_at", "updated_at")], "classes": ["collapse"]}),
    ]
    # The page's own; properties adds the homeowner's houses and campaigns its "Add to campaign…"
    # action through contacts/extensions.py (this app knows neither).
    own_inlines = [ContactPhoneInline, OptOutEventInline, TextingHoldInline]
    own_actions = ["mark_opted_out", "add_tag", "mark_numbers_deliverable", "export_csv", "export_history_csv"]

    @property
    def inlines(self):
        return extensions.admin_inlines(self.own_inlines)

    class Media:
        css = {"all": ["contacts/admin.css"]}

    def get_queryset(self, request):
        return contacts_with_list_facts(super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return MostRecentlyActiveFirstChangeList

    def phone_matches(self, contacts) -> Q:
        return Q(pk__in=contacts)

    # --- list columns ---

    @admin.display(description="Name", ordering="last_name")
    def name(self, contact):
        return contact.full_name or contact.email or "(no name)"

    @admin.display(description="Phone", ordering="phone")
    def phone_formatted(self, contact):
        return format_html('<span class="nowrap">{}</span>', format_phone(contact.phone)) if contact.phone else "—"

    @admin.display(description="Status", ordering="lead_status")
    def status_badge(self, contact):
        return format_html(
            '<span class="lead-badge lead-{}">{}</span>', contact.lead_status, contact.get_lead_status_display()
        )

    @admin.display(description="Tags")
    def tag_list(self, contact):
        tags = list(contact.tags.all())  # prefetched: no query per row
        if not tags:
            return ""
        return format_html_join(" ", '<span class="tag-chip">{}</span>', ((t.name,) for t in tags))

    @admin.display(description="Property", ordering="first_property")
    def first_property_display(self, contact):
        return contact.first_property or "—"

    @admin.display(description="Houses", ordering="property_count")
    def property_count_display(self, contact):
        return contact.property_count

    @admin.display(description="Last activity", ordering="last_activity_at_")
    def last_activity(self, contact):
        at = contact.last_activity_at_
        if at is None:
            return "—"
        local = timezone.localtime(at)
        days_ago = (timezone.localdate() - local.date()).days
        day = {0: "Today", 1: "Yesterday"}.get(days_ago) or date_format(local, "MONTH_DAY_FORMAT")
        label = format_html('<span class="nowrap" title="{}">{}, {}</span>', date_format(local, "DATETIME_FORMAT"),
                            day, date_format(local, "TIME_FORMAT"))
        if contact.waiting_for_reply_:
            return format_html('{} <span class="waiting-badge" title="Their message awaits our reply">waiting</span>',
                               label)
        return label

    @admin.display(description="Texts", ordering="opted_out")
    def do_not_text(self, contact):
        if contact.opted_out:
            return format_html('<span class="dnt-badge" title="{}">Do not text</span>', contact.opted_out_reason)
        if contact.texting_held:
            return format_html('<span class="held-badge" title="{}">On hold</span>', "A person must decide on an unclear reply")
        return ""

    # --- change page ---

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            timeline = list(contact_timeline(contact=obj))
            context["timeline"] = timeline
            context["timeline_limit"] = TIMELINE_LIMIT
            if len(timeline) >= TIMELINE_LIMIT:
                context["timeline_more_url"] = (
                    reverse("admin:contacts_activity_changelist") + f"?contact__id__exact={obj.pk}"
                )
            context["waiting_for_reply"] = obj.conversations.filter(waiting_for_reply=True).exists()
            # What apps above contacts add to the page (contacts/extensions.py): campaigns, next steps.
            context["side_sections"] = extensions.render_sections(request, obj)
            context["next_steps"] = extensions.render_next_steps(request, obj)
            # Linking a mentioned house is the properties app's view (by URL name; no import of it here).
            context["can_link_mentions"] = request.user.has_perm("properties.add_propertycontact")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        contact_keep_main_phone(contact=form.instance)

    # --- actions ---

    def _confirmation(self, request, queryset, *, action: str, title: str, form, template: str, **extra):
        names = [str(c) for c in queryset[:CONFIRMATION_NAMES_SHOWN]]
        total = queryset.count()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "action": action,
            "names": names,
            "more": max(total - len(names), 0),
            "total": total,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            **extra,
        }
        return TemplateResponse(request, template, context)

    @admin.action(description="Mark selected as do-not-text (opt out)", permissions=["change"])
    def mark_opted_out(self, request, queryset):
        form = OptOutReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            changed = contact_bulk_opt_out(
                contacts=queryset.order_by("pk"), reason=form.cleaned_data["reason"], by_user=request.user
            )
            total = queryset.count()
            self.message_user(
                request,
                f"{changed} homeowner(s) marked do-not-text; {total - changed} already were (their record notes "
                f"this request too).",
                messages.SUCCESS,
            )
            return None
        return self._confirmation(
            request, queryset, action="mark_opted_out", title="Mark as do-not-text", form=form,
            template="admin/contacts/contact/action_opt_out.html",
        )

    @admin.action(description="Add a tag to selected", permissions=["change"])
    def add_tag(self, request, queryset):
        form = AddTagForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            name = form.cleaned_data["tag_name"]
            try:
                added = contacts_add_tag(contact_ids=queryset.values_list("pk", flat=True), tag_name=name)
            except ValidationError as exc:
                form.add_error("tag_name", exc)
            else:
                self.message_user(request, f"Tagged {added} homeowner(s) “{name.strip()}”.", messages.SUCCESS)
                return None
        return self._confirmation(
            request, queryset, action="add_tag", title="Add a tag", form=form,
            template="admin/contacts/contact/action_add_tag.html",
            existing_tags=Tag.objects.values_list("name", flat=True)[:500],
        )

    def related_history(self, contact):
        return changes_of(ContactPhone.history.filter(contact_id=contact.pk), label="Phone number",
                          fields=["phone", "label"])

    @admin.action(description="Export selected with their change history (data request)", permissions=["view"])
    def export_history_csv(self, request, queryset):
        """What we hold on each selected person and every change to it: the person's row as in
        "Export selected to CSV", then one line per changed field of them and their numbers."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="homeowner-data-request-{stamp}.csv"'
        writer = csv.writer(response)
        contacts = list(queryset.order_by("last_name", "first_name", "pk"))
        writer.writerow(CSV_COLUMNS)
        for contact in contacts:
            writer.writerow(_csv_row(contact))
        writer.writerow([])
        writer.writerow(HISTORY_CSV_COLUMNS)
        for contact in contacts:
            changes = [
                *changes_of(Contact.history.filter(id=contact.pk), label="Homeowner"),
                *changes_of(ContactPhone.history.filter(contact_id=contact.pk), label="Phone number",
                            fields=["phone", "label"]),
            ]
            for change in sorted(changes, key=lambda c: c.date):
                for field, old, new in change.fields or [("", "", "")]:
                    value = (lambda v: v) if field == "phone" else _cell  # E.164 stays as in the main export
                    writer.writerow([
                        contact.pk, change.record, change.record_id, _iso(change.date), _cell(change.user),
                        change.kind, field, value(old), value(new),
                    ])
        return response

    @admin.action(description="Text these numbers again (clear “undeliverable”)", permissions=["change"])
    def mark_numbers_deliverable(self, request, queryset):
        cleared = contact_phones_mark_deliverable(contacts=queryset, by_user=request.user)
        self.message_user(
            request, f"{cleared} number(s) may be texted again." if cleared else
            "None of the selected homeowners had a number marked undeliverable.",
            messages.SUCCESS if cleared else messages.INFO,
        )

    @admin.action(description="Export selected to CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="homeowners-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for contact in queryset.order_by("last_name", "first_name", "pk").iterator(chunk_size=500):
            writer.writerow(_csv_row(contact))
        return response


HISTORY_CSV_COLUMNS = ["contact_id", "record", "record_id", "changed_at", "changed_by", "change", "field", "old", "new"]


CSV_COLUMNS = [
    "id", "first_name", "last_name", "phone", "email", "lead_status", "source", "tags", "opted_out",
    "opted_out_at", "opted_out_reason", "mailing_address", "mailing_city", "mailing_state", "mailing_zip",
    "property", "property_count", "last_activity_at", "created_at",
]
# A cell starting with one of these is run as a formula by spreadsheets; a quote keeps it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _csv_row(contact: Contact) -> list[str]:
    return [
        str(contact.pk),
        _cell(contact.first_name),
        _cell(contact.last_name),
        contact.phone or "",  # E.164 on purpose: spreadsheets and re-imports read it back as a number
        _cell(contact.email),
        contact.lead_status,
        contact.source,
        _cell("; ".join(t.name for t in contact.tags.all())),
        "yes" if contact.opted_out else "no",
        _iso(contact.opted_out_at),
        _cell(contact.opted_out_reason),
        _cell(contact.mailing_address),
        _cell(contact.mailing_city),
        contact.mailing_state,
        contact.mailing_zip,
        _cell(contact.first_property or ""),
        str(contact.property_count),
        _iso(contact.last_activity_at_),
        _iso(contact.created_at),
    ]


class ConversationLineFilter(admin.SimpleListFilter):
    """Conversations by our line, listed by the line's name and number."""

    title = "line"
    parameter_name = "phone_number_id"

    def lookups(self, request, model_admin):
        ids = Conversation.objects.order_by().values_list("phone_number_id", flat=True).distinct()
        return sorted(((pn, line_label(pn)) for pn in ids), key=lambda item: item[1].lower())

    def queryset(self, request, queryset):
        return queryset.filter(phone_number_id=self.value()) if self.value() else queryset


@admin.register(Conversation)
class ConversationAdmin(PhoneSearchMixin, admin.ModelAdmin):
    list_display = ["contact", "line", "last_activity_at", "waiting_for_reply", "assigned_to", "inbox_link"]
    list_filter = ["waiting_for_reply", ConversationLineFilter]
    list_select_related = ["contact", "assigned_to"]
    search_fields = ["contact__first_name", "contact__last_name", "contact__phone"]
    autocomplete_fields = ["contact"]
    raw_id_fields = ["assigned_to", "done_by"]
    readonly_fields = ["openphone_conversation_id", "created_at"]
    date_hierarchy = "last_activity_at"

    def phone_matches(self, contacts) -> Q:
        return Q(contact__in=contacts)

    @admin.display(description="Line", ordering="phone_number_id")
    def line(self, conversation):
        return line_label(conversation.phone_number_id)

    @admin.display(description="Messages")
    def inbox_link(self, conversation):
        return format_html('<a href="{}">Open in the inbox</a>', reverse("inbox:thread", args=[conversation.pk]))


@admin.register(Activity)
class ActivityAdmin(PhoneSearchMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "contact", "kind", "direction", "short_body", "reading_category", "reading_rule",
                    "status", "sent_by"]
    list_filter = ["kind", "direction", "reading_category", "reading_opt_out", "status",
                   ("occurred_at", admin.DateFieldListFilter)]
    list_select_related = ["contact", "sent_by"]
    search_fields = ["contact__first_name", "contact__last_name", "body", "summary"]
    autocomplete_fields = ["contact"]
    raw_id_fields = ["conversation", "sent_by"]
    readonly_fields = ["openphone_id", "reading_category", "reading_opt_out", "reading_rule", "reading_addresses",
                       "created_at", "updated_at"]
    date_hierarchy = "occurred_at"

    def phone_matches(self, contacts) -> Q:
        return Q(contact__in=contacts)

    @admin.display(description="Text / summary")
    def short_body(self, activity):
        return Truncator(activity.body or activity.summary).chars(80)



class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "cols": 70})}

    def clean_body(self):
        body = self.cleaned_data["body"]
        validate_template(body)
        return body


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    """Replies the office sends often; the inbox offers them above its reply box."""

    form = SavedReplyForm
    list_display = ["title", "short_body", "updated_at"]
    search_fields = ["title", "body"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        fields = ", ".join(f"{{{name}}} ({what})" for name, what in MERGE_FIELDS.items())
        kwargs.setdefault("help_texts", {})["body"] = (
            f"Filled in for the homeowner being answered: {fields}. A fallback for an empty field: "
            "{first_name|there}. Staff can edit the text before sending."
        )
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description="Text")
    def short_body(self, reply):
        return Truncator(reply.body).chars(80)


from . import admin_office  # noqa: E402,F401  (registers lines, media and scheduled texts)
