"""Audit history of an import batch, written set-based like the batch itself.

The importer stores rows with COPY / bulk statements, which bypass the models' save() and so
django-simple-history's signals. Here each batch adds its history rows with one
INSERT ... SELECT per table (crm.history): a copy of every row the batch created ("+") or changed ("~"), as it
stands after the batch, with the run's uploader as the user (command-line runs: none) and
"Import run #N by <operator>" as the reason. Same transaction as the batch.
"""
from __future__ import annotations

from django.utils import timezone

from contacts.models import Contact, ContactPhone
from crm.history import history_record_ids, history_record_rows
from properties.models import Property, PropertyContact


def import_history_who(run) -> dict:
    """Who and why, for the history rows of an import run: its uploader (command-line runs: none)."""
    return {"user_id": run.created_by_id, "reason": f"Import run #{run.pk} by {run.operator or 'unknown'}"}


def import_batch_history_record(*, plan, run, created_done: set = frozenset()) -> None:
    """Add the history rows of one written batch plan (properties.importers.merge.BatchPlan).

    `created_done`: the models whose new rows' "+" rows the batch's writer already wrote (the
    PostgreSQL COPY writer does, from the values it stored).
    """
    who = {**import_history_who(run), "now": timezone.now()}
    if Property not in created_done:
        history_record_ids(Property, [s.id for s in plan.properties if s.new], kind="+", **who)
    history_record_ids(Property, [s.id for s in plan.properties if s.dirty and not s.new], kind="~", **who)
    if Contact not in created_done:
        history_record_ids(Contact, [c.id for c in plan.contacts if c.new], kind="+", **who)
    history_record_ids(Contact, [c.id for c in plan.contacts if c.dirty and not c.new], kind="~", **who)
    if ContactPhone not in created_done:
        history_record_rows(ContactPhone, ("phone",), [phone for _c, phone, _label in plan.new_phones], kind="+",
                            **who)
    if PropertyContact not in created_done:
        history_record_rows(PropertyContact, ("property", "contact"),
                            [(p.id, c.id) for p, c, _role in plan.new_links], kind="+", **who)
