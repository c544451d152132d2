"""`flask seed`: synthetic cases that the app treats exactly like real ones (chains, queue summary, sweep, pages)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tracker import clock
from tracker.audit.models import Event
from tracker.auth.models import User
from tracker.cases.models import Case, CaseDocument
from tracker.cases.queries import verify_audit_trail
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.procedures.vocabulary import OPEN_TIMER_STATUSES, TimerStatus
from tracker.seed import SEED_PASSWORD, seed_cases
from tracker.timers.models import Timer


@pytest.fixture
def seeded(app):
    result = seed_cases(50, batch_size=20, seed=7)
    db.session.expire_all()
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_creates_cases_with_documents_timers_and_history(seeded):
    assert seeded.cases == count(Case) == 50
    assert count(CaseDocument) >= 50 * 7
    assert seeded.timers == count(Timer) > 50
    assert seeded.events == count(Event) > 50 * 3
    procedures = set(db.session.scalars(select(Case.procedure_id)))
    assert procedures == {"recognition-bqfg", "recognition-thuerbqfg", "skilled-worker-81a"}


def test_every_seeded_audit_chain_verifies(seeded):
    assert list(verify_audit_trail()) == []


def test_seeded_queue_summary_is_what_the_timers_say(seeded):
    from tracker.timers.service import refresh_summary

    for case in db.session.scalars(select(Case)):
        stored = (case.next_due_on, case.breached)
        refresh_summary(case)
        assert (case.next_due_on, case.breached) == stored, case.reference
    db.session.rollback()


def test_nothing_is_left_for_todays_sweep_and_later_sweeps_keep_chains_valid(seeded):
    assert sweep().total == 0  # the seed already did what the sweep would have done up to today
    clock.travel_to(date(2026, 4, 15))
    later = sweep()
    assert later.total > 0
    assert list(verify_audit_trail()) == []
    still_running_overdue = db.session.scalar(select(func.count(Timer.id)).where(
        Timer.status == TimerStatus.RUNNING, Timer.due_on < clock.today()))
    assert still_running_overdue == 0


def test_real_cases_opened_after_seeding_get_fresh_references(seeded, make):
    seeded_references = set(db.session.scalars(select(Case.reference)))
    case = make.case("recognition-bqfg")
    assert case.reference not in seeded_references


def test_clerk_sees_seeded_cases_in_queue_and_case_pages(seeded, client, login):
    office_id = db.session.scalar(select(Case.office_id).where(Case.closed_at.is_(None))
                                  .group_by(Case.office_id).order_by(func.count().desc()).limit(1))
    clerk = db.session.scalar(select(User).where(User.office_id == office_id, User.email.like("%.seed.example"),
                                                 User.role != "team_lead").limit(1))
    login(clerk, SEED_PASSWORD)
    queue = client.get("/cases")
    assert queue.status_code == 200
    first_open = db.session.scalar(select(Case).where(Case.office_id == office_id, Case.closed_at.is_(None))
                                   .order_by(Case.breached.desc(), Case.next_due_on.asc().nulls_last(), Case.id))
    assert first_open.reference in queue.get_data(as_text=True)
    for case in db.session.scalars(select(Case).where(Case.office_id == office_id).limit(5)):
        page = client.get(f"/cases/{case.id}")
        assert page.status_code == 200
        assert case.reference in page.get_data(as_text=True)


def test_open_timers_of_seeded_cases_are_due_in_the_future_or_breached(seeded):
    today = clock.today()
    for timer in db.session.scalars(select(Timer).where(Timer.status.in_(OPEN_TIMER_STATUSES))):
        if timer.status == TimerStatus.RUNNING:
            assert timer.due_on >= today
            assert timer.warn_on is None or timer.warn_on > today


def test_seed_command_reports_its_rate(runner, app):
    result = runner.invoke(args=["seed", "--cases", "12", "--random-seed", "3"])
    assert result.exit_code == 0, result.output
    assert "12 cases" in result.output and "cases/s" in result.output
    assert count(Case) == 12


def test_seeding_in_parallel_processes_keeps_references_unique_and_chains_valid(app):
    result = seed_cases(60, batch_size=10, seed=5, workers=2)  # forked workers on PostgreSQL, one process on SQLite
    assert result.cases == count(Case) == 60
    assert db.session.scalar(select(func.count(func.distinct(Case.reference)))) == 60
    assert list(verify_audit_trail()) == []


def test_a_queue_longer_than_the_count_limit_says_more_than(seeded, client, login, monkeypatch):
    from tracker.cases import queries

    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)  # 50 seeded cases stand in for an office's thousands
    office_id, open_cases = db.session.execute(
        select(Case.office_id, func.count()).where(Case.closed_at.is_(None)).group_by(Case.office_id)
        .order_by(func.count().desc()).limit(1)).one()
    assert open_cases > 3
    clerk = db.session.scalar(select(User).where(User.office_id == office_id, User.email.like("%.seed.example"),
                                                 User.role != "team_lead").limit(1))
    login(clerk, SEED_PASSWORD)
    page = client.get("/cases").get_data(as_text=True)
    assert '<p class="count" role="status">mehr als 3 Fälle</p>' in page
