"""The deadline sweep: one pass over the timers that are due for a warning, a breach or a legal fiction.

Its cost follows the number of due timers, not the number of cases: both queries are range scans on partial
indexes over running timers only. It is idempotent (a ``TimerEffect`` row per effect and due date, under a unique
key) and safe with several sweepers at once (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import append_event
from tracker.auth.actors import SYSTEM
from tracker.cases.models import Case
from tracker.cases.service import CaseError, apply_transition
from tracker.db_types import insert_many
from tracker.extensions import db
from tracker.procedures import timer_plan
from tracker.procedures.definition import EFFECTIVE_ON
from tracker.procedures.vocabulary import TimerStatus
from tracker.registry import workflow_of
from tracker.timers.models import Timer, TimerEffect, TimerEffectKind
from tracker.timers.service import refresh_summaries, refresh_summary

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    fictions: int = 0
    skipped: int = 0
    effect_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.warnings + self.breaches + self.fictions


def _locked(query):
    # Two sweepers take disjoint timers instead of waiting on each other, and never two timers of one case at
    # once: both would append to the case's audit chain (same seq) and bump its version. A case a clerk is
    # changing right now is skipped too and swept on the next run. SQLite ignores the clause.
    return query.join(Case, Case.id == Timer.case_id).with_for_update(skip_locked=True, of=(Timer, Case))


def sweep(batch_size: int = 200, enqueue=None) -> SweepResult:
    """Act on every due timer, committing per batch. ``enqueue(effect_id)`` sends follow-up notifications."""
    result = SweepResult()
    today = clock.today()
    while True:
        expired = db.session.scalars(_locked(
            select(Timer).where(Timer.status == TimerStatus.RUNNING, Timer.due_on < today)
            .order_by(Timer.due_on, Timer.id).limit(batch_size))).all()
        batch = _Batch(expired)
        batch.claim(lambda timer: _expiry_kind(batch.case(timer), timer))
        for timer in expired:
            _expire(batch, timer, today, result)
        batch.finish()
        if len(expired) < batch_size:
            break
    while True:
        warn = db.session.scalars(_locked(
            select(Timer).where(Timer.status == TimerStatus.RUNNING, Timer.warn_on <= today)
            .order_by(Timer.warn_on, Timer.id).limit(batch_size))).all()
        batch = _Batch(warn)
        batch.claim(lambda timer: TimerEffectKind.WARNING)
        for timer in warn:
            _warn(batch, timer, result)
        batch.finish()
        if len(warn) < batch_size:
            break
    if enqueue is not None:
        for effect_id in result.effect_ids:
            enqueue(effect_id)
    if result.total:
        log.info("sweep: %d warnings, %d breaches, %d fictions", result.warnings, result.breaches, result.fictions)
    return result


class _Batch:
    """One batch of due timers, written with few statements per timer: the cases are loaded and the effects
    claimed in one statement each, audit events are appended without flushing the session first, and the queue
    summaries of breached cases are read in one query at the end, all in the batch's transaction."""

    def __init__(self, timers: list[Timer]):
        self.timers = timers
        # Held for the batch: the session keeps loaded objects only weakly.
        self.cases = {case.id: case for case in db.session.scalars(
            select(Case).where(Case.id.in_({timer.case_id for timer in timers}))).unique()} if timers else {}
        self.effects: dict[int, int] = {}  # timer pk -> id of the effect claimed for it
        self.unwritten: set[int] = set()  # cases with an appended event not flushed yet
        self.breached: dict[int, Case] = {}

    def claim(self, kind_of) -> None:
        """Claim every timer's effect in one ``INSERT .. ON CONFLICT DO NOTHING`` on the unique key: a timer whose
        effect already happened (another sweeper, an earlier run) gets no id and is skipped."""
        if not self.timers:
            return
        table = TimerEffect.__table__
        now = clock.now()
        rows = [{"timer_pk": timer.id, "kind": str(kind_of(timer)), "due_on": timer.due_on, "created_at": now}
                for timer in self.timers]
        with db.session.no_autoflush:  # nothing pending concerns it
            self.effects = dict(insert_many(table, rows, returning=(table.c.timer_pk, table.c.id),
                                            conflict_on=("timer_pk", "kind", "due_on")))

    def case(self, timer: Timer) -> Case:
        return self.cases[timer.case_id]

    def append(self, case: Case, kind: EventKind, **fields) -> None:
        """``append_event`` reads the chain's last sequence number from the table: flush first only when this
        case has an event that is not written yet (two due timers of one case in a batch)."""
        if case.id in self.unwritten:
            db.session.flush()
            self.unwritten.clear()
        with db.session.no_autoflush:
            append_event(case, kind, SYSTEM, **fields)
        self.unwritten.add(case.id)

    def finish(self) -> None:
        if self.breached:
            # Read before the batch is written, so each case is updated once at commit (summary, chain head and
            # version together). The batch only turned running timers into breached ones, which stay open with the
            # same due date: the nearest due date reads the same either way, and each of these cases has a breach.
            with db.session.no_autoflush:
                refresh_summaries(list(self.breached.values()))
            for case in self.breached.values():
                case.breached = True
        db.session.commit()


