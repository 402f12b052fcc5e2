"""Admin: a read-only list of what OpenPhone sent us, with a "Reprocess" action."""
from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from .handlers import HANDLERS
from .models import WebhookEvent
from .services import webhook_events_requeue

# Types OpenPhone sends that we store without a handler, offered in the filter beside the handled ones.
IGNORED_TYPES = ["call.ringing"]


class EventTypeFilter(admin.SimpleListFilter):
    """The event types we know, without a SELECT DISTINCT over the whole (large, unindexed) type column."""

    title = "type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(name, name) for name in sorted([*HANDLERS, *IGNORED_TYPES])]

    def queryset(self, request, queryset):
        return queryset.filter(type=self.value()) if self.value() else queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "status", "attempts", "received_at", "processed_at"]
    # No date hierarchy and no "all values" filter: both read the whole table on every page load.
    list_filter = ["status", EventTypeFilter, "received_at"]
    search_fields = ["=event_id"]
    ordering = ["-id"]
    actions = ["reprocess"]
    fields = [
        "event_id", "type", "status", "attempts", "received_at", "queued_at", "processed_at",
        "last_error_shown", "payload_shown",
    ]
    readonly_fields = fields
    show_full_result_count = False  # COUNT(*) over a large event table on every page load is slow

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Payload")
    def payload_shown(self, obj: WebhookEvent) -> str:
        text = json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)

    @admin.display(description="Last error")
    def last_error_shown(self, obj: WebhookEvent) -> str:
        if not obj.last_error:
            return "—"
        return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', obj.last_error)

    def has_reprocess_permission(self, request) -> bool:
        # The rows stay read-only; re-running their handlers is for staff allowed to change events.
        return request.user.has_perm("openphone.change_webhookevent")

    @admin.action(description="Reprocess selected events", permissions=["reprocess"])
    def reprocess(self, request, queryset):
        count = webhook_events_requeue(events=queryset)
        self.message_user(request, f"Queued {count} event(s) for processing again.", messages.SUCCESS)
