"""Tests of legal-deadline timers: the rules, the sweep, a simulated § 81a case, the RQ jobs and the case page.

The helpers below drive cases through the same service verbs the views call, and read back what a clerk sees.
"""
from __future__ import annotations

from sqlalchemy import func, select

from tracker.audit.models import Event
from tracker.cases.service import apply_transition, set_document_status
from tracker.extensions import db
from tracker.timers.models import Timer, TimerEffect


def act(case, transition_id: str, actor, **inputs):
    """One transition as a clerk does it: applied and committed."""
    apply_transition(case, transition_id, actor, {key: _text(value) for key, value in inputs.items()})
    db.session.commit()
    return case


def _text(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def complete_documents(case, actor) -> None:
    """Mark every required checklist item as received, so ``documents_complete`` holds."""
    for document in case.documents:
        if document.required:
            set_document_status(case, document.document_id, "received", actor)
    db.session.commit()


def timer_of(case, timer_id: str) -> Timer:
    """The newest timer row of that definition id on the case."""
    timer = db.session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.timer_id == timer_id)
                               .order_by(Timer.id.desc())).first()
    assert timer is not None, f"no timer {timer_id} on case {case.reference}"
    return timer


def events_of(case_id: int, kind: str, subject: str | None = None) -> list[Event]:
    query = select(Event).where(Event.case_id == case_id, Event.kind == kind)
    if subject is not None:
        query = query.where(Event.subject == subject)
    return list(db.session.scalars(query.order_by(Event.seq)))


def effect_count(kind: str | None = None) -> int:
    query = select(func.count()).select_from(TimerEffect)
    if kind is not None:
        query = query.where(TimerEffect.kind == kind)
    return db.session.scalar(query)
