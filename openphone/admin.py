"""Admin: a read-only list of what OpenPhone sent us, with a "Reprocess" action."""
from __future__ import annotations

import json

from django.contrib import admin, messages
from django.utils.html import format_html

from .models import WebhookEvent
from .services import webhook_events_requeue


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "status", "attempts", "received_at", "processed_at"]
    list_filter = ["status", "type"]
    search_fields = ["=event_id"]
    date_hierarchy = "received_at"
    ordering = ["-received_at"]
    actions = ["reprocess"]
    fields = ["event_id", "type", "status", "attempts", "received_at", "processed_at", "last_error_shown", "payload_shown"]
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
