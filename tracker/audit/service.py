"""Writing to and checking the audit trail. The only code that creates events."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import current_app
from sqlalchemy import func, select

from tracker import clock
from tracker.audit.chain import (
    GENESIS,
    ChainBreak,
    Keyring,
    last_state,
    seal,
    verify_events,
)
from tracker.audit.models import Event
from tracker.extensions import db


def audit_keyring() -> Keyring:
    """The app's audit keys: ``AUDIT_KEY`` seals new events, ``AUDIT_OLD_KEYS`` still verify older ones."""
    config = current_app.config
    return Keyring.of(config["AUDIT_KEY"], config.get("AUDIT_OLD_KEYS") or ())


def append_event(case, kind: str, actor, *, subject: str | None = None, from_state: str | None = None,
                 to_state: str | None = None, reason: str = "", basis: str = "", data: dict | None = None) -> Event:
    """Add an event to the case's chain and touch the case, so its version (optimistic lock) moves with it:
    two writers on one case can never both append, the second gets a conflict."""
    case.event_seq = (case.event_seq or 0) + 1
    event = Event(
        case_id=case.id, seq=case.event_seq, occurred_at=clock.now(),
        actor_id=actor.id, actor_role=actor.role, kind=str(kind), subject=subject,
        from_state=from_state, to_state=to_state, reason=reason or "", basis=basis or "",
        data=_jsonable(data or {}), prev_hash=case.audit_head,
    )
    seal(event, audit_keyring())
    db.session.add(event)
    case.audit_head = event.hash
    case.updated_at = event.occurred_at
    return event


def _jsonable(data: dict) -> dict:
    # Dates go in as ISO strings so the stored JSON hashes the same after a round trip through the database.
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in data.items()}


def case_events(case_id: int, newest_first: bool = False) -> list[Event]:
    order = Event.seq.desc() if newest_first else Event.seq
    return list(db.session.scalars(select(Event).where(Event.case_id == case_id).order_by(order)))


def verify_chains(head_batches: Iterable[dict[int, tuple[str, str]]]) -> Iterator[ChainBreak]:
    """Check each case's chain against the head and the state the case stores (batches of case id -> (head,
    state), e.g. ``cases.queries.audit_heads``); yields the first break of each broken case. A state the chain does
    not end in (``cases.state`` changed behind the application's back) is a break too."""
    keyring = audit_keyring()
    unkeyed_until = current_app.config.get("AUDIT_UNKEYED_UNTIL") or 0
    for heads in head_batches:
        events = db.session.scalars(
            select(Event).where(Event.case_id.in_(heads)).order_by(Event.case_id, Event.seq)
        ).all()
        by_case: dict[int, list[Event]] = {case_id: [] for case_id in heads}
        for event in events:
            by_case[event.case_id].append(event)
        for case_id, chain in by_case.items():
            head, state = heads[case_id]
            broken = verify_events(chain, keyring, unkeyed_until=unkeyed_until)
            last_seq = chain[-1].seq if chain else 0
            if broken is None and (chain[-1].hash if chain else GENESIS) != head:
                broken = ChainBreak(case_id, None, last_seq + 1, "events after #%d are missing" % last_seq)
            if broken is None and chain and last_state(chain) != state:
                broken = ChainBreak(case_id, None, last_seq, f"the case's state {state!r} is not the state its "
                                                             f"audit trail ends in ({last_state(chain)!r})")
            if broken is not None:
                yield broken
        db.session.expunge_all()


def count_unkeyed_events() -> int:
    """Events from before the chain was keyed (plain SHA-256): verifiable, but recomputable without the key."""
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.key_id.is_(None))) or 0
