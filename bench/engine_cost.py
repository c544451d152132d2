"""The engine's cost: SQL statements per transition, transitions per second with one and with four clients, and the
ratio to PostgreSQL's own simple-update rate (pgbench -N) measured in the same run with the same clients.

A transition is measured as a clerk's request does it: ``apply_transition`` (access, engine, guards, audit event,
timer plan, report facts, outbox) and one commit, the case loaded and held by the request. The request's own lookup
of the logged-in user (one statement, on every request) is not counted. Statements are counted for each step of
``STEPS`` on freshly opened recognition cases; the rates use the first, the heaviest (a letter and the checklist)."""
from __future__ import annotations

import re
import subprocess
import multiprocessing
import time
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import event, select

from tracker.auth.models import User
from tracker.cases.loading import case_by_id
from tracker.cases.service import apply_transition, open_case
from tracker.extensions import db
from tracker.parties.models import Office, Person
from tracker.procedures.vocabulary import OfficeKind, Role

PROCEDURE = "recognition-bqfg"
#: (transition, inputs, what it writes), taken one after the other on the same cases.
STEPS = (
    ("confirm_receipt_incomplete", {"documents": "diploma"}, "receipt, documents missing: letter + checklist"),
    ("start_skills_analysis", {"method": "Arbeitsprobe"}, "an ordinary step: state, timers, facts"),
    ("finish_skills_analysis", {}, "an ordinary step without inputs"),
)
TRANSITION, INPUTS = STEPS[0][0], STEPS[0][1]
CLIENTS = (1, 4)


@dataclass
class EngineCost:
    statements_per_transition: float  #: of the heaviest step (``STEPS[0]``)
    statements_per_step: dict[str, float]  #: transition -> statements
    transitions_per_second: dict[int, float]  #: clients -> rate
    pgbench_tps: dict[int, float]  #: clients -> pgbench -N tps (0 when pgbench is not installed)

    def ratio(self, clients: int) -> float | None:
        tps = self.pgbench_tps.get(clients)
        return self.transitions_per_second[clients] / tps if tps else None


def measure(app, database_url: str, per_client: int = 100) -> EngineCost:
    office, clerk = _office_and_clerk()
    office_id, clerk_id = office.id, clerk.id
    statements = _statements_per_step(office, clerk, 20)
    rates = {clients: _rate(app, office_id, clerk_id, clients, per_client) for clients in CLIENTS}
    tps = {clients: _pgbench(database_url, clients) for clients in CLIENTS}
    return EngineCost(statements[TRANSITION], statements, rates, tps)


def _office_and_clerk() -> tuple[Office, User]:
    office = db.session.scalar(select(Office).where(Office.kind == OfficeKind.RECOGNITION_BODY).order_by(Office.id))
    clerk = db.session.scalar(select(User).where(User.office_id == office.id, User.role == Role.RECOGNITION_CLERK,
                                                 User.active).order_by(User.id))
    return office, clerk


def _fresh_cases(office: Office, clerk: User, count: int) -> list[int]:
    ids = []
    for number in range(count):
        person = Person(given_names="Bench", family_name=f"Transition {number}", date_of_birth=date(1990, 1, 1),
                        nationality="Vietnam")
        db.session.add(person)
        ids.append(open_case(procedure_id=PROCEDURE, applicant=person, office=office, actor=clerk).id)
    db.session.commit()
    return ids


def _statements_per_step(office: Office, clerk: User, count: int) -> dict[str, float]:
    ids, clerk_id = _fresh_cases(office, clerk, count), clerk.id
    db.session.expunge_all()  # as in a request: nothing of the case is loaded yet
    executed: list[int] = []

    def count_statement(*_args):
        executed.append(1)

    counts = {}
    for transition, inputs, _ in STEPS:
        executed.clear()
        for case_id in ids:
            actor = db.session.get(User, clerk_id)  # the request loads the logged-in user (not counted)
            event.listen(db.engine, "before_cursor_execute", count_statement)
            try:
                case = case_by_id(case_id)  # loaded as a view loads it, and held until it has committed
                apply_transition(case, transition, actor, dict(inputs))
                db.session.commit()
            finally:
                event.remove(db.engine, "before_cursor_execute", count_statement)
            db.session.expunge_all()
        counts[transition] = len(executed) / count
    return counts


def _rate(app, office_id: int, clerk_id: int, clients: int, per_client: int) -> float:
    """Each client is a process of its own, as each of gunicorn's workers is: threads of one process would share
    one interpreter lock and measure Python's lock rather than the engine. pgbench's clients are processes too."""
    office, clerk = db.session.get(Office, office_id), db.session.get(User, clerk_id)
    shares = [_fresh_cases(office, clerk, per_client) for _ in range(clients)]
    db.session.remove()
    db.engine.dispose()  # no pooled connection is shared with a forked client
    processes = multiprocessing.get_context("fork")
    ready = processes.Barrier(clients + 1)
    workers = [processes.Process(target=_client, args=(app, clerk_id, ids, ready)) for ids in shares]
    for worker in workers:
        worker.start()
    ready.wait(timeout=120)  # every client connected and holds its actor: the clock starts for all at once
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    failed = [worker.exitcode for worker in workers if worker.exitcode]
    if failed:
        raise RuntimeError(f"{len(failed)} engine bench client(s) failed (exit codes {failed})")
    return clients * per_client / seconds


def _client(app, clerk_id: int, ids: list[int], ready) -> None:
    """One client: its own connection, the bench's step on each of its cases, one commit each."""
    with app.app_context():
        actor = db.session.get(User, clerk_id)
        db.session.commit()
        ready.wait(timeout=120)
        for case_id in ids:
            case = case_by_id(case_id)
            apply_transition(case, TRANSITION, actor, dict(INPUTS))
            db.session.commit()
        db.session.remove()


def _pgbench(database_url: str, clients: int, seconds: int = 10) -> float:
    """pgbench -N (simple update) on a scratch database of the same server; 0 when pgbench is missing."""
    url = sa.engine.make_url(database_url)
    scratch = f"{url.database}_pgbench"
    server = sa.create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    libpq = url.set(drivername="postgresql", database=scratch).render_as_string(hide_password=False)
    try:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{scratch}"'))
        subprocess.run(["pgbench", "-i", "-q", "-s", "1", libpq], check=True, capture_output=True)
        done = subprocess.run(["pgbench", "-N", "-n", "-c", str(clients), "-j", str(clients), "-T", str(seconds),
                               libpq], check=True, capture_output=True, text=True)
    except FileNotFoundError:
        return 0.0
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        server.dispose()
    found = re.search(r"tps = ([0-9.]+)", done.stdout)
    return float(found.group(1)) if found else 0.0
