"""Seeded cases are what the real service would have made of the same steps.

The seed generator takes its decisions from the pure core; this test checks that it also applies them as the
service does. For a sample of seeded cases it replays every step a person took (opening, transitions, documents,
assignments, read back from the seeded audit trail) through the real verbs in a fresh case, with the clock set to
the moment each step was recorded, and runs the real deadline sweep once a day at 00:01 on every day on which one of
the fresh case's running timers is overdue or owes a warning. The fresh case must end where the seeded one is: same
state, outcome, documents, timers (with pauses and sweep effects) and the same audit events, and both chains verify.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from tracker import clock
from tracker.audit.models import Event, EventKind
from tracker.audit.service import case_events
from tracker.auth.models import User
from tracker.cases.models import Case
from tracker.cases.queries import verify_audit_trail
from tracker.cases.service import (
    apply_transition,
    assign,
    open_case,
    set_document_status,
)
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.procedures.definition import EFFECTIVE_ON
from tracker.procedures.vocabulary import Role, TimerStatus
from tracker.seed import seed_cases
from tracker.timers.models import Timer, TimerEffect

#: The model of the deadline sweep both sides follow: one run a day, at 00:01 in Berlin, before anyone acts.
SWEEP_TIME = time(0, 1)
#: A person's steps; everything else in a chain (timers, sweep effects, fictions, the linked case's opening)
#: must follow from them.
STEPS = (EventKind.OPENED, EventKind.TRANSITION, EventKind.DOCUMENT, EventKind.ASSIGNED)


@pytest.fixture
def seeded(app):
    today = clock.today()
    seed_cases(160, batch_size=80, seed=20260302)
    db.session.expire_all()
    return today


def sample(today: date) -> list[Case]:
    """Root cases of every kind: § 81a cases with their recognition case, cases a fiction moved, breached ones,
    closed ones, and plain recognition cases."""
    roots = list(db.session.scalars(select(Case).where(Case.parent_id.is_(None)).order_by(Case.id)))

    def has(case: Case, **where) -> bool:
        family = [case.id] + [child.id for child in case.children]
        return bool(db.session.scalar(select(func.count(Event.id)).where(Event.case_id.in_(family))
                                      .filter_by(**where)))

    picks = {}
    for label, wanted, holds in (
            ("fiction", 2, lambda case: has(case, actor_role=Role.SYSTEM, kind=EventKind.TRANSITION)),
            ("breach", 3, lambda case: has(case, kind=EventKind.TIMER_BREACHED)),
            ("warning", 2, lambda case: has(case, kind=EventKind.TIMER_WARNING)),
            ("pause", 2, lambda case: has(case, kind=EventKind.TIMER_PAUSED)),
            ("linked", 3, lambda case: bool(case.children)),
            ("closed", 2, lambda case: case.closed_at is not None),
            ("any", 8, lambda case: True)):
        found = [case for case in roots if holds(case) and case.id not in picks][:wanted]
        assert found, f"the seeded sample has no case with a {label}: seed more cases"
        picks.update((case.id, case) for case in found)
    return list(picks.values())


def sweep_until(cases: list[Case], swept_through: date, last_day: date) -> date:
    """Run the real sweep on each day after ``swept_through`` up to ``last_day`` on which a running timer of these
    cases is overdue or owes a warning; returns the last day swept through."""
    while True:
        due_on, warn_on = db.session.execute(
            select(func.min(Timer.due_on), func.min(Timer.warn_on))
            .where(Timer.case_id.in_([case.id for case in cases]), Timer.status == TimerStatus.RUNNING)).one()
        owed = [day for day in (due_on + timedelta(days=1) if due_on else None, warn_on) if day is not None]
        day = max(min(owed), swept_through + timedelta(days=1)) if owed else None
        if day is None or day > last_day:
            return last_day
        clock.travel_to(datetime.combine(day, SWEEP_TIME, tzinfo=clock.BERLIN))
        sweep()
        swept_through = day


def replay(root: Case, today: date) -> dict[int, Case]:
    """The person's steps of ``root`` and its linked case, in time order (the § 81a case first on a tie), through
    the real verbs; returns seeded case id -> fresh case."""
    family = [root] + list(root.children)
    steps = sorted(((event.occurred_at, position, event) for position, case in enumerate(family)
                    for event in case_events(case.id) if event.kind in STEPS and event.actor_role != Role.SYSTEM
                    and not (event.kind == EventKind.OPENED and case.parent_id is not None)),
                   key=lambda step: step[:2])
    fresh: dict[int, Case] = {}
    swept_through = None
    for occurred_at, _position, event in steps:
        if swept_through is not None:
            swept_through = sweep_until(list(fresh.values()), swept_through, clock.berlin_date(occurred_at))
        clock.travel_to(occurred_at)
        actor = db.session.get(User, event.actor_id)
        seeded = db.session.get(Case, event.case_id)
        if event.kind == EventKind.OPENED:
            assigned_later = any(e.kind == EventKind.ASSIGNED for e in case_events(root.id))
            fresh[root.id] = open_case(
                procedure_id=root.procedure_id, applicant=root.applicant, office=root.office, actor=actor,
                employer=root.employer, received_on=root.received_on, profession=root.profession,
                reference_occupation=root.reference_occupation, assignee=None if assigned_later else root.assignee)
            swept_through = clock.today()
        elif event.kind == EventKind.TRANSITION:
            inputs = dict(event.details, reason=event.reason) if event.reason else dict(event.details)
            # The service records every step's fact date; the seeded stories never type one, so the replay does not
            # either (a typed date would override the documents' arrival dates).
            inputs.pop(EFFECTIVE_ON, None)
            copy = apply_transition(fresh[seeded.id], event.subject, actor, inputs)
            for child, opened in zip(seeded.children, copy.children):  # the step that opened the linked case
                fresh.setdefault(child.id, opened)
        elif event.kind == EventKind.DOCUMENT:
            set_document_status(fresh[seeded.id], event.subject, event.data["status"], actor, reason=event.reason,
                                received_on=date.fromisoformat(event.data["received_on"])
                                if event.data.get("received_on") else None)
        else:
            assign(fresh[seeded.id], db.session.get(User, event.data["assignee_id"]), actor)
        db.session.commit()
    sweep_until(list(fresh.values()), swept_through, today)
    clock.travel_to(today)
    db.session.expire_all()
    return fresh


def portrait(case: Case, references: dict[str, str]) -> dict:
    """Everything the replay must reproduce; the linked case's reference is named by its counterpart's."""
    timers = list(db.session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.id)))
    effects = db.session.execute(select(Timer.timer_id, TimerEffect.kind, TimerEffect.due_on)
                                 .join(Timer, Timer.id == TimerEffect.timer_pk).where(Timer.case_id == case.id)
                                 .order_by(Timer.id, TimerEffect.id)).all()
    events = []
    for event in case_events(case.id):
        data = dict(event.details)  # what the event says, whether a person's words sit in its erasable part or not
        if data.get("parent"):
            data["parent"] = references[data["parent"]]
        events.append((event.seq, event.occurred_at, event.actor_id, event.actor_role, event.kind, event.subject,
                       event.from_state, event.to_state, event.reason, event.basis, data))
    return {
        "case": (case.procedure_id, case.procedure_version, case.state, case.outcome, case.accelerated,
                 case.assignee_id, case.received_on, case.opened_at, case.closed_at, case.next_due_on, case.breached,
                 case.updated_at),
        "documents": [(document.document_id, document.status, document.reason, document.requested_until)
                      for document in case.documents],
        "timers": [(timer.timer_id, timer.status, timer.started_on, timer.started_by, timer.fixed_due_on,
                    timer.calendar, timer.due_on, timer.warn_on, timer.finished_on,
                    [(pause.started_on, pause.until_on, pause.ended_on, pause.source) for pause in timer.pauses])
                   for timer in timers],
        "effects": [tuple(effect) for effect in effects],
        "events": events,
    }


def test_seeded_cases_replay_through_the_real_verbs_to_the_same_end(seeded):
    today = seeded
    for root in sample(today):
        family = [root] + list(root.children)
        fresh = replay(root, today)
        assert set(fresh) == {case.id for case in family}, root.reference
        references = {root.reference: "root", fresh[root.id].reference: "root"}
        for case in family:
            assert portrait(fresh[case.id], references) == portrait(case, references), case.reference
    assert list(verify_audit_trail()) == []
