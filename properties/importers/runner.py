"""Import runs: create one, execute it batch by batch (resumable), write its rejects file.

Each batch is one transaction holding its rows' writes, its rejects and the run's counters and
last committed line, so a crash loses nothing committed and `resume` continues exactly after it.
"""
from __future__ import annotations

import csv
import dataclasses
import gc
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from crm.queueing import task_named
from properties.files import local_path
from properties.importers.history import import_batch_history_record, import_history_who
from properties.models import ImportKind, ImportReject, ImportRun, ImportStatus

from .contacts_csv import ContactRows
from .merge import BatchPlan, Carried, Counts, batch_lock
from .propertyradar import PropertyRadarRows
from .records import ParsedRow, RejectedRow
from .source import CsvRows, ImportFileError, SourceInfo, inspect_source
from .values import RowError, state_code
from .writers import PostgresWriter, writer_for

logger = logging.getLogger(__name__)

# Rows per batch (one transaction each). 5,000 keeps a batch's working set a few MB and its
# transaction well under a second, while per-batch overhead (a dozen queries) stays <5% of the work.
DEFAULT_BATCH_SIZE = 5000
# A batch that collides with a concurrent writer (unique violation) is planned again from fresh reads.
_BATCH_ATTEMPTS = 3

ROW_READERS = {ImportKind.PROPERTYRADAR: PropertyRadarRows, ImportKind.CONTACTS: ContactRows}
CONTACT_SOURCE = {ImportKind.PROPERTYRADAR: "propertyradar", ImportKind.CONTACTS: "csv"}

ProgressCallback = Callable[[ImportRun], None]
BatchHook = Callable[[int], None]


def _check_options(*, tag_name: str, default_state: str, batch_size: int) -> tuple[str, str]:
    tag_name = " ".join(tag_name.split())
    if len(tag_name) > 64:
        raise ImportFileError("A tag name is at most 64 characters.")
    try:
        state = state_code(default_state, column="State")
    except RowError as exc:
        raise ImportFileError(str(exc)) from None
    if not state:
        raise ImportFileError("A default state is required (e.g. MA).")
    if batch_size < 1:
        raise ImportFileError("The batch size must be at least 1.")
    return tag_name, state


def import_run_create(
    *,
    kind: str,
    path: str | Path | None = None,
    upload: File | None = None,
    tag_name: str = "",
    default_state: str = "MA",
    batch_size: int = DEFAULT_BATCH_SIZE,
    created_by=None,
    operator: str = "",
    source_info: SourceInfo | None = None,
) -> ImportRun:
    """Register an import of a file on disk (`path`) or an uploaded file (`upload`, stored under MEDIA_ROOT).

    `source_info`: `path` was just inspected by the caller (saves reading it twice).
    """
    tag_name, default_state = _check_options(tag_name=tag_name, default_state=default_state, batch_size=batch_size)
    if kind not in ROW_READERS:
        raise ImportFileError(f"Unknown import kind “{kind}”.")
    with transaction.atomic():
        run = ImportRun(
            kind=kind, tag_name=tag_name, default_state=default_state, batch_size=batch_size,
            created_by=created_by, operator=operator or (created_by.get_username() if created_by else ""),
        )
        if upload is not None:
            run.file_name = Path(upload.name).name[:255]
            run.file.save(run.file_name, upload, save=False)
        else:
            run.file_name = Path(path).name[:255]
            run.file_path = str(Path(path).resolve())
        try:
            info = source_info if source_info and upload is None else inspect_source(_path_of(run), name=run.file_name)
            _check_header(run, info)
        except Exception:
            if run.file:
                run.file.delete(save=False)
            raise
        run.file_sha256, run.file_size, run.encoding, run.rows_total = info.sha256, info.size, info.encoding, info.records
        run.save()
    return run


def _check_header(run: ImportRun, info: SourceInfo) -> None:
    """Refuse a file without the columns its kind needs before anything is queued."""
    with CsvRows(_path_of(run), info) as rows:
        ROW_READERS[run.kind](rows.header, default_state=run.default_state)


def import_run_upload(*, upload: File, kind: str, tag_name: str = "", default_state: str = "MA", created_by) -> ImportRun:
    """An admin upload: register the run and queue properties.tasks.run_import once it is committed."""
    run_import = task_named("properties.tasks.run_import")
    with transaction.atomic():
        run = import_run_create(
            kind=kind, upload=upload, tag_name=tag_name, default_state=default_state, created_by=created_by
        )
        transaction.on_commit(lambda: run_import.delay(run.pk))
    return run


