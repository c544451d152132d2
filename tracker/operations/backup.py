"""Backup and restore: the database plus the stored documents, with a manifest of SHA-256 checksums.

A backup directory holds ``database.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``database.sqlite`` (a
consistent copy made with SQLite's online backup API, safe while the app writes), ``documents/`` (a copy of
``DOCUMENTS_DIR``, when it exists) and ``manifest.json`` (every file with its SHA-256 and size, the database
dialect and the Alembic revision).

Restore checks every checksum before it touches anything and refuses a backup with a changed, missing or extra
file. The checksums catch corruption and edits, not a forger who rewrites the manifest too: keep backups where only
the operators can write (or sign them).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

MANIFEST = "manifest.json"
FORMAT = 1
POSTGRES_FILE = "database.dump"
SQLITE_FILE = "database.sqlite"
DOCUMENTS = "documents"


class BackupError(RuntimeError):
    """The backup or restore cannot be done safely; the message says why and what to do."""


@dataclass
class RestoreResult:
    files: int
    alembic_revision: str | None
    documents: bool


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq(url: sa.engine.URL) -> tuple[str, dict]:
    """A libpq connection URI for pg_dump/pg_restore, with the password moved into the environment (a command line
    is visible to every user of the host in ``ps``)."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, environment


def _run(command: list[str], environment: dict) -> None:
    try:
        completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} not found: install the PostgreSQL client tools (same major version as the "
                          "server or newer)") from None
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()}")


def _alembic_revision(engine: sa.engine.Engine) -> str | None:
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


@contextmanager
def _private_files():
    """Files and directories made meanwhile are for their owner only: a backup holds every applicant's data."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def backup(engine: sa.engine.Engine, documents_dir: Path, target: Path) -> dict:
    """Write a backup into ``target`` (new or empty; readable by its owner only) and return its manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new directory")
    with _private_files():
        target.mkdir(parents=True, exist_ok=True)
        target.chmod(0o700)
        return _write_backup(engine, documents_dir, target)


def _write_backup(engine: sa.engine.Engine, documents_dir: Path, target: Path) -> dict:
    url = engine.url
    if url.get_backend_name() == "postgresql":
        uri, environment = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target / POSTGRES_FILE}",
              f"--dbname={uri}"], environment)
    elif url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target / SQLITE_FILE)
        try:
            with destination:
                source.backup(destination)  # a consistent snapshot even while other connections write
        finally:
            destination.close()
            source.close()
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    has_documents = documents_dir.is_dir()
    if has_documents:
        shutil.copytree(documents_dir, target / DOCUMENTS, symlinks=False, copy_function=_copy_private)
        for directory in [target / DOCUMENTS, *(target / DOCUMENTS).rglob("*")]:
            if directory.is_dir():
                directory.chmod(0o700)  # copytree gives each directory its original's mode
    files = [{"path": path.relative_to(target).as_posix(), "sha256": sha256(path), "size": path.stat().st_size}
             for path in sorted(target.rglob("*")) if path.is_file()]
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": url.get_backend_name(),
        "alembic_revision": _alembic_revision(engine),
        "documents": has_documents,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _copy_private(source: str, destination: str) -> None:
    """Copy content only: the copy gets the owner-only mode of the backup, whatever the original's mode."""
    shutil.copyfile(source, destination)


def verify(source: Path) -> dict:
    """The backup's manifest, once every file matches it; otherwise a BackupError naming each difference."""
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{source} has no {MANIFEST}: not a tracker backup")
    try:
        manifest = json.loads(manifest_path.read_text())
        listed = {entry["path"]: entry for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{MANIFEST} is unreadable ({error}): the backup is damaged") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not supported (expected {FORMAT})")
    entries = list(source.rglob("*"))
    present = {path.relative_to(source).as_posix() for path in entries if path.is_file()} - {MANIFEST}
    # A backup holds regular files and directories only; a link could make the restore read or write elsewhere.
    problems = [f"not a regular file: {path.relative_to(source).as_posix()}" for path in entries
                if path.is_symlink() or not (path.is_file() or path.is_dir())]
    for path in sorted(listed.keys() - present):
        problems.append(f"missing: {path}")
    for path in sorted(present - listed.keys()):
        problems.append(f"not in the manifest: {path}")
    for path in sorted(listed.keys() & present):
        if sha256(source / path) != listed[path]["sha256"]:
            problems.append(f"checksum mismatch: {path}")
    if problems:
        raise BackupError("backup refused, it does not match its manifest (damaged or altered):\n  "
                          + "\n  ".join(problems))
    return manifest


def is_empty(engine: sa.engine.Engine) -> bool:
    inspector = sa.inspect(engine)
    return not inspector.get_table_names() and not inspector.get_view_names()


