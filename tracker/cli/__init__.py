"""Command-line interface: ``flask --app tracker <command>``."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from tracker.applicant.codes import grouped, issue_code
from tracker.audit.service import count_unkeyed_events
from tracker.auth import tokens
from tracker.auth.models import User
from tracker.auth.passwords import password_problems
from tracker.cases.models import Case
from tracker.cases.queries import verify_audit_trail
from tracker.cli.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from tracker.cli.due_date import due_date_command
from tracker.cli.outbox import outbox_command
from tracker.cli.privacy import retention_command, totp_command
from tracker.cli.simulate import simulate_command
from tracker.cli.workflows import workflows_command
from tracker.config import settle_long_lived_process
from tracker.extensions import db
from tracker.jobs.deadlines import run_sweep
from tracker.jobs.queue import QUEUES
from tracker.jobs.worker import run_scheduler, run_worker
from tracker.parties.models import Office, Person
from tracker.procedures.vocabulary import Role
from tracker.seed import seed_command


@click.group("audit")
def audit_command():
    """Audit trail tools."""


@audit_command.command("verify")
@with_appcontext
def audit_verify():
    """Check every case's keyed hash chain and that each case is in the state its chain ends in; name the first
    broken event of each broken case."""
    broken = 0
    for chain_break in verify_audit_trail():
        broken += 1
        where = f"event {chain_break.event_id}" if chain_break.event_id else "end of chain"
        click.echo(f"case {chain_break.case_id}: {where} (#{chain_break.seq}): {chain_break.problem}", err=True)
    unkeyed = count_unkeyed_events()
    if unkeyed:
        click.echo(f"note: {unkeyed} event(s) without the audit key (plain SHA-256: accepted up to "
                   f"AUDIT_UNKEYED_UNTIL={current_app.config['AUDIT_UNKEYED_UNTIL']}, not proof against someone "
                   "with database access)", err=True)
    if broken:
        raise click.ClickException(f"{broken} case(s) with a broken audit chain")
    click.echo("audit trail intact")


@click.command("sweep")
@with_appcontext
def sweep_command():
    """Run the deadline sweep once (warnings, breaches, legal fictions)."""
    click.echo(f"{run_sweep()} timer effect(s)")


@click.command("worker")
@click.option("--queue", "-q", "queues", multiple=True, type=click.Choice(QUEUES),
              help="Serve only this queue (repeatable); default: every queue, in the order of priority listed "
                   "here.")
@click.option("--processes", "-p", type=click.IntRange(1, 64), default=1, show_default=True,
              envvar="WORKER_PROCESSES",
              help="Worker processes: more than one makes this an RQ worker pool that replaces a worker that dies "
                   "(environment: WORKER_PROCESSES).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(queues: tuple[str, ...], processes: int, burst: bool):
    """Run RQ workers for the tracker's jobs (needs REDIS_URL)."""
    app = current_app._get_current_object()
    _require_redis(app)
    settle_long_lived_process()  # before a pool forks its workers: they inherit it
    run_worker(app, burst=burst, queues=queues or QUEUES, processes=processes)


@click.command("scheduler")
def scheduler_command():
    """Enqueue recurring jobs (the deadline sweep every minute) on RQ (needs REDIS_URL)."""
    app = current_app._get_current_object()
    _require_redis(app)
    run_scheduler(app)


def _require_redis(app: Flask) -> None:
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set; without Redis the sweep runs in the web process")


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo offices, users and cases (once; a second run changes nothing)."""
    created = load_demo()
    click.echo("demo data loaded" if created else "demo data already present")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, name, role, _office in DEMO_USERS:
        click.echo(f"  {email:32} {role:18} {name}")
    if created:
        reference, code = demo_access_code()
        click.echo(f"Applicant status page: /status with reference {reference} and access code {code} (shown once; "
                   "a clerk renews it in the case file)")


def demo_access_code() -> tuple[str, str]:
    """An access code for one demo applicant (Ana Pereira's recognition case), issued as its clerk does, so the
    applicant's status page can be tried at once."""
    person = db.session.scalar(select(Person).where(Person.family_name == "Pereira"))
    case = db.session.scalar(select(Case).where(Case.applicant_id == person.id).order_by(Case.id))
    clerk = db.session.scalar(select(User).where(User.office_id == case.office_id, User.active,
                                                 User.role == Role.RECOGNITION_CLERK).order_by(User.id))
    issued = issue_code(case, clerk)
    db.session.commit()
    return case.reference, grouped(issued.code)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role.people()]))