def import_uploads_purge(*, keep_days: int | None = None, now=None) -> int:
    """Delete the uploaded files of runs that ended more than `keep_days` ago (default
    IMPORT_UPLOAD_KEEP_DAYS; 0 keeps every file); returns how many. The runs keep their name, hash,
    counts and rejected rows; a pending or running run keeps its file, which it still reads."""
    keep_days = settings.IMPORT_UPLOAD_KEEP_DAYS if keep_days is None else keep_days
    if keep_days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=keep_days)
    ended = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    with transaction.atomic():
        runs = list(
            ImportRun.objects.select_for_update()
            .filter(ended, status__in=[ImportStatus.COMPLETED, ImportStatus.FAILED]).exclude(file="").only("id", "file")
        )
        # The runs stop naming their files in the same transaction that deletes them on commit, so a
        # failure leaves no run pointing at a missing file.
        ImportRun.objects.filter(pk__in=[run.pk for run in runs]).update(file="")
        _delete_files_on_commit(runs)
    if runs:
        logger.info("Deleted the uploaded files of %s import runs that ended over %s days ago", len(runs), keep_days)
    return len(runs)


def import_runs_delete(*, runs) -> int:
    """Delete import runs (a queryset or a list) with their rejected rows, and their uploaded files
    once that is committed (a file left behind would hold homeowners' data nobody can find)."""
    runs = list(runs)
    with transaction.atomic():
        ImportRun.objects.filter(pk__in=[run.pk for run in runs]).delete()
        _delete_files_on_commit(runs)
    return len(runs)


def _delete_files_on_commit(runs: list[ImportRun]) -> None:
    """Delete the runs' uploaded files once the current transaction commits (never if it rolls back)."""
    for run in runs:
        if run.file:
            transaction.on_commit(partial(run.file.storage.delete, run.file.name))


def import_run_find_resumable(*, kind: str, sha256: str) -> ImportRun | None:
    """The latest unfinished run (interrupted or failed) of the same bytes, if any."""
    return (
        ImportRun.objects.filter(kind=kind, file_sha256=sha256, status__in=[ImportStatus.RUNNING, ImportStatus.FAILED])
        .order_by("-created_at", "-id")
        .first()
    )


def _path_of(run: ImportRun) -> str:
    return local_path(run.file) if run.file else run.file_path


def import_run_execute(
    *,
    run: ImportRun,
    path: str | Path | None = None,
    progress: ProgressCallback | None = None,
    after_batch: BatchHook | None = None,
    writer: str | None = None,
    source_info: SourceInfo | None = None,
    pipelined: bool | None = None,
) -> ImportRun:
    """Import the run's file from after its last committed line to the end.

    `after_batch(n)` is called inside the transaction of the n-th batch of this call, after its
    writes (tests raise there to simulate a crash), in the writing thread when pipelined. `writer="portable"` forces the portable
    writer on PostgreSQL (tests and the benchmark compare both). `source_info`: the file was
    just inspected by the caller (saves reading it twice). `pipelined`: plan the next batch
    while the last one is written (default: whenever the database allows it; see _can_pipeline).
    """
    path = str(path or _path_of(run))
    with _exclusive(run):
        return _execute(run, path, progress=progress, after_batch=after_batch, writer=writer, source_info=source_info,
                        pipelined=pipelined)


class ImportAlreadyRunning(Exception):
    """Another process is executing this very run (a redelivered task, a second --resume)."""


# Session advisory lock keys for runs: 2**40 + run id, away from the batch lock's hashtext() key.
_RUN_LOCK_BASE = 1 << 40


@contextmanager
def _exclusive(run: ImportRun):
    """Hold a PostgreSQL session lock on the run while it executes, so a second process given the
    same run stops instead of importing the same rows twice. A crashed process's connection
    closes and releases it. (SQLite allows one writer at a time anyway.)"""
    if connection.vendor != "postgresql":
        yield
        return
    key = _RUN_LOCK_BASE + run.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            raise ImportAlreadyRunning(f"Import run #{run.pk} is already running in another process.")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        except DatabaseError:  # the connection is gone, and the lock with it
            pass


