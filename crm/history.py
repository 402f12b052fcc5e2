"""Audit history for writes that bypass save(): bulk statements and QuerySet.update().

django-simple-history records a change when a model instance is saved. Services that change many
rows at once (the campaign dispatcher, lead statuses moved by replies, imports) write with UPDATE or
COPY, which sends no signal. These helpers add the history rows themselves, set-based: one
INSERT ... SELECT per statement copies each changed row, as it stands after the change, into the
model's historical table with who did it (a user, or none for the system) and why.

    audited_update(Contact.objects.filter(pk=5), by=request.user, reason="Hold lifted", texting_held=False)
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

# SQLite caps the parameters of one statement.
CHUNK = 500
# The longest reason the historical tables keep (history_change_reason is 100 characters).
REASON_LENGTH = 100
_OWN_COLUMNS = ("history_id", "history_date", "history_type", "history_user", "history_change_reason")


def history_insert(model, *, where_sql: str, params: Sequence, kind: str, user_id, reason: str, now) -> None:
    """Copy the rows of `model` matching `where_sql` into its historical table as one `kind` change
    ("+" created, "~" changed)."""
    history = model.history.model
    columns = [f.column for f in history._meta.concrete_fields if f.name not in _OWN_COLUMNS]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(history._meta.db_table)} "  # noqa: S608 - names from the models, values as parameters
        f"({', '.join(qn(c) for c in columns)}, {qn('history_date')}, {qn('history_type')}, "
        f"{qn('history_user_id')}, {qn('history_change_reason')}) "
        f"SELECT {', '.join(qn(c) for c in columns)}, %s, %s, %s, %s FROM {qn(model._meta.db_table)} WHERE {where_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, kind, user_id, reason[:REASON_LENGTH], *params])


def history_record_rows(model, fields: Sequence[str], keys: Sequence, *, kind: str = "~", user=None, user_id=None,
                        reason: str, now=None) -> None:
    """Add one history row for each row of `model` whose `fields` hold one of `keys`, as the rows stand now.

    `fields` names the columns that find the rows (("id",), ("phone",), ("property", "contact")); `keys` are
    values (one field) or tuples (several). On PostgreSQL one statement, whatever the number of keys
    (the keys go as one JSON array); elsewhere one statement per CHUNK keys.
    """
    if not keys:
        return
    now = now or timezone.now()
    user_id = user.pk if user is not None else user_id
    who = {"kind": kind, "user_id": user_id, "reason": reason, "now": now}
    model_fields = [model._meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    targets = ", ".join(qn(f.column) for f in model_fields)
    columns = [list(keys)] if len(fields) == 1 else [list(c) for c in zip(*keys, strict=True)]
    if connection.vendor == "postgresql":
        # One JSON text rather than Python lists: psycopg's list adaptation made the importer's memory
        # grow batch after batch (tracemalloc: its dumped elements stayed alive).
        picks = ", ".join(f"(k->>{i})::{f.db_type(connection)}" for i, f in enumerate(model_fields))
        where = f"({targets}) IN (SELECT {picks} FROM jsonb_array_elements(%s::jsonb) AS k)"  # noqa: S608
        history_insert(model, where_sql=where, params=[json.dumps([list(row) for row in zip(*columns, strict=True)])],
                       **who)
        return
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(keys), CHUNK):
        chunk = [column[start:start + CHUNK] for column in columns]
        params = [value for row in zip(*chunk, strict=True) for value in row]
        history_insert(model, where_sql=f"({targets}) IN (VALUES {', '.join([one] * len(chunk[0]))})",
                       params=params, **who)


def history_record_ids(model, ids: Sequence[int], *, kind: str = "~", user=None, user_id=None, reason: str,
                       now=None) -> None:
    """Add one history row per id of `model`, as the rows stand now."""
    history_record_rows(model, (model._meta.pk.name,), ids, kind=kind, user=user, user_id=user_id, reason=reason,
                        now=now)


def audited_update(queryset: QuerySet, *, by=None, reason: str, **fields) -> int:
    """QuerySet.update(**fields) that also keeps the audit trail: each row it changed gets a history
    row naming `by` (a user, or None for the system) and `reason`. Returns the number of rows changed.

    The rows are picked and locked first, so a filter on a field being changed (status=PENDING ->
    SENDING) still names the right rows in the history. Same transaction as the update.
    """
    model = queryset.model
    with transaction.atomic(savepoint=False):  # inside a caller's transaction: no savepoint round trips
        ids = list(queryset.select_for_update().order_by("pk").values_list("pk", flat=True))
        if not ids:
            return 0
        changed = 0
        for start in range(0, len(ids), CHUNK):
            changed += model._default_manager.filter(pk__in=ids[start:start + CHUNK]).update(**fields)
        history_record_ids(model, ids, user=by, reason=reason)
    return changed
