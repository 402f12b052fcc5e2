"""Admin for our lines, the media homeowners text us (with the staff-only file view) and scheduled texts.

Copies of texted photos have no public URL: `<media id>/file/` answers only logged-in staff who
may view media, with headers that keep a browser from running anything inside the file.
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from .models import ActivityMedia, Line, MediaStatus, ScheduledText, ScheduledTextStatus
from .services import scheduled_text_cancel


@admin.register(Line)
class LineAdmin(admin.ModelAdmin):
    """Our OpenPhone lines; names come from OpenPhone and may be changed here."""

    list_display = ["__str__", "openphone_id", "number", "updated_at"]
    search_fields = ["name", "number", "openphone_id"]
    readonly_fields = ["openphone_id", "number", "updated_at"]
    fields = ["name", "openphone_id", "number", "updated_at"]

    def has_add_permission(self, request):
        return False  # lines come from OpenPhone (manage.py sync_openphone)

    def save_model(self, request, obj, form, change):
        from .selectors import line_labels_forget

        super().save_model(request, obj, form, change)
        line_labels_forget()


@admin.register(ActivityMedia)
class ActivityMediaAdmin(admin.ModelAdmin):
    """Photos, audio and video texted to us, with whether our copy worked and why not."""

    list_display = ["activity", "content_type", "size", "status", "error", "created_at", "view_link"]
    list_filter = ["status", "content_type"]
    list_select_related = ["activity__contact"]
    readonly_fields = ["activity", "source_url", "content_type", "size", "status", "error", "attempts", "created_at",
                       "copied_at", "view_link"]
    fields = readonly_fields
    search_fields = ["activity__contact__first_name", "activity__contact__last_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<path:object_id>/file/", self.admin_site.admin_view(self.file_view), name="contacts_activitymedia_file"),
            *super().get_urls(),
        ]

    @admin.display(description="File")
    def view_link(self, media):
        if media.status != MediaStatus.COPIED:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener">Open</a>',
                           reverse("admin:contacts_activitymedia_file", args=[media.pk]))

    def file_view(self, request, object_id):
        """The copied file, for staff who may view media; never from a public URL."""
        media = self.get_object(request, unquote(object_id))
        if media is None or media.status != MediaStatus.COPIED or not media.file:
            raise Http404("No copy of this file.")
        if not self.has_view_permission(request, media):
            raise PermissionDenied
        try:
            handle = media.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The copy is missing from storage.") from exc
        inline = media.content_type.startswith(("image/", "audio/", "video/"))
        response = FileResponse(
            handle, content_type=media.content_type or "application/octet-stream", as_attachment=not inline,
            filename=media.file.name.rsplit("/", 1)[-1],
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        return response


@admin.register(ScheduledText)
class ScheduledTextAdmin(admin.ModelAdmin):
    """Texts staff scheduled for later; cancel one that has not gone out yet."""

    list_display = ["send_at", "conversation", "status", "created_by", "error"]
    list_filter = ["status"]
    list_select_related = ["conversation__contact", "created_by"]
    readonly_fields = ["conversation", "body", "send_at", "created_by", "status", "activity", "error",
                       "cancelled_by", "created_at", "updated_at"]
    fields = readonly_fields
    actions = ["cancel"]

    def has_add_permission(self, request):
        return False  # scheduled from a thread or the API (contacts.services.scheduled_text_create)

    def has_change_permission(self, request, obj=None):
        return False

    def has_cancel_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description="Cancel the selected scheduled texts", permissions=["cancel"])
    def cancel(self, request, queryset):
        done = 0
        for scheduled in queryset.filter(status=ScheduledTextStatus.SCHEDULED):
            try:
                scheduled_text_cancel(scheduled_text=scheduled, by_user=request.user)
            except ValidationError:
                continue  # went out meanwhile
            done += 1
        messages.success(request, f"{done} scheduled text{'s' if done != 1 else ''} cancelled.")