def _execute(run, path, *, progress, after_batch, writer, source_info, pipelined) -> ImportRun:
    try:
        info = source_info or inspect_source(path)
        if info.sha256 != run.file_sha256:
            raise ImportFileError(
                f"{Path(path).name} is not the file this run started with (its contents changed); start a new import."
            )
        with CsvRows(path, info) as rows, _quiet_gc():
            reader = ROW_READERS[run.kind](rows.header, default_state=run.default_state)
            run.status, run.error, run.finished_at = ImportStatus.RUNNING, "", None
            run.started_at = run.started_at or timezone.now()
            run.header, run.encoding, run.rows_total = rows.header, info.encoding, info.records
            run.save(update_fields=["status", "error", "finished_at", "started_at", "header", "encoding", "rows_total"])
            if progress:
                progress(run)  # where the run starts (0, or where a resumed run stopped)
            batches = _parsed_batches(iter(rows), reader, after_line=run.last_committed_line, size=run.batch_size)
            with _ParseAhead(batches) as ready:
                if _can_pipeline(writer) if pipelined is None else pipelined:
                    _store_pipelined(run, ready, after_batch=after_batch, writer=writer, progress=progress)
                else:
                    number = 0
                    for batch in ready:  # not enumerate(): its reused result tuple would keep the batch alive
                        number += 1
                        _commit_batch(run, batch, number=number, after_batch=after_batch, writer=writer)
                        del batch
                        _collect_after_batch(number)
                        if progress:
                            progress(run)
        run.status, run.finished_at = ImportStatus.COMPLETED, timezone.now()
        run.rows_total = run.rows_done
        run.save(update_fields=["status", "finished_at", "rows_total"])
    except BaseException as exc:
        _mark_failed(run, exc)
        raise
    return run


@dataclass
class _Batch:
    rows: int
    last_line: int
    parsed: list[ParsedRow]
    rejected: list[RejectedRow]


def _parsed_batches(rows: Iterator[tuple[int, list[str]]], reader, *, after_line: int, size: int) -> Iterator[_Batch]:
    """Rows after `after_line`, `size` at a time, each read into a record or a reject (no database)."""
    batch = _Batch(0, 0, [], [])
    parse = reader.parse
    for line, cells in rows:
        if line <= after_line:
            continue
        try:
            batch.parsed.append(parse(line, cells))
        except RowError as exc:
            batch.rejected.append(RejectedRow(line, str(exc)[:500], cells))
        batch.rows += 1
        batch.last_line = line
        if batch.rows >= size:
            done, batch = [batch], _Batch(0, 0, [], [])
            yield done.pop()  # so this frame does not keep the batch alive while the caller uses it
    if batch.rows:
        yield batch


class _ReadAhead:
    """Reads and parses the next batches in a thread while the current batch is being stored.

    The fallback of _ParseAhead where a child process cannot be forked. The thread never
    touches the database. At most `depth` batches wait, which bounds memory.
    """

    def __init__(self, batches: Iterator[_Batch], depth: int = 1):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, args=(batches,), name="import-read-ahead", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, batches: Iterator[_Batch]) -> None:
        try:
            for batch in batches:
                if not self._put(("batch", batch)):
                    return
            self._put(("end", None))
        except BaseException as exc:  # handed to the importing thread, which raises it
            self._put(("error", exc))

    def __iter__(self) -> Iterator[_Batch]:
        return _received_batches(self._queue.get)


