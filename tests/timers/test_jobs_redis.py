"""Deadline jobs on a real Redis with RQ: jobs carry ids only, a burst worker runs them in the app's context, the
cron scheduler puts the sweep on the queue; without Redis the sweep runs in a thread of the web process."""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from rq.job import Job
from sqlalchemy import select

from tests.timers import act, complete_documents, effect_count, timer_of
from tracker import clock, create_app
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.jobs.deadlines import run_sweep
from tracker.jobs.mail import deliver_message
from tracker.jobs.queue import DEADLINES, MAIL, MAINTENANCE, QUEUES, REPORTS, enqueue, get_queue
from tracker.jobs.worker import build_scheduler, run_worker, start_in_process_scheduler
from tracker.procedures.vocabulary import TimerStatus
from tracker.notifications.models import OutboxMessage, OutboxStatus
from tracker.timers.models import Timer


@pytest.fixture
def redis_app(app, redis_url):
    """A second app on the same test database, with REDIS_URL set: what a worker and a scheduler run."""
    queued = create_app({"TESTING": True, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": False,
                         **{key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SERVER_NAME")}})
    yield queued
    with queued.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def overdue(make):
    """A case assigned to its clerk, with a team lead in the office, whose decision period ended Tue 2 Jun 2026.
    Returns (case id, clerk id, team lead id, decision timer id); the clock stands on Wed 3 Jun."""
    body = make.office(kind="recognition_body")
    clerk, lead = make.user(role="recognition_clerk", office=body), make.user(role="team_lead", office=body)
    case = make.case("recognition-bqfg", office=body, actor=clerk, assignee=clerk)
    complete_documents(case, clerk)
    act(case, "confirm_receipt_complete", clerk)
    clock.travel_to(date(2026, 6, 3))
    return case.id, clerk.id, lead.id, timer_of(case, "decision").id


def notified_users(kind: str = "timer_breached") -> set[int]:
    """Whom the outbox holds a delivered mail for, of one event kind."""
    db.session.expire_all()
    return {row.user_id for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))
            if row.status == OutboxStatus.SENT}


def test_delivery_job_carries_only_ids_and_a_burst_worker_runs_it(app, redis_app, overdue):
    _case_id, clerk_id, lead_id, _timer_id = overdue
    with redis_app.app_context():
        sweep()  # the breach's mails are written with it; this app's dispatcher puts them on Redis
        queue = get_queue(MAIL, redis_app)
        jobs = queue.jobs
        with pytest.raises(TypeError):
            enqueue(MAIL, deliver_message, "Anh Nguyen")  # personal data never reaches Redis
    assert {job.func_name for job in jobs} == {"tracker.jobs.mail.deliver_message"}
    assert all(len(job.args) == 1 and type(job.args[0]) is int and job.kwargs == {} for job in jobs)
    assert notified_users() == set()  # written, not delivered yet

    run_worker(redis_app, burst=True)
    assert all(job.get_status(refresh=True) == "finished" for job in jobs)
    assert queue.count == 0
    assert notified_users() == {clerk_id, lead_id}


def test_sweep_job_run_by_the_worker_breaches_due_timers_and_queues_notifications(app, redis_app, overdue):
    case_id, clerk_id, lead_id, timer_id = overdue
    with redis_app.app_context():
        enqueue(DEADLINES, run_sweep)
        run_worker(redis_app, burst=True)
        finished = {name: finished_jobs(name) for name in (DEADLINES, MAIL)}
        failed = sum(get_queue(name, redis_app).failed_job_registry.count for name in QUEUES)

    assert [job.func_name.rsplit(".", 1)[1] for job in finished[DEADLINES]] == ["run_sweep"]
    assert [job.func_name.rsplit(".", 1)[1] for job in finished[MAIL]] == ["deliver_message", "deliver_message"]
    assert db.session.scalar(select(Timer.status).where(Timer.id == timer_id)) == TimerStatus.BREACHED
    assert notified_users() == {clerk_id, lead_id}
    assert failed == 0


def finished_jobs(name: str) -> list[Job]:
    queue = get_queue(name)
    return [Job.fetch(job_id, connection=queue.connection) for job_id in queue.finished_job_registry.get_job_ids()]


def test_a_worker_serves_the_deadlines_before_the_mail_waiting_ahead_of_them(app, redis_app, overdue):
    _case_id, _clerk_id, _lead_id, timer_id = overdue
    with redis_app.app_context():
        sweep()  # two e-mails of the breach wait on the mail queue
        queue_mail_first = get_queue(MAIL).count
        enqueue(DEADLINES, run_sweep)  # put on its queue after them
        run_worker(redis_app, burst=True)
        [sweep_job] = finished_jobs(DEADLINES)
        deliveries = finished_jobs(MAIL)
    assert queue_mail_first == 2 and len(deliveries) == 2
    assert all(sweep_job.started_at < job.started_at for job in deliveries)


def test_a_worker_kept_for_one_queue_leaves_the_others_alone(app, redis_app, overdue):
    _case_id, _clerk_id, _lead_id, timer_id = overdue
    with redis_app.app_context():
        sweep()  # two e-mails on the mail queue
        enqueue(DEADLINES, run_sweep)
        run_worker(redis_app, burst=True, queues=[DEADLINES])
        assert [job.func_name.rsplit(".", 1)[1] for job in finished_jobs(DEADLINES)] == ["run_sweep"]
        assert get_queue(MAIL).count == 2 and finished_jobs(MAIL) == []


def test_cron_scheduler_puts_the_sweep_on_the_queue_every_minute(app, redis_app, overdue):
    _case_id, _clerk_id, _lead_id, timer_id = overdue
    scheduler = build_scheduler(redis_app)
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    cron_job = jobs["tracker.jobs.deadlines.run_sweep"]
    assert (cron_job.interval, cron_job.queue_name) == (60, DEADLINES)
    assert {(name, job.interval, job.queue_name) for name, job in jobs.items() if name != cron_job.func_name} == {
        ("tracker.jobs.mail.pump_outbox", 30, MAIL),
        ("tracker.jobs.mail.send_daily_digests", 3600, MAIL),
        # The retention job (tracker.privacy) once a day beside it.
        ("tracker.privacy.retention.run_retention_job", 86400, MAINTENANCE),
        # And the reports' export pruning and the pump of exports whose job was lost, registered by the reports
        # package on the app.
        ("tracker.reports.pruning.run_export_pruning", 86400, REPORTS),
        ("tracker.reports.jobs.pump_exports", 60, REPORTS),
    }

    assert set(scheduler.enqueue_jobs()) == set(jobs.values())
    assert scheduler.enqueue_jobs() == []  # not again within the minute
    queued = [job.func_name for name in QUEUES for job in get_queue(name, redis_app).jobs]
    assert sorted(queued) == sorted(jobs)

    run_worker(redis_app, burst=True)
    assert db.session.scalar(select(Timer.status).where(Timer.id == timer_id)) == TimerStatus.BREACHED
    assert effect_count("breach") == 1


def test_without_redis_the_sweep_runs_in_a_thread_of_the_web_process_until_stopped(app, overdue):
    _case_id, _clerk_id, _lead_id, timer_id = overdue
    assert not app.config["REDIS_URL"]
    stop = threading.Event()
    thread = start_in_process_scheduler(app, stop)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = db.session.scalar(select(Timer.status).where(Timer.id == timer_id))
            db.session.rollback()
            if status == TimerStatus.BREACHED:
                break
            time.sleep(0.05)
        assert status == TimerStatus.BREACHED
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert effect_count("breach") == 1
