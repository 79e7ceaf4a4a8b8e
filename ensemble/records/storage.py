"""Originals, content-addressed: the storage name is derived from the SHA-256 of the bytes.

Identical bytes are stored once, whoever uploads them; an original is never overwritten.
"""

import hashlib

from django.core.files import File
from django.core.files.storage import Storage, storages

_CHUNK = 1024 * 1024


def sha256_of(handle: File) -> str:
    handle.seek(0)
    digest = hashlib.sha256()
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


def original_name(sha256: str, extension: str) -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def originals_storage() -> Storage:
    return storages["default"]


def original_store(handle: File, *, sha256: str, extension: str) -> str:
    """Store the bytes under their content address (once) and return the storage name."""
    storage = originals_storage()
    name = original_name(sha256, extension)
    if storage.exists(name):
        return name
    handle.seek(0)
    return storage.save(name, File(handle, name=name))