class _ParseAhead:
    """Reads and parses the next batches in a forked child process while this one stores the current batch.

    Parsing (~90 µs a row) and planning/storing are both Python: in one process they take turns
    on the GIL, and every statement's reply waits for the parsing thread to yield it (up to
    sys.getswitchinterval()). A child parses on the other core instead. It inherits the open
    file and the row reader, never touches the database (it leaves with os._exit, so this
    process's connection is not closed under it), and sends each batch pickled through a pipe:
    it is at most one batch ahead, which bounds memory. The child is forked with os.fork, not
    multiprocessing.Process, because multiprocessing refuses children to daemonic processes, and
    a Celery prefork worker's processes (where admin uploads run) are daemonic; this object
    waits for its child itself. Where fork is unavailable (not POSIX) the thread of _ReadAhead
    does the same work.
    """

    def __init__(self, batches: Iterator[_Batch]):
        self._batches = batches
        self._pid: int | None = None
        self._fallback: _ReadAhead | None = None

    @staticmethod
    def available() -> bool:
        return hasattr(os, "fork")

    def __enter__(self):
        if not self.available():
            self._fallback = _ReadAhead(self._batches).__enter__()
            return self
        self._receiver, sender = multiprocessing.Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:  # the child: parse, send, and leave without running any of the parent's exit code
            code = 1
            try:
                self._receiver.close()
                _parse_in_child(self._batches, sender)
                code = 0
            finally:
                os._exit(code)
        self._pid = pid
        sender.close()  # the child's end; the pipe reports EOF should the child die
        return self

    def __exit__(self, *exc):
        if self._fallback is not None:
            return self._fallback.__exit__(*exc)
        self._receiver.close()  # a child still sending gets a broken pipe and ends
        deadline = time.monotonic() + 5
        try:
            while os.waitpid(self._pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(self._pid, signal.SIGKILL)
                    os.waitpid(self._pid, 0)
                    return
                time.sleep(0.005)
        except ChildProcessError:
            pass  # already reaped (a process ignoring SIGCHLD has its children reaped for it)

    def __iter__(self) -> Iterator[_Batch]:
        if self._fallback is not None:
            yield from self._fallback
            return
        yield from _received_batches(self._receive)

    def _receive(self) -> tuple[str, object]:
        try:
            return pickle.loads(self._receiver.recv_bytes())  # noqa: S301 - our own child wrote it
        except EOFError:
            raise RuntimeError("The import's parsing process stopped unexpectedly.") from None


def _received_batches(receive: Callable[[], tuple[str, object]]) -> Iterator[_Batch]:
    """The batches in the messages `receive()` returns, ("batch", b) ... ("end", None); ("error", exc) raises."""
    while True:
        kind, value = receive()
        if kind == "end":
            return
        if kind == "error":
            raise value
        box = [value]
        del value
        yield box.pop()  # so this frame does not keep the batch alive while the caller uses it


def _parse_in_child(batches: Iterator[_Batch], sender) -> None:
    """The child of _ParseAhead: parse, pickle, send; then the end, or what went wrong."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not a handler inherited from a Celery worker
    # Let go of the parent's database sockets (its connection is untouched: closing our copy of
    # the descriptor sends nothing), so PostgreSQL's session ends with the parent, not with us.
    for db in connections.all(initialized_only=True):
        if db.connection is not None and db.vendor == "postgresql":
            os.close(db.connection.fileno())

    def send(message) -> None:
        try:
            data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle: its text does
            data = pickle.dumps(("error", RuntimeError(f"{type(message[1]).__name__}: {message[1]}")))
        sender.send_bytes(data)

    try:
        try:
            number = 0
            for batch in batches:  # not enumerate(): its reused result tuple would keep the batch alive
                number += 1
                send(("batch", batch))
                del batch
                _collect_after_batch(number)  # automatic collection is off (inherited from _quiet_gc)
        except BaseException as exc:  # a broken pipe while telling it ends below
            send(("error", exc))
        else:
            send(("end", None))
    except OSError:
        pass  # the parent stopped listening (it failed, or was interrupted): nothing to tell
    finally:
        sender.close()


# Every this many batches the collector scans everything, not only what the last batches left.
_FULL_COLLECTION_EVERY = 25


def _collect_after_batch(number: int) -> None:
    """The reference cycles a batch leaves (ORM internals). The young generations hold what was
    made since the last collection, so that scan is short; a full one (~50 ms with Django's
    tens of thousands of objects) runs now and then for cycles that outlived a batch."""
    gc.collect(0 if number % _FULL_COLLECTION_EVERY else 2)


@contextmanager
def _quiet_gc():
    """No automatic garbage collection during a run, one collection after each batch instead.

    A batch allocates millions of objects, freed by reference counting anyway; automatic
    collections keep scanning the batch's live objects (~20% of the import at the default
    thresholds, still ~10% at 50,000). The few reference cycles a batch leaves (ORM
    internals) are collected once it is done and deleted, when little is alive, so memory
    stays flat. Objects from before the run are frozen out of the collector's scans.
    """
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


@dataclass
class _PlannedBatch:
    batch: _Batch
    number: int
    plan: BatchPlan
    rejected: list[RejectedRow]
    counts: Counts  # the run's counts once this batch is committed


def _plan_batch(run, batch: _Batch, *, number: int, counts: Counts, carried: Carried | None = None) -> _PlannedBatch:
    """Match and merge the batch against what is stored (and `carried` from the batch before); no writes."""
    counts = dataclasses.replace(counts)
    plan = BatchPlan(source=CONTACT_SOURCE[run.kind], run_tag=run.tag_name, carried=carried)
    plan.load(batch.parsed)
    refused = []
    for row in batch.parsed:
        reason = plan.apply(row, counts)
        if reason:
            refused.append(RejectedRow(row.line, reason[:500], row.cells))
    rejected = batch.rejected + refused
    counts.rows_done += batch.rows
    counts.rows_rejected += len(rejected)
    return _PlannedBatch(batch, number, plan, rejected, counts)


def _store_batch(run, planned: _PlannedBatch, *, after_batch: BatchHook | None, writer: str | None) -> None:
    """The batch's writes, its rejects and the run's progress, in the caller's transaction (batch lock held)."""
    history = import_history_who(run) if settings.IMPORT_AUDIT_HISTORY else None
    batch_writer = writer_for(timezone.now(), force=writer, history=history)
    planned.plan.write(batch_writer)
    if history is not None:
        import_batch_history_record(plan=planned.plan, run=run, created_done=batch_writer.created_history)
    ImportReject.objects.bulk_create(
        [ImportReject(run=run, line=r.line, reason=r.reason, values=r.values) for r in planned.rejected]
    )
    ImportRun.objects.filter(pk=run.pk).update(
        **dataclasses.asdict(planned.counts), last_committed_line=planned.batch.last_line
    )
    if after_batch is not None:
        after_batch(planned.number)


