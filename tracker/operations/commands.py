"""``flask --app tracker backup --to DIR`` and ``flask --app tracker restore --from DIR``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.operations.backup import BackupError, backup, restore


def _documents_dir() -> Path:
    return Path(current_app.config["DOCUMENTS_DIR"])


@click.command("backup")
@click.option("--to", "target", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new or empty directory for the backup.")
@with_appcontext
def backup_command(target: Path):
    """Back up the database and the stored documents, with a manifest of SHA-256 checksums."""
    try:
        manifest = backup(db.engine, _documents_dir(), target)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    documents = "with documents" if manifest["documents"] else "no documents directory"
    click.echo(f"backup written to {target}: {len(manifest['files'])} file(s), {manifest['database']}, "
               f"revision {manifest['alembic_revision'] or 'none'}, {documents}")


@click.command("restore")
@click.option("--from", "source", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A directory written by `backup`.")
@click.option("--force", is_flag=True, help="Restore even into a non-empty database (its tables are dropped) and "
                                            "move existing documents aside.")
@with_appcontext
def restore_command(source: Path, force: bool):
    """Restore a backup after checking every file against its manifest."""
    try:
        result = restore(db.engine, _documents_dir(), source, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {result.files} verified file(s); database at revision {result.alembic_revision or 'none'}")
    if db.engine.url.get_backend_name() == "postgresql":
        click.echo("next: deploy/postgres-roles.sql as a superuser (the app role's grants on the restored tables), "
                   "`flask --app tracker db upgrade` as the owner role if this release is newer, then "
                   "`flask --app tracker audit verify`")
    else:
        click.echo("next: `flask --app tracker db upgrade` if this release is newer, then `flask --app tracker audit "
                   "verify`")


COMMANDS = (backup_command, restore_command)
