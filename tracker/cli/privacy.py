"""``flask retention run [--dry-run]``: erase the personal data of closed cases whose retention period ran out."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

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
