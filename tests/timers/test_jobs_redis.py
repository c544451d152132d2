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
from tracker.jobs.queue import enqueue, get_queue
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
        queue = get_queue(redis_app)
        jobs = queue.jobs
        with pytest.raises(TypeError):
            enqueue(deliver_message, "Anh Nguyen")  # personal data never reaches Redis
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
        enqueue(run_sweep)
        queue = get_queue(redis_app)
        run_worker(redis_app, burst=True)
        finished = [Job.fetch(job_id, connection=queue.connection)
                    for job_id in queue.finished_job_registry.get_job_ids()]

    names = sorted(job.func_name.rsplit(".", 1)[1] for job in finished)
    assert names == ["deliver_message", "deliver_message", "run_sweep"]
    assert db.session.scalar(select(Timer.status).where(Timer.id == timer_id)) == TimerStatus.BREACHED
    assert notified_users() == {clerk_id, lead_id}
    assert queue.failed_job_registry.count == 0


def test_cron_scheduler_puts_the_sweep_on_the_queue_every_minute(app, redis_app, overdue):
    _case_id, _clerk_id, _lead_id, timer_id = overdue
    scheduler = build_scheduler(redis_app)
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    cron_job = jobs["tracker.jobs.deadlines.run_sweep"]
    assert (cron_job.interval, cron_job.queue_name) == (60, "tracker")
    assert (jobs["tracker.jobs.mail.pump_outbox"].interval, jobs["tracker.jobs.mail.send_daily_digests"].interval) \
        == (30, 3600)
    # The retention job (tracker.privacy) once a day beside it.
    assert jobs["tracker.privacy.retention.run_retention_job"].interval == 86400
    # And the reports' export pruning, registered by the reports package on the app.
    assert jobs["tracker.reports.pruning.run_export_pruning"].interval == 86400

    assert set(scheduler.enqueue_jobs()) == set(jobs.values())
    assert scheduler.enqueue_jobs() == []  # not again within the minute
    queue = get_queue(redis_app)
    assert sorted(job.func_name for job in queue.jobs) == sorted(jobs)

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
