"""Bulk import of PropertyRadar exports and contact CSVs (commands, admin upload, Celery task).

source.py reads the file, propertyradar.py / contacts_csv.py turn rows into records,
merge.py matches them against what is stored, writers.py stores a batch set-based,
runner.py drives runs, batches, resume and rejects.
"""
from .runner import (
    DEFAULT_BATCH_SIZE,
    ImportAlreadyRunning,
    ImportOutcome,
    default_rejects_path,
    import_file,
    import_run_create,
    import_run_execute,
    import_run_find_resumable,
    import_run_rejects,
    import_run_upload,
    import_runs_delete,
    import_uploads_purge,
    rejects_write_csv,
)
from .source import ImportFileError

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "ImportAlreadyRunning",
    "ImportFileError",
    "ImportOutcome",
    "default_rejects_path",
    "import_file",
    "import_run_create",
    "import_run_execute",
    "import_run_find_resumable",
    "import_run_rejects",
    "import_run_upload",
    "import_runs_delete",
    "import_uploads_purge",
    "rejects_write_csv",
]
