"""The deadline sweep: one pass over the timers that are due for a warning, a breach or a legal fiction.

Its cost follows the number of due timers, not the number of cases: both queries are range scans on partial
indexes over running timers only. It is idempotent (a ``TimerEffect`` row per effect and due date, under a unique
key) and safe with several sweepers at once (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from tracker import clock
from tracker.actors import SYSTEM
from tracker.audit.models import EventKind
from tracker.audit.service import append_event
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.timers.models import Timer, TimerEffect, TimerEffectKind, TimerStatus

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
        cases = _load_cases(expired)  # noqa: F841 (held while the loop runs: db.session.get finds them)
        for timer in expired:
            _expire(timer, today, result)
        db.session.commit()
        if len(expired) < batch_size:
            break
    while True:
        warn = db.session.scalars(_locked(
            select(Timer).where(Timer.status == TimerStatus.RUNNING, Timer.warn_on <= today)
            .order_by(Timer.warn_on, Timer.id).limit(batch_size))).all()
        cases = _load_cases(warn)  # noqa: F841 (held, see above)
        for timer in warn:
            _warn(timer, result)
        db.session.commit()
        if len(warn) < batch_size:
            break
    if enqueue is not None:
        for effect_id in result.effect_ids:
            enqueue(effect_id)
    if result.total:
        log.info("sweep: %d warnings, %d breaches, %d fictions", result.warnings, result.breaches, result.fictions)
    return result


def _load_cases(timers: list[Timer]) -> list[Case]:
    """The batch's cases in one query. ``db.session.get`` then finds them in the session, as long as the caller
    keeps this list: the session holds loaded objects only weakly."""
    if not timers:
        return []
    return db.session.scalars(select(Case).where(Case.id.in_({timer.case_id for timer in timers}))).unique().all()


def _record_effect(timer: Timer, kind: TimerEffectKind) -> int | None:
    """Claim the effect; its id, or None when it already happened (another sweeper, an earlier run). One
    ``INSERT .. ON CONFLICT DO NOTHING`` on the unique key instead of a savepoint around a flush."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    with db.session.no_autoflush:  # nothing pending concerns it; the next query flushes
        return db.session.scalar(
            insert(TimerEffect.__table__).values(timer_pk=timer.id, kind=str(kind), due_on=timer.due_on,
                                                 created_at=clock.now())
            .on_conflict_do_nothing(index_elements=["timer_pk", "kind", "due_on"])
            .returning(TimerEffect.__table__.c.id))


def _warn(timer: Timer, result: SweepResult) -> None:
    timer.warn_on = None  # owed once per due date; recompute() sets it again if the due date moves
    effect_id = _record_effect(timer, TimerEffectKind.WARNING)
    if effect_id is None:
        result.skipped += 1
        return
    case = db.session.get(Case, timer.case_id)
    append_event(case, EventKind.TIMER_WARNING, SYSTEM, subject=timer.timer_id, data={"due_on": timer.due_on})
    result.warnings += 1
    result.effect_ids.append(effect_id)


def _expire(timer: Timer, today, result: SweepResult) -> None:
    from tracker.cases.service import CaseError, apply_transition
    from tracker.timers.service import refresh_summary
    from tracker.workflow_registry import workflow_of

    case = db.session.get(Case, timer.case_id)
    spec = workflow_of(case).timers[timer.timer_id]
    fiction = spec.on_expiry == "fiction"
    effect_id = _record_effect(timer, TimerEffectKind.FICTION if fiction else TimerEffectKind.BREACH)
    if effect_id is None:
        result.skipped += 1
        return
    timer.warn_on = None
    if fiction:
        try:
            with db.session.begin_nested():
                # The law's fiction (e.g. § 36(2) BeschV): the system performs the step, recorded with its basis.
                apply_transition(case, spec.fiction_transition, SYSTEM, {}, reason=(
                    f"Fristablauf am {timer.due_on.strftime('%d.%m.%Y')} ohne Antwort ({spec.basis})"))
                timer.status = TimerStatus.FIRED
                timer.finished_on = today
        except CaseError as error:
            log.warning("fiction %s on case %s not applicable: %s", spec.id, case.id, error)
            fiction = False
        else:
            result.fictions += 1
            result.effect_ids.append(effect_id)
            refresh_summary(case)
            return
    timer.status = TimerStatus.BREACHED
    # The summary first: its query flushes everything pending, so no event of this case is left unwritten and the
    # event's sequence number can be read without another flush. The case is then written once, not twice.
    refresh_summary(case)
    with db.session.no_autoflush:
        append_event(case, EventKind.TIMER_BREACHED, SYSTEM, subject=timer.timer_id, basis=spec.basis,
                     data={"due_on": timer.due_on})
    result.breaches += 1
    result.effect_ids.append(effect_id)
