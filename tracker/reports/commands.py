"""``flask reports rebuild``: derive every case's facts and stages afresh (after the 0016 migration, or to check
that what the verbs maintained is what the events say). ``flask reports prune``: delete old exports now."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from tracker.cases.facts import rebuild_batch
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.reports.pruning import prune_exports

BATCH = 500


@click.group("reports")
def reports_command():
    """Report figures."""


@reports_command.command("rebuild")
@click.option("--batch", default=BATCH, show_default=True, help="Cases per transaction.")
@with_appcontext
def rebuild_command(batch: int):
    """Derive the report facts of every case from its events and timers, one transaction per batch."""
    total = db.session.scalar(select(func.count()).select_from(Case))
    done, last = 0, 0
    with click.progressbar(length=total, label="rebuilding report facts") as bar:
        while True:
            ids = list(db.session.scalars(select(Case.id).where(Case.id > last).order_by(Case.id).limit(batch)))
            if not ids:
                break
            done += rebuild_batch(ids)
            db.session.commit()
            last = ids[-1]
            bar.update(len(ids))
    click.echo(f"{done} case(s) rebuilt")


@reports_command.command("prune")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Keep exports requested within this many days (default: REPORT_EXPORT_KEEP_DAYS).")
@with_appcontext
def prune_command(days: int | None):
    """Delete the report exports requested longer ago than the keeping period, with their files."""
    keep = current_app.config["REPORT_EXPORT_KEEP_DAYS"] if days is None else days
    click.echo(f"{prune_exports(keep)} export(s) older than {keep} day(s) deleted")