def _committed(run, planned: _PlannedBatch) -> None:
    planned.counts.copy_to(run)
    run.last_committed_line = planned.batch.last_line


def _commit_batch(run, batch: _Batch, *, number: int, after_batch: BatchHook | None, writer: str | None) -> None:
    """Plan and store one batch in one transaction, holding the batch lock throughout."""
    for attempt in range(1, _BATCH_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                batch_lock()
                planned = _plan_batch(run, batch, number=number, counts=Counts.of(run))
                _store_batch(run, planned, after_batch=after_batch, writer=writer)
            _committed(run, planned)
            return
        except IntegrityError:
            if attempt == _BATCH_ATTEMPTS:
                raise
            _log_collision(run, batch)


def _log_collision(run, batch: _Batch) -> None:
    logger.warning("Import run %s: batch ending at line %s collided with another writer; retrying",
                   run.pk, batch.last_line)


def _can_pipeline(writer: str | None) -> bool:
    """Planning the next batch while this one is written needs a second connection that sees what is
    committed: PostgreSQL, outside any transaction (a dry run, a test's transaction)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block and writer != "portable"


def _store_pipelined(run, ready: Iterator[_Batch], *, after_batch, writer, progress) -> None:
    """Plan batch n+1 while a thread writes and commits batch n on a connection of its own.

    The importing process's Python (matching, merging, building COPY rows) and PostgreSQL's work
    on the previous batch (COPY, index upkeep, the commit's foreign-key checks) then overlap
    instead of taking turns. The next batch is planned from what is committed plus what the batch
    being written changes (`Carried`), which ends exactly where planning after each commit ends.
    Ids of new rows are taken from the sequences while planning. A batch that collides with
    another writer (unique violation: the plan read without the batch lock) is planned and
    stored again from fresh reads, under the lock, and the one planned after it is planned again.
    """
    counts = Counts.of(run)
    carried = None
    pending: tuple[Future, _PlannedBatch] | None = None
    number = 0

    def settle() -> bool:
        """Wait for the batch being written; False when it collided and was redone from fresh reads."""
        future, planned = pending
        try:
            future.result()
        except IntegrityError:
            _log_collision(run, planned.batch)
            _commit_batch(run, planned.batch, number=planned.number, after_batch=after_batch, writer=writer)
            collided = True
        else:
            _committed(run, planned)
            collided = False
        if progress:
            progress(run)
        return not collided

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-write") as pool:
        try:
            for batch in ready:  # not enumerate(): its reused result tuple would keep the batch alive
                number += 1
                planned = _plan_batch(run, batch, number=number, counts=counts, carried=carried)
                del batch
                planned.plan.reserve_ids(PostgresWriter.reserve)
                if pending is not None and not settle():
                    # Planned on top of a batch that was redone: plan again from what is committed now.
                    planned = _plan_batch(run, planned.batch, number=number, counts=Counts.of(run))
                    planned.plan.reserve_ids(PostgresWriter.reserve)
                pending = (pool.submit(_write_planned, run, planned, after_batch, writer), planned)
                counts, carried = planned.counts, planned.plan.carry()
                del planned
                if number % _FULL_COLLECTION_EVERY == 0:
                    gc.collect()  # young collections would scan the live plans each time; see _quiet_gc
            if pending is not None:
                settle()
                pending = None
        finally:
            if pending is not None:  # stopped while a batch was being written: let it end either way
                try:
                    pending[0].result()
                    _committed(run, pending[1])
                except BaseException:  # noqa: S110 - what stopped us is what is raised
                    pass
            pool.submit(_close_thread_connection)


def _close_thread_connection() -> None:
    connection.close()  # looked up in the writing thread: its own connection


def _write_planned(run, planned: _PlannedBatch, after_batch, writer) -> None:
    with transaction.atomic():
        batch_lock()
        _store_batch(run, planned, after_batch=after_batch, writer=writer)


def _mark_failed(run: ImportRun, exc: BaseException) -> None:
    reason = "Interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
    try:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.FAILED, error=reason[:2000],
                                                   finished_at=timezone.now())
        run.status, run.error = ImportStatus.FAILED, reason[:2000]
    except Exception:  # the database itself may be what failed
        logger.exception("Import run %s: could not record its failure", run.pk)


# --- Rejects ---------------------------------------------------------------------------------
def import_run_rejects(*, run: ImportRun) -> Iterator[list[str]]:
    """The rejects CSV as rows: `line`, `reason`, then the file's own columns as they were."""
    width = len(run.header)
    yield ["line", "reason", *run.header]
    for line, reason, cells in (
        ImportReject.objects.filter(run=run).order_by("line").values_list("line", "reason", "values").iterator(2000)
    ):
        yield [str(line), reason, *cells, *[""] * (width - len(cells))]


def rejects_write_csv(*, run: ImportRun, out: TextIO) -> int:
    """Write the run's rejects to `out`; returns how many rows were written."""
    writer = csv.writer(out)
    count = -1
    for row in import_run_rejects(run=run):
        writer.writerow(row)
        count += 1
    return count


def default_rejects_path(path: str | Path) -> Path:
    """`list.csv` -> `list.rejects.csv`, beside the input."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rejects.csv")


# --- The whole command-line flow -------------------------------------------------------------
class _DryRunRollback(Exception):
    pass


@dataclass
class ImportOutcome:
    run: ImportRun
    resumed: bool
    rejects_path: Path | None
    dry_run: bool
    rows_before: int = 0  # rows an interrupted run had committed before this call resumed it


def import_file(
    *,
    kind: str,
    path: str | Path,
    tag_name: str = "",
    default_state: str = "MA",
    batch_size: int = DEFAULT_BATCH_SIZE,
    rejects_path: str | Path | None = None,
    operator: str = "",
    dry_run: bool = False,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    after_batch: BatchHook | None = None,
    pipelined: bool | None = None,
) -> ImportOutcome:
    """Import a file from disk: register (or resume) a run, execute it, write its rejects CSV.

    dry_run imports inside one transaction that is rolled back: the counts and the rejects
    file are real, the database is left as it was (no ImportRun either).
    """
    rejects = Path(rejects_path) if rejects_path else default_rejects_path(path)
    if dry_run:
        outcome = None
        try:
            with transaction.atomic():
                info = inspect_source(path)
                run = import_run_create(kind=kind, path=path, tag_name=tag_name, default_state=default_state,
                                        batch_size=batch_size, operator=operator, source_info=info)
                import_run_execute(run=run, path=path, progress=progress, after_batch=after_batch, source_info=info)
                _write_rejects(run, rejects)
                outcome = ImportOutcome(run=run, resumed=False, rejects_path=rejects, dry_run=True)
                raise _DryRunRollback
        except _DryRunRollback:
            pass
        return outcome

    info = inspect_source(path)
    run = import_run_find_resumable(kind=kind, sha256=info.sha256) if resume else None
    resumed = run is not None
    if run is None:
        run = import_run_create(kind=kind, path=path, tag_name=tag_name, default_state=default_state,
                                batch_size=batch_size, operator=operator, source_info=info)
    elif batch_size != run.batch_size:
        run.batch_size = batch_size  # batch boundaries do not change the outcome
        run.save(update_fields=["batch_size"])
    rows_before = run.rows_done
    import_run_execute(run=run, path=path, progress=progress, after_batch=after_batch, source_info=info,
                       pipelined=pipelined)
    _write_rejects(run, rejects)
    ImportRun.objects.filter(pk=run.pk).update(rejects_path=str(rejects))
    run.rejects_path = str(rejects)
    return ImportOutcome(run=run, resumed=resumed, rejects_path=rejects, dry_run=False, rows_before=rows_before)


def _write_rejects(run: ImportRun, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as out:
        rejects_write_csv(run=run, out=out)
    os.replace(tmp, path)
