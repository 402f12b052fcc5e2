"""Background work of the properties app: admin-uploaded imports."""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .files import local_copy_discard
from .importers import ImportAlreadyRunning, ImportFileError, import_run_execute, import_uploads_purge
from .models import ImportRun, ImportStatus

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def run_import(import_run_id: int) -> None:
    """Run (or, after a worker crash or a lost database connection, continue) an uploaded import."""
    run = ImportRun.objects.get(pk=import_run_id)
    if run.status == ImportStatus.COMPLETED:
        return
    try:
        import_run_execute(run=run)
    except ImportAlreadyRunning:
        logger.info("Import run %s is already being executed by another worker", run.pk)
    except ImportFileError:
        # A problem with the file itself: recorded on the run, retrying cannot help.
        logger.info("Import run %s failed: the file cannot be imported", run.pk)
    finally:
        if run.file:  # this machine's copy of an object-storage upload (homeowners' data)
            local_copy_discard(run.file)


@shared_task
def purge_import_uploads() -> int:
    """Daily (beat): delete uploaded files of finished runs past IMPORT_UPLOAD_KEEP_DAYS."""
    return import_uploads_purge()
