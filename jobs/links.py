"""The one-click "Schedule estimate", "Add follow-up" and "New quote" links for a homeowner.

jobs/admin.py shows them on the homeowner page and under an inbox thread (contacts.extensions.next_step).
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse


def homeowner_action_links(*, contact_id: int, property_id: int | None = None,
                           conversation_id: int | None = None) -> list[tuple[str, str]]:
    """(label, URL) of the admin add forms, prefilled with the homeowner, their house and the thread."""
    base = {"contact": contact_id}
    if property_id:
        base["property"] = property_id
    task = dict(base)
    if conversation_id:
        task["conversation"] = conversation_id
    return [
        ("Schedule estimate", reverse("admin:jobs_appointment_add") + "?" + urlencode({**base, "kind": "estimate"})),
        ("Add follow-up", reverse("admin:jobs_followuptask_add") + "?" + urlencode(task)),
        ("New quote", reverse("admin:jobs_quote_add") + "?" + urlencode(base)),
    ]
