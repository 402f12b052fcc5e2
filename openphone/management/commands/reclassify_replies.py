"""Read homeowners' stored texts again with today's reader; show what changes, then apply it.

    manage.py reclassify_replies [--since 2026-01-01] [--dry-run]

Past texts newly read as opt-outs HOLD the contact (a person confirms on the contact page); nobody
is opted out silently. Mentioned addresses are matched to our houses again (never linked).
"""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from contacts.models import Activity, ActivityKind, Direction
from contacts.services import activity_reread
from properties.services import activity_match_mentions

ROWS_SHOWN = 200


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
        read = changed = holds = 0
        rows = []
        for activity in texts.select_related("contact").order_by("occurred_at", "pk").iterator(chunk_size=500):
            change = activity_reread(activity=activity, apply=not dry_run)
            if not dry_run and activity.reading_addresses:
                activity_match_mentions(activity=activity)
            read += 1
            if change.changed:
                changed += 1
                holds += change.action == "hold"
                if len(rows) < ROWS_SHOWN:
                    rows.append(change)
        self._table(rows)
        if changed > len(rows):
            self.stdout.write(f"... and {changed - len(rows)} more.")
        verb = "would change" if dry_run else "changed"
        held = "would be held" if dry_run else "held"
        self.stdout.write(
            f"{read} text(s) read, {changed} {verb}; {holds} contact(s) {held} for a person to decide "
            "(contacts list, filter “on hold”)."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")

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
