"""Where uploaded files live: one small interface, so a shared volume or an object store can replace the local
directory without touching the code that receives or hands out documents.

A stored file has a random key (never the name the sender gave it); the database row beside it keeps the key, the
SHA-256 and the size. Keys are checked before they become paths: nothing outside the storage root is ever read.
"""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app

#: A key as ``LocalDirectoryStorage.put`` makes it: 32 lowercase hex digits.
KEY = re.compile(r"^[0-9a-f]{32}$")


class Storage(Protocol):
    """What the tracker needs of a document store. Implementations must be safe for several processes."""

    def put(self, data: bytes) -> str:
        """Store ``data`` under a new random key and return the key."""

    def read(self, key: str) -> bytes:
        """The bytes stored under ``key``; ``KeyError`` if there are none."""

    def delete(self, key: str) -> None:
        """Forget ``key`` (no error if it is already gone)."""

    def exists(self, key: str) -> bool: ...


class LocalDirectoryStorage:
    """Files under ``root/uploads/<first two digits>/<key>``, owner-readable only. ``root`` is ``DOCUMENTS_DIR``,
    which backups copy; it must lie outside anything a web server serves."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not KEY.match(key or ""):
            raise KeyError(key)
        return self.root / "uploads" / key[:2] / key

    def put(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # O_EXCL: a key is never reused, a file never overwritten; written whole before anyone reads the row.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return key

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except (FileNotFoundError, KeyError):
            pass

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except KeyError:
            return False

    def keys(self) -> list[str]:
        """Every stored key (tests and operators: what is really on disk)."""
        folder = self.root / "uploads"
        return sorted(path.name for path in folder.glob("*/*") if path.is_file()) if folder.is_dir() else []


def document_storage() -> Storage:
    """The app's storage: ``app.extensions["document_storage"]`` if a deployment installed another one (a shared
    volume, an object store), else the local directory ``DOCUMENTS_DIR``."""
    installed = current_app.extensions.get("document_storage")
    if installed is not None:
        return installed
    return LocalDirectoryStorage(current_app.config["DOCUMENTS_DIR"])
