"""`flask due-date`: compute a legal deadline from the command line (see tracker/procedures/deadlines.py).

Only click and the pure deadline module: the lead registers `due_date_command` on the app.
"""
import re
from datetime import date

import click

from tracker.procedures.deadlines import (
    CALENDAR_NAMES,
    add_working_days,
    compute_due,
    parse_period,
)
from tracker.procedures.vocabulary import CalendarName


def _parse_start(ctx, param, value):
    """START as YYYY-MM-DD exactly (date.fromisoformat alone would also take 20260115)."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def _parse_period(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_period(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("due-date")
@click.argument("start", callback=_parse_start)
@click.argument("period", required=False, callback=_parse_period)
@click.option("--extend", "extension", metavar="PERIOD", callback=_parse_period,
              help="One extension, running from the unshifted end of PERIOD (§ 190 BGB).")
@click.option("--working-days", type=click.IntRange(1, 9999), metavar="N",
              help="Count N Werktage (Mon–Sat, not holidays) instead of a PERIOD.")
@click.option("--calendar", type=click.Choice(CALENDAR_NAMES), default=CalendarName.TH.value, show_default=True,
              help="Holiday calendar; 'none' (missions abroad) never shifts.")
@click.option("--explain", is_flag=True, help="Print how the date was reached.")
@click.option("--lang", type=click.Choice(("de", "en")), default="de", show_default=True,
              help="Language of --explain.")
def due_date_command(start, period, extension, working_days, calendar, explain, lang):
    """Print the due date for START (YYYY-MM-DD) plus PERIOD (P10D, P2W, P1M …) or --working-days N."""
    if (period is None) == (working_days is None):
        raise click.UsageError("give either PERIOD or --working-days N, not both or neither")
    if working_days is not None and extension is not None:
        raise click.UsageError("--extend works only with PERIOD, not with --working-days")
    try:
        if working_days is not None:
            deadline = add_working_days(start, working_days, calendar=calendar)
        else:
            deadline = compute_due(start, period, calendar=calendar, extension=extension)
    except (ValueError, OverflowError) as error:  # only near date.max: year 9999
        raise click.UsageError(f"cannot compute a due date: {error}") from None
    click.echo(deadline.due.isoformat())
    if explain:
        for line in deadline.explain(lang):
            click.echo(line)