@click.option("--office", "office_code", help="Office code for staff.")
@click.password_option()
@with_appcontext
def create_user_command(email, name, role, office_code, password):
    """Create an account (passwords are stored hashed)."""
    _require_good_password(password, email=email, name=name)
    office = db.session.scalar(select(Office).where(Office.code == office_code)) if office_code else None
    if office_code and office is None:
        raise click.ClickException(f"unknown office {office_code}")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower())) is not None:
        raise click.ClickException("an account with this e-mail address exists already (capitals do not count)")
    user = User(email=email.lower(), name=name, role=role, office=office)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"user {user.id} created")


def _require_good_password(password: str, *, email: str, name: str = "") -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise click.ClickException(" ".join(problem.get("en") for problem in problems))


def _user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException("no such user")
    return user


@click.command("set-password")
@click.option("--email", required=True)
@click.password_option()
@with_appcontext
def set_password_command(email, password):
    """Set a user's password; every open session and every API token of that user ends."""
    user = _user_by_email(email)
    _require_good_password(password, email=user.email, name=user.name)
    user.set_password(password)
    ended = tokens.revoke_all(user)
    db.session.commit()
    click.echo(f"password of user {user.id} set; their sessions and {ended} API token(s) have ended")


@click.command("deactivate-user")
@click.option("--email", required=True)
@with_appcontext
def deactivate_user_command(email):
    """Deactivate an account: it can no longer log in and every open session of it ends."""
    user = _user_by_email(email)
    user.active = False
    db.session.commit()
    click.echo(f"user {user.id} deactivated; their sessions have ended")


@click.command("reset-totp")
@click.option("--email", required=True)
@with_appcontext
def reset_totp_command(email):
    """Recovery of a lost second factor: remove it (the user enrols anew at the next login); sessions and API tokens
    end."""
    user = _user_by_email(email)
    user.reset_totp()
    ended = tokens.revoke_all(user)
    db.session.commit()
    click.echo(f"second factor of user {user.id} removed; their sessions and {ended} API token(s) have ended")


@click.command("create-token")
@click.option("--email", required=True, help="The user the token acts as (with exactly their rights).")
@click.option("--scopes", default="read", show_default=True, help="read, write or read,write.")
@click.option("--days", default=tokens.DEFAULT_DAYS, show_default=True, type=click.IntRange(1, tokens.MAX_DAYS),
              help="Days until the token expires.")
@click.option("--name", default="Kommandozeile", show_default=True, help="A name to tell the token apart by.")
@with_appcontext
def create_token_command(email, scopes, days, name):
    """Create a personal API token. It is printed once, on the last line, and stored only as a hash."""
    user = _user_by_email(email)
    try:
        row, token = tokens.issue(user, name=name, scopes=scopes, days=days)
    except tokens.TokenError as error:
        raise click.ClickException(error.message.en) from None
    db.session.commit()
    click.echo(f"token {row.id} for user {user.id} ({row.scopes}), valid until {row.expires_at:%Y-%m-%d %H:%M} UTC; "
               "shown only now:")
    click.echo(token)


def install(app: Flask) -> None:
    for command in (workflows_command, due_date_command, audit_command, sweep_command, worker_command,
                    scheduler_command, demo_command, create_user_command, set_password_command,
                    deactivate_user_command, reset_totp_command, seed_command, simulate_command, outbox_command,
                    retention_command, totp_command, create_token_command):
        app.cli.add_command(command)
