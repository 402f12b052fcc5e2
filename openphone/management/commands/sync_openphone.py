"""manage.py sync_openphone: pull OpenPhone conversations, texts and calls (with their details) into the CRM (resumable)."""
from __future__ import annotations

import datetime
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from openphone.client import OpenPhoneClient, OpenPhoneError
from openphone.lines import lines_refresh
from openphone.models import SyncCheckpoint
from openphone.sync import DEFAULT_PAGE_SIZE, SyncError, lines_resolve, skipped_total, sync_line


def _parse_since(value: str) -> datetime.datetime:
    """A date (midnight, business time zone) or an ISO datetime (naive: business time zone)."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"--since {value!r} is not a date (2025-01-31) or a datetime (2025-01-31T08:00).")
        moment = datetime.datetime.combine(day, datetime.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Pull OpenPhone history (conversations, then each one's texts and calls) into contacts and their "
        "timelines. Calls come with their recording, AI summary and transcript, or voicemail (up to three "
        "more requests per call; --no-call-details skips them). Safe to run again: nothing is duplicated. "
        "Progress is saved after every page; after a failure, run the same command with --resume."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Only history after this date or datetime (business time zone).")
        parser.add_argument("--resume", action="store_true", help="Continue the line's unfinished sync.")
        parser.add_argument(
            "--line", nargs="+", metavar="PN",
            help="Line ids (PN...) or their numbers, or 'all' for every line. Default: OPENPHONE_PHONE_NUMBER_ID.",
        )
        parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE,
                            help=f"Items per OpenPhone request, 1-100 (default {DEFAULT_PAGE_SIZE}).")
        parser.add_argument(
            "--no-call-details", action="store_false", dest="call_details",
            help="Skip calls' recordings, summaries, transcripts and voicemails (one request per call each; "
                 "at OpenPhone's 10 requests/s they can triple the run). The webhooks still bring them for new calls.",
        )

    def handle(self, *args, since=None, resume=False, line=None, page_size=DEFAULT_PAGE_SIZE, call_details=True,
               **options):
        if not 1 <= page_size <= 100:
            raise CommandError("--page-size must be between 1 and 100.")
        since_at = _parse_since(since) if since else None
        client = OpenPhoneClient()
        requested = line or ([settings.OPENPHONE_PHONE_NUMBER_ID] if settings.OPENPHONE_PHONE_NUMBER_ID else [])
        try:
            lines = lines_resolve(client=client, lines=requested)
        except (SyncError, OpenPhoneError) as exc:
            raise CommandError(str(exc)) from exc
        if not lines:
            raise CommandError("OpenPhone lists no lines for this API key.")
        try:
            changed = lines_refresh(client=client)
        except OpenPhoneError as exc:
            self.stderr.write(f"Could not refresh the names of our lines ({exc}); the sync goes on.")
        else:
            if changed:
                self.stdout.write(f"Lines: {changed} new or renamed.")

        totals: dict[str, int] = {}
        for pn in lines:
            reporter = _Reporter(self, pn)
            try:
                checkpoint = sync_line(line=pn, since=since_at, resume=resume, client=client,
                                       page_size=page_size, progress=reporter, call_details=call_details)
            except SyncError as exc:
                reporter.close()
                raise CommandError(str(exc)) from exc
            except OpenPhoneError as exc:
                reporter.close()
                raise CommandError(
                    f"Sync of {pn} stopped: {exc}. Progress up to the last full page is saved; "
                    f"run the same command with --resume to continue."
                ) from exc
            reporter.close()
            self._report(pn, checkpoint)
            for key, value in checkpoint.counts.items():
                totals[key] = totals.get(key, 0) + value
        if len(lines) > 1:
            self.stdout.write(self.style.SUCCESS(f"All {len(lines)} lines: {_summary(totals)}"))

    def _report(self, line: str, checkpoint: SyncCheckpoint) -> None:
        self.stdout.write(self.style.SUCCESS(f"{line}: {_summary(checkpoint.counts)}"))


def _summary(counts: dict) -> str:
    c = counts.get
    return (
        f"{c('conversations', 0)} conversations, {c('messages', 0)} messages ({c('messages_new', 0)} new), "
        f"{c('calls', 0)} calls ({c('calls_new', 0)} new), {c('contacts_created', 0)} contacts created, "
        f"{skipped_total(counts)} skipped ({c('skipped_invalid_numbers', 0)} invalid numbers, "
        f"{c('skipped_group_conversations', 0)} group conversations), {c('opt_outs', 0)} opt-outs from history; "
        f"calls with a recording: {c('recordings', 0)}, summary: {c('summaries', 0)}, "
        f"transcript: {c('transcripts', 0)}, voicemail: {c('voicemails', 0)}"
    )


class _Reporter:
    """Progress: tqdm bars on a terminal, one plain line per page otherwise (cron, logs, tests)."""

    def __init__(self, command: BaseCommand, line: str):
        self.command = command
        self.line = line
        self.tty = command.stdout.isatty()
        self.bar = None
        self.stage = None

    def __call__(self, checkpoint: SyncCheckpoint, event: str, info: dict) -> None:
        counts = checkpoint.counts
        if event == "conversations_page":
            self._bar("conversations", None, f"{self.line} listing conversations", counts.get("conversations", 0))
            if not self.tty:
                self.command.stdout.write(
                    f"{self.line}: conversations page of {info['items']}; {counts['conversations']} queued"
                )
        elif event == "history_page":
            total = checkpoint.conversations.count()
            done = checkpoint.conversations.filter(done=True).count()
            self._bar("history", total, f"{self.line} texts and calls", done)
            if not self.tty:
                self.command.stdout.write(
                    f"{self.line}: {info['kind']} page of {info['items']}; conversations {done}/{total}, "
                    f"{counts['messages']} messages, {counts['calls']} calls"
                )

    def _bar(self, stage: str, total: int | None, desc: str, position: int) -> None:
        if not self.tty:
            return
        from tqdm import tqdm

        if self.stage != stage:
            self.close()
            self.stage = stage
            # The raw stream: the command's OutputWrapper would add a newline to every redraw.
            stream = getattr(self.command.stdout, "_out", sys.stdout)
            self.bar = tqdm(total=total, desc=desc, unit="conv", file=stream, dynamic_ncols=True)
        self.bar.n = position
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
