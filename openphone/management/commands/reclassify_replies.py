"""Read homeowners' stored texts again with today's reader; show what changes, then apply it.

    manage.py reclassify_replies [--since 2026-01-01] [--dry-run]

Past texts newly read as opt-outs HOLD the contact (a person confirms on the contact page); nobody
is opted out silently. Mentioned addresses are matched to our houses again (never linked).

Texts are read CHUNK at a time, oldest first; each chunk is written in one transaction (only the
texts whose reading changes), so a failure leaves the chunks before it done and nothing half-written.
"""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date

from contacts.models import Activity, ActivityKind, Direction
from contacts.services import activities_reread
from properties.services import activities_match_mentions

ROWS_SHOWN = 200
# Texts read and written together, in one transaction.
CHUNK = 1000
# Progress is reported after every this many chunks (on stderr, so the report on stdout stays as it was).
PROGRESS_EVERY = 10
# What reading a text again needs of it.
TEXT_FIELDS = (
    "pk", "contact_id", "conversation_id", "occurred_at", "body",
    "reading_category", "reading_opt_out", "reading_rule", "reading_addresses",
)


class Command(BaseCommand):
    help = "Read stored incoming texts again: intent, opt-out (holds, not silent opt-outs), mentioned addresses."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Only texts received on or after this day (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")

    def handle(self, *args, since=None, dry_run=False, **options):
        texts = Activity.objects.filter(kind=ActivityKind.MESSAGE, direction=Direction.INCOMING).exclude(body="")
        if since:
            day = parse_date(since)
            if day is None:
                raise CommandError(f"--since {since!r} is not a date: write it as YYYY-MM-DD (e.g. 2026-01-31).")
            start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            texts = texts.filter(occurred_at__gte=start)
        verb = "would change" if dry_run else "changed"
        read = changed = holds = 0
        rows = []
        for number, chunk in enumerate(self._chunks(texts), start=1):
            with transaction.atomic():
                changes = activities_reread(activities=chunk, apply=not dry_run)
                if not dry_run:
                    activities_match_mentions(activities=chunk)
            read += len(chunk)
            for change in changes:
                if change.changed:
                    changed += 1
                    holds += change.action == "hold"
                    if len(rows) < ROWS_SHOWN:
                        rows.append(change)
            if number % PROGRESS_EVERY == 0:
                self.stderr.write(f"{read} text(s) read so far, {changed} {verb}.", style_func=str)
        self._table(rows)
        if changed > len(rows):
            self.stdout.write(f"... and {changed - len(rows)} more.")
        held = "would be held" if dry_run else "held"
        self.stdout.write(
            f"{read} text(s) read, {changed} {verb}; {holds} homeowner(s) {held} for a person to decide "
            "(Homeowners list, filter “on hold”)."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")

    def _chunks(self, texts):
        """The texts CHUNK at a time, oldest first, each chunk read by one query (keyset on (occurred_at, id))."""
        texts = texts.only(*TEXT_FIELDS).order_by("occurred_at", "pk")
        after = None
        while True:
            page = texts
            if after is not None:
                page = page.filter(Q(occurred_at__gt=after[0]) | Q(occurred_at=after[0], pk__gt=after[1]),
                                   occurred_at__gte=after[0])
            chunk = list(page[:CHUNK])
            if not chunk:
                return
            yield chunk
            after = (chunk[-1].occurred_at, chunk[-1].pk)

    def _table(self, rows):
        if not rows:
            return
        self.stdout.write(f"{'text':>8}  {'contact':>8}  {'received':<16}  {'was':<28}  {'now':<28}  action  rule")
        for change in rows:
            was = f"{change.old[0] or '-'}/{change.old[1] or '-'}"
            now = f"{change.new[0]}/{change.new[1]}"
            self.stdout.write(
                f"{change.activity_id:>8}  {change.contact_id:>8}  {change.occurred_at:%Y-%m-%d %H:%M}  "
                f"{was:<28}  {now:<28}  {change.action or '-':<6}  {change.new[2]}"
            )
