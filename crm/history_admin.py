"""The admin's History page with what changed (django-simple-history), for the audited models.

AuditHistoryAdmin: the History page lists every change with who, when and a diff, and reverting from
it is off (SIMPLE_HISTORY_REVERT_DISABLED: a revert would skip the services' rules). A record whose
parts live in other tables (a homeowner's numbers, a property's owners) lists their changes below.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from simple_history.admin import SimpleHistoryAdmin

CHANGE_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class Change:
    """One change of one record, in words: which field went from what to what."""

    date: datetime
    user: str
    kind: str
    record: str
    record_id: int
    fields: list[tuple[str, str, str]]  # (field, old, new)

    def summary(self) -> str:
        return "; ".join(f"{field}: {old or '—'} → {new or '—'}" for field, old, new in self.fields)


def changes_of(history, *, label: str, fields: list[str] | None = None) -> list[Change]:
    """`history` (a historical queryset, newest first) as Change rows with their diffs against the previous version."""
    records = list(history.select_related("history_user").order_by("history_date", "history_id"))
    changes = []
    previous_by_id: dict = {}
    for record in records:
        object_id = record.instance.pk
        previous = previous_by_id.get(object_id)
        if previous is None:
            names = fields or [f.name for f in record.instance._meta.fields if f.name not in ("id",)]
            diff = [(name, "", _text(getattr(record, name, ""))) for name in names
                    if record.history_type != "-" and getattr(record, name, None) not in (None, "")]
        else:
            delta = record.diff_against(previous, included_fields=fields) if fields else record.diff_against(previous)
            diff = [(c.field, _text(c.old), _text(c.new)) for c in delta.changes]
        previous_by_id[object_id] = record
        changes.append(Change(
            date=record.history_date, user=_user(record), kind=CHANGE_KINDS.get(record.history_type, "?"),
            record=label, record_id=object_id, fields=diff,
        ))
    changes.reverse()
    return changes


def _user(record) -> str:
    user = record.history_user
    return user.get_username() if user else "(system: import or task)"


def _text(value) -> str:
    return "" if value is None else str(value)


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose History page also lists `related_history(obj)` (changes of the record's parts)."""

    object_history_template = "admin/history_with_related.html"

    def related_history(self, obj) -> list[Change]:
        return []

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        related = self.related_history(obj) if obj is not None else []
        return super().history_view(request, object_id, extra_context={**(extra_context or {}), "related": related})