def _warn(batch: _Batch, timer: Timer, result: SweepResult) -> None:
    timer.warn_on = None  # owed once per due date; recompute() sets it again if the due date moves
    effect_id = batch.effects.get(timer.id)
    if effect_id is None:
        result.skipped += 1
        return
    batch.append(batch.case(timer), EventKind.TIMER_WARNING, subject=timer.timer_id, data={"due_on": timer.due_on})
    result.warnings += 1
    result.effect_ids.append(effect_id)


def _expiry_kind(case: Case, timer: Timer) -> TimerEffectKind:
    spec = workflow_of(case).timers[timer.timer_id]
    return TimerEffectKind.FICTION if spec.on_expiry == "fiction" else TimerEffectKind.BREACH


def _perform_fiction(case, spec, timer: Timer, today: date) -> None:
    """The law's fiction (e.g. § 36(2) BeschV): the system performs the step, recorded with its basis and dated the
    day after the due date: the approval is deemed granted once the week has run out, at the end of its last day,
    however late the sweep gets to it (a sweep that did not run over a weekend must not move the fiction's date).
    Should a later fact of the case already be recorded, the fiction is dated the day it is performed instead."""
    deemed_on = timer.due_on + timedelta(days=1)
    reason = timer_plan.fiction_reason(spec, timer.due_on)
    for day in dict.fromkeys((deemed_on, today)):
        try:
            with db.session.begin_nested():
                apply_transition(case, spec.fiction_transition, SYSTEM, {EFFECTIVE_ON: day.isoformat()}, reason=reason)
                timer.status = TimerStatus.FIRED
                timer.finished_on = day
            return
        except CaseError:
            if day == today:
                raise


def _expire(batch: _Batch, timer: Timer, today, result: SweepResult) -> None:
    case = batch.case(timer)
    spec = workflow_of(case).timers[timer.timer_id]
    fiction = spec.on_expiry == "fiction"
    effect_id = batch.effects.get(timer.id)
    if effect_id is None:
        result.skipped += 1
        return
    timer.warn_on = None
    if fiction:
        try:
            _perform_fiction(case, spec, timer, today)
        except CaseError as error:
            log.warning("fiction %s on case %s not applicable: %s", spec.id, case.id, error)
            fiction = False
        else:
            result.fictions += 1
            result.effect_ids.append(effect_id)
            refresh_summary(case)
            return
    timer.status = TimerStatus.BREACHED
    batch.append(case, EventKind.TIMER_BREACHED, subject=timer.timer_id, basis=spec.basis,
                 data={"due_on": timer.due_on})
    batch.breached[case.id] = case
    result.breaches += 1
    result.effect_ids.append(effect_id)
