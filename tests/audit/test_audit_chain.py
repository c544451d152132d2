"""The audit trail: every case's events form a hash chain; `flask audit verify` checks every chain and names the
first broken event; the database itself refuses to update or delete an event."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.cases.test_transitions import (
    TODAY,
    complete_checklist,
    grant_equivalence,
    open_skilled_worker_case,
    start_linked_recognition,
    step,
)
from tracker import clock
from tracker.audit.chain import GENESIS, event_hash
from tracker.audit.models import APPEND_ONLY_DDL, DROP_APPEND_ONLY_DDL, Event
from tracker.audit.service import audit_keyring, case_events
from tracker.cases import service
from tracker.cases.models import Case
from tracker.cases.sweep import sweep
from tracker.extensions import db


def walk_recognition(make):
    """A recognition case through documents, a request with a deadline, a review and a refusal with reasons."""
    office = make.office("recognition_body")
    clerk, lead = make.user("recognition_clerk", office), make.user("team_lead", office)
    case = make.case("recognition-bqfg", office=office, actor=clerk)
    service.assign(case, clerk, lead)
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(case, "request_missing_documents", clerk, due_date="2026-03-20", documents="diploma")
    service.add_note(case, clerk, "Applicant phoned: diploma is on its way.")
    complete_checklist(case, clerk)
    step(case, "record_documents_received", clerk)
    step(case, "confirm_documents_complete", clerk)
    step(case, "refuse", clerk, date=TODAY, ground="no_equivalence", reason="Training differs substantially.")
    return case


def walk_skilled_worker(make):
    """A § 81a case with its recognition, and the BA approval deemed granted by the sweep (a system event)."""
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)
    step(worker.case, "request_ba_approval", worker.clerk)
    grant_equivalence(recognition_case, worker.body_clerk)
    clock.advance(days=10)
    sweep()
    db.session.refresh(worker.case)
    assert worker.case.state == "ba_cleared"
    return worker.case, recognition_case


def tamper(statement: str, **params) -> None:
    """Change the events table behind the application's back, as someone with database access could: the
    append-only triggers are dropped and recreated around the statement, in one transaction."""
    db.session.commit()
    dialect = db.engine.dialect.name
    with db.engine.begin() as connection:
        for ddl in DROP_APPEND_ONLY_DDL[dialect]:
            connection.execute(sa.text(ddl))
        connection.execute(sa.text(statement), params)
        for ddl in APPEND_ONLY_DDL[dialect]:
            connection.execute(sa.text(ddl))
    db.session.expire_all()


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_every_change_of_a_realistic_walk_is_chained_in_order(make):
    case = walk_recognition(make)
    system_case, linked_case = walk_skilled_worker(make)

    for checked in (case, system_case, linked_case):
        events = case_events(checked.id)
        assert [event.seq for event in events] == list(range(1, len(events) + 1))
        assert [event.prev_hash for event in events] == [GENESIS] + [event.hash for event in events[:-1]]
        assert all(event.hash == event_hash(event, audit_keyring().current_key) for event in events)
        assert db.session.get(Case, checked.id).audit_head == events[-1].hash
    kinds = {event.kind for event in case_events(case.id)}
    assert {"opened", "assigned", "transition", "document", "note", "timer_started", "timer_met"} <= kinds
    fiction = [e for e in case_events(system_case.id) if e.subject == "deem_ba_approval_granted"]
    assert [(e.actor_id, e.actor_role) for e in fiction] == [(None, "system")]


def test_verify_reports_an_intact_trail(make, runner):
    walk_recognition(make)
    walk_skilled_worker(make)

    result = verify(runner)

    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output


def test_verify_names_the_case_and_the_event_whose_reason_was_altered(make, runner):
    untouched_id = walk_recognition(make).id
    case = walk_recognition(make)
    refusal = next(e for e in case_events(case.id) if e.subject == "refuse")
    assert refusal.reason == "Training differs substantially."
    case_id, refusal_id, refusal_seq = case.id, refusal.id, refusal.seq

    tamper("UPDATE events SET reason = 'Fully equivalent.' WHERE id = :id", id=refusal_id)
    result = verify(runner)

    assert result.exit_code != 0
    assert f"case {case_id}: event {refusal_id} (#{refusal_seq}): content altered after it was written" \
        in result.output
    assert "1 case(s) with a broken audit chain" in result.output
    assert f"case {untouched_id}:" not in result.output


def test_verify_names_the_first_of_several_altered_events(make, runner):
    case = walk_recognition(make)
    events = case_events(case.id)
    refusal = next(e for e in events if e.subject == "refuse")
    earlier = next(e for e in events if e.subject == "confirm_receipt_incomplete")
    case_id, refusal_id, earlier_id, earlier_seq = case.id, refusal.id, earlier.id, earlier.seq

    tamper("UPDATE events SET reason = 'Fully equivalent.' WHERE id = :id", id=refusal_id)
    tamper("UPDATE events SET data = :data WHERE id = :id", id=earlier_id, data='{"documents": "passport"}')
    result = verify(runner)

    assert result.exit_code != 0
    assert f"case {case_id}: event {earlier_id} (#{earlier_seq}): content altered" in result.output
    assert f"event {refusal_id} " not in result.output


def test_verify_notices_that_the_newest_event_was_deleted(make, runner):
    case = walk_recognition(make)
    newest = case_events(case.id)[-1]
    case_id, seq = case.id, newest.seq

    tamper("DELETE FROM events WHERE id = :id", id=newest.id)
    result = verify(runner)

    assert result.exit_code != 0
    assert f"case {case_id}: end of chain (#{seq}): events after #{seq - 1} are missing" in result.output


def test_verify_notices_an_event_cut_out_of_the_middle(make, runner):
    case = walk_recognition(make)
    events = case_events(case.id)
    removed, following = events[3], events[4]
    case_id, following_id = case.id, following.id

    tamper("DELETE FROM events WHERE id = :id", id=removed.id)
    result = verify(runner)

    assert result.exit_code != 0
    assert f"case {case_id}: event {following_id} (#4): event #4 is missing" in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE events SET reason = 'changed' WHERE id = :id",
    "DELETE FROM events WHERE id = :id",
], ids=["update", "delete"])
def test_the_database_refuses_to_change_an_event(make, statement):
    case = make.case("recognition-bqfg")
    event_id = case_events(case.id)[0].id

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": event_id})
    db.session.rollback()

    assert db.session.get(Event, event_id).reason == ""


def test_the_orm_cannot_change_or_delete_an_event_either(make):
    case = make.case("recognition-bqfg")
    event = case_events(case.id)[0]

    event.stored_reason = "changed"
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()

    db.session.delete(db.session.get(Event, event.id))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert [e.reason for e in case_events(case.id)][:1] == [""]
