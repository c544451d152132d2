"""The deadline sweep: warnings, breaches and the BA approval fiction, each exactly once, at a cost that follows the
number of due timers, and safe with two sweepers at once on PostgreSQL."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.factories import Factory
from tests.timers import act, complete_documents, effect_count, events_of, timer_of
from tracker import clock, create_app
from tracker.audit.models import Event
from tracker.cases.queries import verify_audit_trail
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage
from tracker.procedures.vocabulary import TimerStatus
from tracker.timers import service as timers
from tracker.timers.models import TimerEffect


@pytest.fixture
def team_lead(make, body):
    return make.user(role="team_lead", office=body)


@pytest.fixture
def in_review(make, body, clerk):
    """Decision period from Mon 2 Mar 2026: warning on Tue 19 May, due Tue 2 Jun 2026."""
    case = make.case("recognition-bqfg", office=body, actor=clerk, assignee=clerk)
    complete_documents(case, clerk)
    return act(case, "confirm_receipt_complete", clerk)


def ba_pending_case(make, requested_on: date):
    """A § 81a case whose BA approval was requested on ``requested_on`` (the clock is left there)."""
    abh = make.office(kind="immigration_office")
    clerk = make.user(role="immigration_clerk", office=abh)
    body = make.office(kind="recognition_body")
    case = make.case("skilled-worker-81a", office=abh, actor=clerk, employer=make.employer(), assignee=clerk)
    act(case, "conclude_agreement", clerk, date=clock.today(), fee_paid_on=clock.today())
    act(case, "start_recognition", clerk, procedure="recognition-bqfg", recognition_office=body.id)
    clock.travel_to(requested_on)
    act(case, "request_ba_approval", clerk)
    return case, clerk


# --- warning ------------------------------------------------------------------------------------------------

def test_warning_goes_out_once_on_the_warning_day(in_review):
    clock.travel_to(date(2026, 5, 18))
    assert sweep().total == 0

    clock.travel_to(date(2026, 5, 19))
    first, second = sweep(), sweep()
    assert (first.warnings, second.total) == (1, 0)
    clock.travel_to(date(2026, 5, 25))
    assert sweep().total == 0

    decision = timer_of(in_review, "decision")
    assert (decision.status, decision.warn_on) == (TimerStatus.RUNNING, None)
    assert effect_count("warning") == 1
    [warning] = events_of(in_review.id, "timer_warning", "decision")
    assert (warning.actor_id, warning.actor_role, warning.data["due_on"]) == (None, "system", "2026-06-02")


def test_extended_deadline_warns_again_for_its_new_due_date(in_review, clerk):
    clock.travel_to(date(2026, 5, 19))
    sweep()
    timers.extend(in_review, timer_of(in_review, "decision"), clerk, "P1M", "Gutachten steht aus")
    db.session.commit()
    clock.travel_to(date(2026, 6, 18))  # 14 days before the new due date, Thu 2 Jul
    assert sweep().warnings == 1
    assert sorted(e.due_on for e in db.session.scalars(select(TimerEffect))) == [date(2026, 6, 2), date(2026, 7, 2)]


# --- breach -------------------------------------------------------------------------------------------------

def test_breach_is_recorded_once_by_the_system_the_day_after_the_due_date(in_review):
    clock.travel_to(date(2026, 6, 2))
    assert sweep().breaches == 0  # the due date itself still counts

    clock.travel_to(date(2026, 6, 3))
    first, second = sweep(), sweep()
    assert (first.breaches, second.total) == (1, 0)

    decision = timer_of(in_review, "decision")
    assert decision.status == TimerStatus.BREACHED
    db.session.refresh(in_review)
    assert in_review.breached is True
    assert effect_count("breach") == 1
    [breach] = events_of(in_review.id, "timer_breached", "decision")
    assert (breach.actor_id, breach.actor_role, breach.basis) == (None, "system", "§ 6(3) BQFG")


def test_breached_deadline_met_later_is_late_and_clears_the_case_flag(in_review, clerk):
    clock.travel_to(date(2026, 6, 3))
    sweep()
    clock.travel_to(date(2026, 6, 5))
    act(in_review, "grant_full_equivalence", clerk, date=date(2026, 6, 5))
    assert timer_of(in_review, "decision").status == TimerStatus.MET
    assert in_review.breached is False
    [met] = events_of(in_review.id, "timer_met", "decision")
    assert met.data["late"] is True


def test_expired_decision_period_is_not_suspended_by_a_later_skills_analysis(in_review, clerk):
    clock.travel_to(date(2026, 6, 3))
    sweep()
    act(in_review, "start_skills_analysis", clerk)
    decision = timer_of(in_review, "decision")
    assert (decision.status, decision.due_on) == (TimerStatus.BREACHED, date(2026, 6, 2))
    assert in_review.breached is True  # still flagged for the team lead

    clock.travel_to(date(2026, 6, 10))
    act(in_review, "finish_skills_analysis", clerk)
    assert sweep().total == 0
    assert len(events_of(in_review.id, "timer_breached", "decision")) == 1


def test_breach_notifies_assignee_and_team_lead_and_a_warning_only_the_assignee(in_review, clerk, team_lead, make):
    """The sweep's warnings and breaches write their mails into the outbox in the sweep's transaction."""
    other_lead = make.user(role="team_lead", office=make.office(kind="recognition_body"))
    clerk_id, lead_id, other_id = clerk.id, team_lead.id, other_lead.id
    clock.travel_to(date(2026, 5, 19))
    sweep()
    clock.travel_to(date(2026, 6, 3))
    sweep()

    def notified(kind):
        return {row.user_id for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))}

    assert notified("timer_warning") == {clerk_id}
    assert notified("timer_breached") == {clerk_id, lead_id}
    assert other_id not in notified("timer_breached")


# --- legal fiction ------------------------------------------------------------------------------------------

def test_ba_approval_is_deemed_granted_once_by_the_system_after_one_week(make):
    case, _clerk = ba_pending_case(make, date(2026, 3, 2))
    ba = timer_of(case, "ba_approval")
    assert ba.due_on == date(2026, 3, 9)

    clock.travel_to(date(2026, 3, 9))
    assert sweep().fictions == 0
    assert case.state == "ba_pending"

    clock.travel_to(date(2026, 3, 10))
    first, second = sweep(), sweep()
    assert (first.fictions, second.total) == (1, 0)
    db.session.refresh(case)
    assert case.state == "ba_cleared"
    ba = timer_of(case, "ba_approval")
    assert (ba.status, ba.finished_on) == (TimerStatus.FIRED, date(2026, 3, 10))
    assert effect_count("fiction") == 1
    [fiction] = events_of(case.id, "transition", "deem_ba_approval_granted")
    assert (fiction.actor_id, fiction.actor_role) == (None, "system")
    assert (fiction.from_state, fiction.to_state) == ("ba_pending", "ba_cleared")
    assert "§ 36(2) BeschV" in fiction.basis
    assert "09.03.2026" in fiction.reason
    assert events_of(case.id, "timer_breached") == []


def test_a_late_sweep_dates_the_fiction_the_day_after_the_week_not_the_day_it_runs(make):
    # § 36(2) BeschV: requested Mon 2 Mar, the week ends Mon 9 Mar; the approval is deemed granted from Tue 10 Mar,
    # even when the sweep next runs on Fri 13 Mar (e.g. no worker over the days between).
    case, _clerk = ba_pending_case(make, date(2026, 3, 2))
    clock.travel_to(date(2026, 3, 13))
    assert sweep().fictions == 1
    ba = timer_of(case, "ba_approval")
    assert (ba.status, ba.finished_on) == (TimerStatus.FIRED, date(2026, 3, 10))
    [fiction] = events_of(case.id, "transition", "deem_ba_approval_granted")
    assert fiction.data["effective_on"] == "2026-03-10"


def test_ba_reporting_missing_information_stops_the_fiction_and_supplying_it_starts_a_new_week(make):
    case, clerk = ba_pending_case(make, date(2026, 3, 2))
    clock.travel_to(date(2026, 3, 5))
    act(case, "record_ba_information_missing", clerk, missing="Arbeitszeit")
    clock.travel_to(date(2026, 3, 12))
    assert sweep().total == 0
    act(case, "supply_ba_information", clerk)
    assert timer_of(case, "ba_approval").due_on == date(2026, 3, 19)

    clock.travel_to(date(2026, 3, 20))
    assert sweep().fictions == 1
    assert case.state == "ba_cleared"


def test_sweep_command_runs_the_sweep_once(in_review, runner):
    timer_pk = timer_of(in_review, "decision").id
    clock.travel_to(date(2026, 6, 3))
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0, result.output
    assert "1 timer effect(s)" in result.output
    assert runner.invoke(args=["sweep"]).output.strip() == "0 timer effect(s)"
    assert db.session.scalar(select(TimerEffect.kind).where(TimerEffect.timer_pk == timer_pk)) == "breach"


# --- cost ---------------------------------------------------------------------------------------------------

@contextmanager
def statements():
    executed = []

    def count(conn, cursor, statement, parameters, context, executemany):
        executed.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield executed
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def sweep_statements() -> int:
    db.session.remove()
    with statements() as executed:
        sweep()
    return len(executed)


def open_cases(make, count: int) -> None:
    office = make.office(kind="recognition_body")
    clerk = make.user(role="recognition_clerk", office=office)
    for _ in range(count):
        make.case("recognition-bqfg", office=office, actor=clerk, commit=False)
    db.session.commit()


def test_sweep_with_nothing_due_costs_the_same_for_5_and_50_cases(make):
    open_cases(make, 5)
    with_5 = sweep_statements()
    open_cases(make, 45)
    with_50 = sweep_statements()
    assert with_5 == with_50 <= 4


def test_sweep_cost_follows_the_due_timers_not_the_open_cases(make):
    make.case("recognition-bqfg", received_on=date(2026, 1, 5))  # receipt confirmation due Thu 5 Feb
    open_cases(make, 5)
    with_5 = sweep_statements()
    clock.travel_to(date(2026, 3, 3))
    make.case("recognition-bqfg", received_on=date(2026, 1, 6))
    open_cases(make, 45)
    with_50 = sweep_statements()
    assert with_5 == with_50
    assert effect_count("breach") == 2


# --- PostgreSQL: index and two sweepers ---------------------------------------------------------------------

@pytest.fixture
def pg_app():
    """An app on a fresh PostgreSQL database of its own: these tests always run on PostgreSQL."""
    url = create_postgres_database("tracker_sweep")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                      "SECRET_KEY": "test-secret", "SERVER_NAME": "tracker.test"})
    with app.app_context():
        db.create_all()
    clock.travel_to(date(2026, 3, 2))
    yield app
    clock.resume()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_postgres_database(url)


def test_sweep_reads_open_timers_through_partial_indexes_on_postgresql(pg_app):
    with pg_app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'timers'")).all()
    definitions = dict(rows)
    for name, column in (("ix_timers_running_due", "due_on"), ("ix_timers_running_warn", "warn_on")):
        assert f"({column})" in definitions[name]
        assert "WHERE" in definitions[name] and "'running'" in definitions[name]


def test_two_sweepers_at_once_act_exactly_once_on_postgresql(pg_app):
    with pg_app.app_context():
        make = Factory()
        for _ in range(10):  # receipt confirmation due Thu 5 Feb: a breach each
            make.case("recognition-bqfg", received_on=date(2026, 1, 5))
        for _ in range(6):  # due Tue 10 Mar, warning since Tue 3 Mar: a warning each
            make.case("recognition-bqfg", received_on=date(2026, 2, 10))
        fast_track = []
        for _ in range(6):  # BA due Mon 9 Mar (fiction) and employer invitation due Mon 9 Mar (breach)
            clock.travel_to(date(2026, 3, 2))
            case, clerk = ba_pending_case(make, date(2026, 3, 2))
            clock.travel_to(date(2026, 3, 5))
            act(case, "record_body_request", clerk, date=date(2026, 3, 5))
            assert timer_of(case, "employer_invitation").due_on == date(2026, 3, 9)
            fast_track.append(case.id)
        db.session.remove()

    clock.travel_to(date(2026, 3, 10))
    barrier, results, errors = threading.Barrier(2), [], []

    def sweeper():
        with pg_app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(sweep(batch_size=1))
            except Exception as error:  # reported below with the other sweeper's result
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.breaches for r in results) == 16
    assert sum(r.warnings for r in results) == 6
    assert sum(r.fictions for r in results) == 6

    with pg_app.app_context():
        counts = dict(db.session.execute(select(TimerEffect.kind, func.count()).group_by(TimerEffect.kind)).all())
        assert counts == {"breach": 16, "warning": 6, "fiction": 6}
        per_kind = dict(db.session.execute(select(Event.kind, func.count()).where(
            Event.kind.in_(["timer_breached", "timer_warning"])).group_by(Event.kind)).all())
        assert per_kind == {"timer_breached": 16, "timer_warning": 6}
        fictions = db.session.scalars(select(Event.case_id).where(Event.subject == "deem_ba_approval_granted"))
        assert sorted(fictions) == sorted(fast_track)
        assert list(verify_audit_trail()) == []
        assert sweep().total == 0
