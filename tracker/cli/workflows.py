"""`flask workflows list|check|show`: inspect and validate the procedure definitions in WORKFLOWS_DIR."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.procedures.loader import DefinitionError, Registry, load_directory


def _registry() -> Registry:
    directory = current_app.config.get("WORKFLOWS_DIR")
    if not directory:
        raise click.ClickException("WORKFLOWS_DIR is not configured")
    try:
        return load_directory(directory)
    except DefinitionError as error:
        for message in error.messages:
            click.echo(message, err=True)
        raise click.ClickException(f"{len(error.messages)} error(s) in {directory}") from None
    except OSError as error:
        raise click.ClickException(f"cannot read {directory}: {error}") from None


@click.group("workflows")
def workflows_command():
    """Procedure definitions (workflows/*.yaml)."""


@workflows_command.command("list")
@with_appcontext
def list_command():
    """One line per procedure: id, latest version, German title."""
    for workflow in _registry().all():
        click.echo(f"{workflow.id}  {workflow.version}  {workflow.title.de}")


@workflows_command.command("check")
@with_appcontext
def check_command():
    """Validate every definition; print all errors and exit 1 if there is any."""
    registry = _registry()
    click.echo(f"{len(registry.all())} procedures OK")


@workflows_command.command("show")
@click.argument("workflow_id")
@click.option("--version", "version", type=int, default=None, help="Version (default: the latest).")
@with_appcontext
def show_command(workflow_id: str, version: int | None):
    """States, transitions and timers of one procedure."""
    try:
        workflow = _registry().get(workflow_id, version)
    except KeyError:
        raise click.ClickException(f"no procedure {workflow_id!r}" + (f" version {version}" if version else ""))
    click.echo(f"{workflow.id} v{workflow.version}: {workflow.title.de}")
    click.echo(f"  {workflow.legal_basis}; prefix {workflow.reference_prefix}; {workflow.office_kind}")
    click.echo("States:")
    for state in workflow.states.values():
        end = f"  terminal ({state.outcome})" if state.terminal else ""
        initial = "  initial" if state.id == workflow.initial_state else ""
        click.echo(f"  {state.id}  [{state.responsible}]{initial}{end}")
    click.echo("Transitions:")
    for t in workflow.transitions.values():
        click.echo(f"  {t.id}: {', '.join(t.sources)} -> {t.target} [{', '.join(sorted(t.roles))}] {t.basis}")
    click.echo("Timers:")
    for timer in workflow.timers.values():
        length = timer.period or (f"{timer.working_days} working days" if timer.working_days
                                  else f"date in input {timer.due_input!r}")
        when = f" (only {timer.only_when})" if timer.only_when else ""
        expiry = f"fiction {timer.fiction_transition}" if timer.fiction_transition else timer.on_expiry
        click.echo(f"  {timer.id}: {length} {timer.kind}{when}, on expiry {expiry}; {timer.basis}")
