"""What import_propertyradar and import_contacts share: options, progress display, summary."""
from __future__ import annotations

import getpass
import time

from django.core.management.base import BaseCommand, CommandError

from properties.importers import (
    DEFAULT_BATCH_SIZE,
    ImportAlreadyRunning,
    ImportFileError,
    import_file,
    import_run_find_resumable,
)
from properties.importers.source import inspect_source
from properties.models import ImportRun

# Without a terminal (cron, CI logs), a progress line at most this often.
PLAIN_PROGRESS_SECONDS = 5.0


class _Progress:
    """tqdm bar on a terminal, otherwise a plain line every few seconds."""

    def __init__(self, stream, *, terminal: bool):
        self.stream = stream
        self.terminal = terminal
        self.bar = None
        self.started = time.monotonic()
        self.last_line = 0.0
        self.first_done: int | None = None

    def __call__(self, run: ImportRun) -> None:
        total = run.rows_total or run.rows_done
        if self.first_done is None:  # the first call comes before the first batch
            self.first_done = run.rows_done
            self.last_line = time.monotonic()
            if not self.terminal:
                return
        if self.terminal:
            if self.bar is None:
                from tqdm import tqdm

                # tqdm writes to the raw stream: Django's stderr wrapper would colour it as an error.
                self.bar = tqdm(total=total, initial=self.first_done, unit=" rows", unit_scale=total >= 10_000,
                                file=getattr(self.stream, "_out", self.stream), dynamic_ncols=True,
                                desc=run.file_name)
            self.bar.total = max(total, run.rows_done)
            self.bar.update(run.rows_done - self.bar.n)
            return
        now = time.monotonic()
        if now - self.last_line >= PLAIN_PROGRESS_SECONDS or run.rows_done >= total:
            self.last_line = now
            rate = (run.rows_done - self.first_done) / max(now - self.started, 1e-6)
            percent = 100 * run.rows_done // max(total, 1)
            self.stream.write(f"{run.rows_done:,} / {total:,} rows ({percent}%), {rate:,.0f} rows/s")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class ImportCommand(BaseCommand):
    kind: str = ""
    with_state = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8 with or without BOM, or Windows-1252).")
        parser.add_argument("--tag", default="", metavar="NAME", help="Tag every imported homeowner with NAME.")
        if self.with_state:
            parser.add_argument("--state", default="MA", help="Property state when the file has no State column.")
        parser.add_argument("--rejects", default=None, metavar="PATH",
                            help="Where to write rejected rows (default: FILE.rejects.csv beside the input).")
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N",
                            help=f"Rows per committed batch (default {DEFAULT_BATCH_SIZE:,}).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Read and match everything, report what would happen, save nothing.")
        parser.add_argument("--resume", action="store_true",
                            help="Continue the interrupted run of this same file after its last committed batch.")

    def handle(self, *args, file: str, tag: str, rejects, batch_size: int, dry_run: bool, resume: bool, **options):
        if dry_run and resume:
            raise CommandError("--dry-run and --resume cannot be combined.")
        progress = _Progress(self.stderr, terminal=self.stderr.isatty())
        started = time.monotonic()
        try:
            outcome = import_file(
                kind=self.kind, path=file, tag_name=tag, default_state=options.get("state") or "MA",
                batch_size=batch_size, rejects_path=rejects, operator=_operator(), dry_run=dry_run,
                resume=resume, progress=progress,
            )
        except (ImportFileError, ImportAlreadyRunning) as exc:
            raise CommandError(str(exc)) from exc
        except (Exception, KeyboardInterrupt) as exc:  # Ctrl-C too: say where it stopped, not a traceback
            run = import_run_find_resumable(kind=self.kind, sha256=inspect_source(file).sha256)
            where = f" after line {run.last_committed_line:,}" if run and run.last_committed_line else ""
            why = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
            raise CommandError(
                f"The import stopped{where}: {why}\n"
                "Everything before that is saved; run the same command with --resume to continue."
            ) from exc
        finally:
            progress.close()
        self._summary(outcome, time.monotonic() - started)

    def _summary(self, outcome, seconds: float) -> None:
        run = outcome.run
        write = self.stdout.write
        verb = "Dry run of" if outcome.dry_run else ("Resumed" if outcome.resumed else "Imported")
        rows = run.rows_done - outcome.rows_before  # what this command did; a resumed run did the rest before
        rate = rows / seconds if seconds > 0 else 0
        done = f"{rows:,} more rows ({run.rows_done:,} in all)" if outcome.rows_before else f"{rows:,} rows"
        write(f"{verb} {run.get_kind_display()} {run.file_name}: {done} in {seconds:.1f} s ({rate:,.0f} rows/s)")
        if run.kind == "propertyradar":
            write(f"  properties  created {run.properties_created:,}, updated {run.properties_updated:,}, "
                  f"unchanged {run.properties_unchanged:,}")
        write(f"  people      created {run.contacts_created:,}, updated {run.contacts_updated:,}, "
              f"unchanged {run.contacts_unchanged:,}")
        if run.kind == "propertyradar":
            write(f"  linked      {run.links_created:,} new homeowner-property links")
        write(f"  rejected    {run.rows_rejected:,} rows, written to {outcome.rejects_path}")
        if run.phones_unusable:
            write(f"  unusable phone numbers: {run.phones_unusable:,} (the people are kept without them)")
        if outcome.dry_run:
            write(self.style.WARNING("Dry run: nothing was saved."))
        elif not run.changed_anything:
            write(self.style.SUCCESS("Nothing changed: every row matched what is already stored."))
        else:
            write(self.style.SUCCESS(f"Done (import run #{run.pk})."))


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return ""