#: With ``--force``, run first in the restore's transaction: drop what the restore would collide with, i.e. every
#: view, table, sequence and function of the public schema that no extension owns.
WIPE_PUBLIC_SCHEMA = """
DO $wipe$
DECLARE
    statement text;
BEGIN
    FOR statement IN SELECT format('DROP VIEW IF EXISTS public.%I CASCADE', viewname)
                     FROM pg_views WHERE schemaname = 'public' LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN SELECT format('DROP TABLE IF EXISTS public.%I CASCADE', tablename)
                     FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN SELECT format('DROP SEQUENCE IF EXISTS public.%I CASCADE', sequence_name)
                     FROM information_schema.sequences WHERE sequence_schema = 'public' LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN SELECT format('DROP FUNCTION IF EXISTS %s CASCADE', p.oid::regprocedure)
                     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = 'public' AND p.prokind = 'f' AND NOT EXISTS (
                         SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
        EXECUTE statement;
    END LOOP;
END
$wipe$;
"""


def _restore_postgres(url: sa.engine.URL, dump: Path, *, wipe: bool) -> None:
    """Play the dump into the database in one transaction, after ``WIPE_PUBLIC_SCHEMA`` when ``wipe``: either all
    of it is there afterwards or nothing changed, the old tables included.

    ``pg_restore`` turns the dump into SQL and ``psql`` runs it, stopping at the first error; the transaction is
    committed only once ``pg_restore`` has read the whole dump without an error. (``pg_restore --single-transaction``
    alone cannot do this: the tables dropped before it would be gone even when it fails.) Without ownership, grants
    and comments, so the restoring role (the owner role, README) owns every object and needs no superuser right
    over the extensions."""
    uri, environment = _libpq(url)
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as session_errors:
        try:
            script = subprocess.Popen(["pg_restore", "--no-owner", "--no-acl", "--no-comments", "--file=-",
                                       str(dump)], env=environment, stdout=subprocess.PIPE, stderr=script_errors)
            session = subprocess.Popen(["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                                        f"--dbname={uri}"], env=environment, stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=session_errors)
        except FileNotFoundError as missing:
            raise BackupError(f"{missing.filename} not found: install the PostgreSQL client tools (same major "
                              "version as the server or newer)") from None
        try:
            session.stdin.write(b"BEGIN;\n" + (WIPE_PUBLIC_SCHEMA.encode() if wipe else b""))
            shutil.copyfileobj(script.stdout, session.stdin, 1024 * 1024)
            script.wait()
            if script.returncode == 0:
                session.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error and rolled back; its message is read below
        finally:
            script.stdout.close()
            script.wait()
            try:
                session.stdin.close()  # without a COMMIT, psql ends and the server rolls the transaction back
            except BrokenPipeError:
                pass
            session.wait()
        for process, errors in ((session, session_errors), (script, script_errors)):
            if process.returncode != 0:
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip()
                raise BackupError(f"{process.args[0]} failed, nothing was changed: {message}")


def restore(engine: sa.engine.Engine, documents_dir: Path, source: Path, *, force: bool = False) -> RestoreResult:
    """Restore a verified backup into the database behind ``engine`` and into ``documents_dir``.

    Refuses a database that holds any table, and a documents directory that holds any file, unless ``force``:
    then the database's tables are dropped first and the old documents are moved aside, not deleted."""
    manifest = verify(source)
    url = engine.url
    backend = url.get_backend_name()
    if manifest["database"] != backend:
        raise BackupError(f"this is a {manifest['database']} backup; the configured database is {backend}")
    documents_in_use = documents_dir.is_dir() and any(documents_dir.iterdir())
    if not force:
        if not is_empty(engine):
            raise BackupError("the target database is not empty: restore into an empty database, or pass --force "
                              "to drop its tables first")
        if manifest["documents"] and documents_in_use:
            raise BackupError(f"{documents_dir} is not empty: pass --force to move it aside first")

    engine.dispose()  # no pooled connection may hold the old schema (or, for SQLite, the old file) open
    if backend == "postgresql":
        _restore_postgres(url, source / POSTGRES_FILE, wipe=force)
    else:
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        backup_copy = sqlite3.connect(source / SQLITE_FILE)
        destination = sqlite3.connect(target)
        try:
            with destination:
                backup_copy.backup(destination)  # replaces the whole target database, atomically for readers
        finally:
            destination.close()
            backup_copy.close()

    if manifest["documents"]:
        if documents_in_use:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            documents_dir.rename(documents_dir.with_name(f"{documents_dir.name}.before-restore-{stamp}"))
        elif documents_dir.is_dir():
            documents_dir.rmdir()
        documents_dir.parent.mkdir(parents=True, exist_ok=True)
        if (source / DOCUMENTS).is_dir():
            shutil.copytree(source / DOCUMENTS, documents_dir)
        else:  # an empty folder, which a copy of the backup may drop; ``verify`` found every file it lists
            documents_dir.mkdir(mode=0o700)
    return RestoreResult(files=len(manifest["files"]), alembic_revision=_alembic_revision(engine),
                         documents=manifest["documents"])
