"""The expected date: how long the same office took to decide the same procedure, after the documents were complete.

Read from the newest decided cases of the same procedure, office and mode (``ix_cases_decided``): for each, the
days from the complete documents (the start of its decision period, a timer that ``starts_from:
documents_complete``) to the decision (the day that timer was met). The figure says how: "8 of 10 similar cases were
decided within 6 weeks of complete documents": the fewest whole weeks within which at least ``SHARE`` of them were
decided. Fewer than ``MINIMUM`` such cases support no figure, and the page says so."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from tracker.applicant.models import DECIDED_OUTCOMES
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.procedures.vocabulary import TimerStatus
from tracker.registry import registry
from tracker.timers.models import Timer

#: At least this many past cases, or no figure at all.
MINIMUM = 10
#: The newest this many decided cases count (today's practice, not last decade's), and the query stays short.
SAMPLE = 100
#: The share of past cases the figure covers.
SHARE = 0.8
DOCUMENTS_COMPLETE = "documents_complete"


@dataclass(frozen=True)
class Estimate:
    #: Past cases read (0 when the procedure has no decision period that runs from complete documents).
    cases: int
    #: Of those, decided within ``weeks`` weeks; None below ``MINIMUM``.
    within: int | None = None
    weeks: int | None = None

    @property
    def supported(self) -> bool:
        return self.weeks is not None

    def expected_on(self, documents_complete_on: date | None) -> date | None:
        if not self.supported or documents_complete_on is None:
            return None
        return documents_complete_on + timedelta(weeks=self.weeks)


def decision_timer_ids(procedure_id: str) -> tuple[str, ...]:
    """The procedure's decision periods: timers the authority owes that run from the complete documents."""
    workflow = registry().latest(procedure_id)
    return tuple(spec.id for spec in workflow.timers.values()
                 if spec.starts_from == DOCUMENTS_COMPLETE and spec.owed_by == "authority")


def durations(procedure_id: str, office_id: int, accelerated: bool, timer_ids: tuple[str, ...]) -> list[int]:
    """Days from complete documents to the decision, for the newest ``SAMPLE`` decided cases alike.

    The newest cases come off ``ix_cases_decided`` in its order (a LIMIT on an index range, however many cases
    the office has decided); then their decision periods. A case whose period ran more than once (documents found
    incomplete again) counts with its last one: the complete documents the decision was made on."""
    if not timer_ids:
        return []
    newest = (select(Case.id).where(
        Case.office_id == office_id, Case.procedure_id == procedure_id, Case.accelerated == accelerated,
        Case.outcome.in_([str(outcome) for outcome in DECIDED_OUTCOMES]))
        .order_by(Case.closed_at.desc()).limit(SAMPLE).subquery())
    rows = db.session.execute(
        select(Timer.case_id, Timer.started_on, Timer.finished_on)
        .join(newest, newest.c.id == Timer.case_id)
        .where(Timer.timer_id.in_(timer_ids), Timer.status == TimerStatus.MET, Timer.finished_on.is_not(None))
        .order_by(Timer.case_id, Timer.id.desc())).all()
    last: dict[int, int] = {}
    for case_id, started, finished in rows:
        last.setdefault(case_id, (finished - started).days)
    return list(last.values())


def summarise(days: list[int]) -> Estimate:
    """Pure: the figure from the durations (in days)."""
    if len(days) < MINIMUM:
        return Estimate(cases=len(days))
    ordered = sorted(max(day, 0) for day in days)
    covering = ordered[math.ceil(SHARE * len(ordered)) - 1]
    weeks = max(math.ceil(covering / 7), 1)
    within = sum(1 for day in ordered if day <= weeks * 7)
    return Estimate(cases=len(ordered), within=within, weeks=weeks)


def estimate_for(case: Case) -> Estimate:
    return summarise(durations(case.procedure_id, case.office_id, case.accelerated,
                               decision_timer_ids(case.procedure_id)))
