"""Uploaded import files as local paths: the importer reads a file on disk, wherever the upload is stored.

With the local storage the upload already is a file on disk. With object storage (STORAGE_BACKEND=s3)
the process that runs the import (a worker, possibly on another machine) copies it into a private
folder of its own first; the copy is keyed by the stored name and reused while its size matches.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from django.core.files import File


def local_path(stored: File) -> str:
    """A path on this machine holding the stored file's bytes."""
    try:
        return stored.path
    except NotImplementedError:  # object storage: no local path
        pass
    folder = Path(tempfile.gettempdir()) / "crm-import-files"
    folder.mkdir(mode=0o700, exist_ok=True)
    suffix = Path(stored.name).suffix
    target = folder / f"{hashlib.sha256(stored.name.encode()).hexdigest()[:32]}{suffix}"
    size = stored.storage.size(stored.name)
    if target.exists() and target.stat().st_size == size:
        return str(target)
    partial = target.with_name(target.name + f".{os.getpid()}.part")
    with stored.storage.open(stored.name, "rb") as source, open(partial, "wb") as copy:
        shutil.copyfileobj(source, copy, length=1 << 20)
    os.chmod(partial, 0o600)
    partial.replace(target)
    return str(target)


def local_copy_discard(stored: File) -> None:
    """Remove this machine's copy of an object-storage file (nothing to do for the local storage)."""
    try:
        stored.path  # noqa: B018 - a local file is the original, never removed here
        return
    except NotImplementedError:
        pass
    folder = Path(tempfile.gettempdir()) / "crm-import-files"
    for candidate in folder.glob(f"{hashlib.sha256(stored.name.encode()).hexdigest()[:32]}*"):
        candidate.unlink(missing_ok=True)
