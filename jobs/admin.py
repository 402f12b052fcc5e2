"""Admin for follow-ups, visits, quotes and jobs, the "My day" page and the calendar address.

Saving goes through jobs.services (lead status, sequence numbers, attribution, closing tasks);
the forms show the models' own validation messages at the field they are about.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from contacts import extensions

from . import selectors, services
from .links import homeowner_action_links
from .models import Appointment, CalendarFeed, FollowUpTask, Job, Quote, ReminderTemplate


class ServiceSavingAdmin(admin.ModelAdmin):
    """Creates and changes records through the app's services instead of Model.save()."""

    editable: set[str] = set()

    def service_create(self, request, data: dict):
        raise NotImplementedError

    def service_update(self, request, current, changes: dict):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        data = {name: value for name, value in form.cleaned_data.items() if name in self.editable}
        with transaction.atomic():
            if change:
                current = type(obj).objects.get(pk=obj.pk)
                saved = self.service_update(
                    request, current, {name: data[name] for name in form.changed_data if name in data}
                )
            else:
                saved = self.service_create(request, data)
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # no many-to-many fields or inlines


def _local(moment):
    return timezone.localtime(moment).strftime("%a %b %-d, %-I:%M %p") if moment else "—"


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ServiceSavingAdmin):
    list_display = ["title", "contact", "due", "assignee", "origin", "done"]
    list_filter = ["origin", ("done_at", admin.EmptyFieldListFilter), "assignee"]
    search_fields = ["title", "contact__first_name", "contact__last_name", "contact__phone"]
    autocomplete_fields = ["contact", "property"]
    raw_id_fields = ["conversation"]
    fields = ["title", "due_at", "contact", "property", "conversation", "assignee", "notes"]
    readonly_fields = ["origin", "done_at", "done_by", "closed_reason"]
    actions = ["mark_done"]
    editable = services.TASK_EDITABLE

    def get_fields(self, request, obj=None):
        return self.fields + (self.readonly_fields if obj else [])

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact", "assignee")

    @admin.display(description="Due", ordering="due_at")
    def due(self, task):
        return _local(task.due_at)

    @admin.display(description="Done", boolean=True, ordering="done_at")
    def done(self, task):
        return task.done_at is not None

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("assignee", request.user.pk)
        initial.setdefault("due_at", timezone.localtime().replace(second=0, microsecond=0))
        initial.setdefault("title", "Call back")
        return initial

    def service_create(self, request, data):
        return services.task_create(**data)

    def service_update(self, request, current, changes):
        return services.task_update(task=current, **changes)

    @admin.action(description="Mark the selected tasks done", permissions=["change"])
    def mark_done(self, request, queryset):
        count = sum(services.task_complete(task=task, by_user=request.user) for task in queryset)
        self.message_user(request, f"{count} task(s) marked done.", messages.SUCCESS)

    # --- "My day" and the calendar address --------------------------------------------------
    def get_urls(self):
        return [
            path("my-day/", self.admin_site.admin_view(self.my_day_view), name="jobs_my_day"),
            path("my-calendar/", self.admin_site.admin_view(self.my_calendar_view), name="jobs_my_calendar"),
            *super().get_urls(),
        ]

    def my_day_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        day = selectors.my_day()
        context = {
            **self.admin_site.each_context(request), "title": f"My day: {day.today:%A, %B %-d}", "day": day,
            "now": timezone.now(), "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/jobs/my_day.html", context)

    def my_calendar_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            services.calendar_feed_revoke(user=request.user)
            self.message_user(request, "Your calendar has a new address; the old one no longer works.",
                              messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:jobs_my_calendar"))
        feed = services.calendar_feed_get_or_create(user=request.user)
        context = {
            **self.admin_site.each_context(request), "title": "My calendar", "opts": self.model._meta,
            "feed_url": request.build_absolute_uri(reverse("jobs:calendar_feed", args=[feed.token])),
        }
        return TemplateResponse(request, "admin/jobs/my_calendar.html", context)


@admin.register(Appointment)
class AppointmentAdmin(ServiceSavingAdmin):
    list_display = ["contact", "kind", "starts", "assignee", "state", "reminder_result", "campaign", "variant"]
    list_filter = ["kind", "state", "assignee", "campaign"]
    search_fields = ["contact__first_name", "contact__last_name", "contact__phone", "property__address"]
    autocomplete_fields = ["contact", "property"]
    date_hierarchy = "starts_at"
    fields = ["contact", "property", "kind", "starts_at", "ends_at", "assignee", "state", "send_reminder", "notes"]
    readonly_fields = ["sequence", "reminder_sent_at", "reminder_result", "campaign", "variant"]
    editable = services.APPOINTMENT_EDITABLE

    def get_fields(self, request, obj=None):
        if obj is None:  # a new visit is scheduled; its state changes later
            return [name for name in self.fields if name != "state"]
        return self.fields + self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact", "assignee", "campaign")

    @admin.display(description="When", ordering="starts_at")
    def starts(self, visit):
        return _local(visit.starts_at)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("assignee", request.user.pk)
        return initial

    def service_create(self, request, data):
        return services.appointment_create(created_by=request.user, **data)

    def service_update(self, request, current, changes):
        return services.appointment_update(appointment=current, **changes)


class JobInline(admin.StackedInline):
    model = Job
    extra = 0
    can_delete = False
    fields = ["scheduled_on", "done_on", "amount_invoiced", "paid_on"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(ServiceSavingAdmin):
    list_display = ["__str__", "contact", "amount", "state", "sent_on", "campaign", "variant"]
    list_filter = ["state", "campaign"]
    search_fields = ["contact__first_name", "contact__last_name", "contact__phone", "property__address"]
    autocomplete_fields = ["contact", "property"]
    fields = ["contact", "property", "amount", "line_items", "state", "sent_on"]
    readonly_fields = ["decided_on", "campaign", "variant", "created_by"]
    editable = services.QUOTE_EDITABLE
    inlines = [JobInline]

    def get_fields(self, request, obj=None):
        return self.fields + (self.readonly_fields if obj else [])

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact", "campaign")

    def service_create(self, request, data):
        return services.quote_create(created_by=request.user, **data)

    def service_update(self, request, current, changes):
        return services.quote_update(quote=current, **changes)

    def save_formset(self, request, form, formset, change):
        pass  # the job inline is read-only

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(Job)
class JobAdmin(ServiceSavingAdmin):
    list_display = ["__str__", "scheduled_on", "done_on", "amount_invoiced", "paid_on"]
    list_filter = [("paid_on", admin.EmptyFieldListFilter), ("done_on", admin.EmptyFieldListFilter)]
    search_fields = ["quote__contact__first_name", "quote__contact__last_name", "quote__contact__phone"]
    raw_id_fields = ["quote"]
    fields = ["quote", "scheduled_on", "done_on", "amount_invoiced", "paid_on", "notes"]
    editable = services.JOB_EDITABLE | {"quote"}

    def get_readonly_fields(self, request, obj=None):
        return ["quote"] if obj else []

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("quote__contact")

    def service_create(self, request, data):
        return services.job_create(**data)

    def service_update(self, request, current, changes):
        changes.pop("quote", None)
        return services.job_update(job=current, **changes)


@admin.register(ReminderTemplate)
class ReminderTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Managers can see whose calendar has an address and delete one (the address stops working)."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request):
        return False


@extensions.next_step
def homeowner_next_steps(request, contact, conversation=None) -> str:
    """"Schedule estimate", "Add follow-up" and "New quote" above "Send text" on the homeowner page and
    under an inbox thread (with the conversation filled in for a follow-up), as far as the user may add them.
    Registered in contacts.extensions: contacts knows nothing of jobs."""
    property_id = contact.property_links.order_by("id").values_list("property_id", flat=True).first()
    links = homeowner_action_links(contact_id=contact.pk, property_id=property_id,
                                   conversation_id=getattr(conversation, "pk", None))
    needed = ["jobs.add_appointment", "jobs.add_followuptask", "jobs.add_quote"]
    allowed = [link for link, perm in zip(links, needed, strict=True) if request.user.has_perm(perm)]
    return render_to_string("admin/jobs/homeowner_actions.html", {"links": allowed}, request=request)
