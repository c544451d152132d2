"""``flask --app tracker outbox pump|digest|status``: the outbox by hand (the scheduler runs pump and digest)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.jobs.mail import pump_outbox
from tracker.notifications.delivery import counts
from tracker.notifications.digest import write_digests


@click.group("outbox")
def outbox_command():
    """The e-mail outbox: delivery of waiting messages, the staff's daily digest, counts."""


@outbox_command.command("pump")
@with_appcontext
def pump_command():
    """Enqueue every message that is owed and has no live delivery job (without Redis: deliver them now)."""
    click.echo(f"{pump_outbox()} message(s) enqueued")


@outbox_command.command("digest")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to report on (default: yesterday, from 06:00 Berlin time on).")
@with_appcontext
def digest_command(day):
    """Write the staff's daily digest (once per clerk and day; a second run writes nothing)."""
    written = write_digests(day.date() if day else None)
    click.echo(f"{written} digest(s) written")


@outbox_command.command("status")
@with_appcontext
def status_command():
    """Messages by status."""
    found = counts()
    for status in ("pending", "sending", "sent", "failed"):
        click.echo(f"{status:8} {found.get(status, 0)}")

