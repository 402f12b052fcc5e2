"""Run one campaign dispatch by hand: `manage.py run_campaign_batches [--campaign ID] [--dry-run]`."""
from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from campaigns.services import SKIP_LABELS, campaign_dispatch


class Command(BaseCommand):
    help = (
        "Send one batch for each running campaign (or one campaign): reconcile interrupted sends, then text "
        "members inside their window up to today's limits. --dry-run shows who would be texted and why others are not."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, metavar="ID", help="Only this campaign.")
        parser.add_argument("--dry-run", action="store_true", help="Change and send nothing; list the plan.")

    def handle(self, *args, campaign=None, dry_run=False, verbosity=1, **options):
        report = campaign_dispatch(campaign_id=campaign, dry_run=dry_run)
        heading = "Dry run" if dry_run else "Dispatch"
        self.stdout.write(f"{heading} at {timezone.localtime(report.at):%Y-%m-%d %H:%M %Z}")
        if report.reconciled:
            self.stdout.write(f"Reconciled interrupted sends: {dict(report.reconciled)}")
        if not report.batches:
            self.stdout.write("No running campaign.")
        for batch in report.batches:
            self.stdout.write(self.style.MIGRATE_HEADING(f"Campaign {batch.campaign_id} “{batch.campaign_name}”"))
            if batch.note:
                self.stdout.write(f"  {batch.note}")
            self.stdout.write(f"  today's allowance left: {batch.allowance}")
            if dry_run:
                self.stdout.write(f"  would text {batch.would_send}:")
                for planned in batch.planned:
                    self.stdout.write(f"    #{planned.membership_id} {planned.contact} {planned.phone}")
            else:
                self.stdout.write(
                    f"  sent {batch.sent}, failed {batch.failed}, retry later {batch.retry_later}, "
                    f"awaiting reconciliation {batch.unresolved}" + (" — campaign completed" if batch.completed else "")
                )
            for reason, count in sorted(batch.skipped.items()):
                self.stdout.write(f"  passed over {count}: {SKIP_LABELS.get(reason, reason.replace('_', ' '))}")
            if dry_run and verbosity >= 1:
                for planned in batch.passed_over:
                    self.stdout.write(f"    #{planned.membership_id} {planned.contact} {planned.phone}: {planned.reason}")
