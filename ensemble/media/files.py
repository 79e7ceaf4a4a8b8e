"""Stored files as local paths, for tools (PyAV, FFmpeg) that need a file on disk."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files.storage import Storage


@contextmanager
def local_path(storage: Storage, name: str) -> Iterator[Path]:
    """The file's own path on local storage; a temporary copy on remote storage (S3)."""
    try:
        yield Path(storage.path(name))
        return
    except NotImplementedError:
        pass
    suffix = Path(name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, storage.open(name, "rb") as source:
        shutil.copyfileobj(source, copy, 1024 * 1024)
        copy.flush()
        yield Path(copy.name)
