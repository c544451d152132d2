"""The retention job: closed cases whose retention period (``retention:`` in the workflow YAML, per outcome) has
run out lose their personal data; a person whose every case is erased is pseudonymised. Runs daily as a recurring
job and as ``flask retention run [--dry-run]``. Idempotent: an erased case is never touched again."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tracker import clock
from tracker.auth.actors import SYSTEM
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.parties.models import Person
from tracker.privacy.erasure import RETENTION_BASIS, erase_case, pseudonymise
from tracker.procedures.deadlines import add_period, parse_period
from tracker.registry import workflow_of

log = logging.getLogger(__name__)

RETENTION_REASON = "Aufbewahrungsfrist abgelaufen"
BATCH = 500


@dataclass(frozen=True)
class Due:
    case_id: int
    reference: str
    keep_until: date


def keep_until(case: Case) -> date | None:
    """The last day the closed case keeps its personal data; None while open or without a declared period."""
    if case.closed_at is None:
        return None
    retention = workflow_of(case).retention
    period = retention.period_for(case.outcome) if retention else None
    if period is None:
        return None
    return add_period(clock.berlin_date(case.closed_at), parse_period(period))


def due_cases(today: date | None = None) -> list[Due]:
    today = today or clock.today()
    due, last_id = [], 0
    while True:
        batch = list(db.session.scalars(select(Case).where(Case.closed_at.is_not(None), Case.erased_at.is_(None),
                                                           Case.id > last_id).order_by(Case.id).limit(BATCH)))
        if not batch:
            return due
        for case in batch:
            until = keep_until(case)
            if until is not None and until < today:
                due.append(Due(case.id, case.reference, until))
        last_id = batch[-1].id


def run_retention(dry_run: bool = False) -> list[Due]:
    """Erase every case whose period ran out (one commit per case); returns them. Logs counts and ids only."""
    due = due_cases()
    if dry_run:
        return due
    for item in due:
        case = db.session.get(Case, item.case_id)
        erase_case(case, SYSTEM, RETENTION_REASON, RETENTION_BASIS)
        person = db.session.get(Person, case.applicant_id)
        if person.erased_at is None and all(
                other.erased_at is not None
                for other in db.session.scalars(select(Case).where(Case.applicant_id == person.id))):
            pseudonymise(person)
        db.session.commit()
        log.info("retention: erased the personal data of case %d", item.case_id)
    return due


_last_run: list[date] = []


def run_retention_job() -> None:
    """The recurring job (no arguments: nothing personal on the queue). The in-process scheduler of ``make run``
    calls every job each minute: the retention runs once per Berlin day there."""
    if _last_run and _last_run[-1] == clock.today():
        return
    _last_run[:] = [clock.today()]
    erased = run_retention()
    if erased:
        log.info("retention: %d case(s) erased", len(erased))
