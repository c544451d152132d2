"""``flask retention run [--dry-run]``: erase the personal data of closed cases whose retention period ran out."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from tracker.auth import secret_box
from tracker.auth.models import User
from tracker.extensions import db
from tracker.privacy.retention import run_retention


@click.group("retention")
def retention_command():
    """Retention periods (declared per procedure and outcome in workflows/*.yaml)."""


@retention_command.command("run")
@click.option("--dry-run", is_flag=True, help="Only list the cases that are due; erase nothing.")
@with_appcontext
def retention_run(dry_run: bool):
    """Erase the personal data of every closed case kept past its retention period (statistics and the audit
    chain stay). Prints case references and dates, never names."""
    due = run_retention(dry_run=dry_run)
    for item in due:
        click.echo(f"{item.reference}: kept until {item.keep_until.isoformat()}"
                   f"{'' if dry_run else ' - erased'}")
    click.echo(f"{len(due)} case(s) {'due' if dry_run else 'erased'}")


@click.group("totp")
def totp_command():
    """Second-factor secrets (encrypted at rest under TOTP_KEY)."""


@totp_command.command("rotate-key")
@with_appcontext
def totp_rotate_key():
    """Re-encrypt every stored TOTP secret under the current TOTP_KEY (the earlier key listed in TOTP_OLD_KEYS);
    afterwards TOTP_OLD_KEYS can be emptied."""
    users = db.session.scalars(select(User).where(User.totp_secret_encrypted.is_not(None))).all()
    for user in users:
        user.totp_secret_encrypted = secret_box.rotate(user.totp_secret_encrypted)
    db.session.commit()
    click.echo(f"{len(users)} secret(s) re-encrypted under the current TOTP_KEY")
