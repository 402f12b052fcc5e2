"""Audit history of an import batch, written set-based like the batch itself.

The importer stores rows with COPY / bulk statements, which bypass the models' save() and so
django-simple-history's signals. Here each batch adds its history rows with one
INSERT ... SELECT per table: a copy of every row the batch created ("+") or changed ("~"), as it
stands after the batch, with the run's uploader as the user (command-line runs: none) and
"Import run #N by <operator>" as the reason. Same transaction as the batch.
"""
from __future__ import annotations

from django.utils import timezone

from contacts.models import Contact, ContactPhone
from crm.history import CHUNK as _CHUNK
from crm.history import history_insert as _history_insert
from crm.history import history_record_ids
from properties.models import Property, PropertyContact


def _by_ids(model, ids: list[int], *, kind: str, user_id, reason: str, now) -> None:
    history_record_ids(model, ids, kind=kind, user_id=user_id, reason=reason, now=now)


def import_batch_history_record(*, plan, run) -> None:
    """Add the history rows of one written batch plan (properties.importers.merge.BatchPlan)."""
    who = {"user_id": run.created_by_id, "reason": f"Import run #{run.pk} by {run.operator or 'unknown'}"[:100],
           "now": timezone.now()}
    _by_ids(Property, [s.id for s in plan.properties if s.new], kind="+", **who)
    _by_ids(Property, [s.id for s in plan.properties if s.dirty and not s.new], kind="~", **who)
    _by_ids(Contact, [c.id for c in plan.contacts if c.new], kind="+", **who)
    _by_ids(Contact, [c.id for c in plan.contacts if c.dirty and not c.new], kind="~", **who)
    phones = [phone for _c, phone, _label in plan.new_phones]
    for start in range(0, len(phones), _CHUNK):
        chunk = phones[start:start + _CHUNK]
        _history_insert(ContactPhone, where_sql=f"phone IN ({', '.join(['%s'] * len(chunk))})", params=chunk,
                        kind="+", **who)
    links = [(p.id, c.id) for p, c, _role in plan.new_links]
    for start in range(0, len(links), _CHUNK):
        chunk = links[start:start + _CHUNK]
        where = " OR ".join(["(property_id = %s AND contact_id = %s)"] * len(chunk))
        _history_insert(PropertyContact, where_sql=f"({where})", params=[v for pair in chunk for v in pair],
                        kind="+", **who)
