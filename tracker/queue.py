"""Background work. With ``REDIS_URL`` jobs go to RQ (workers: ``flask --app tracker worker``); without it they run
in-process at once, so ``make run`` needs no Redis. Jobs take ids, never objects or personal data."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

log = logging.getLogger(__name__)

QUEUE_NAME = "tracker"


def redis_connection(app: Flask | None = None):
    from redis import Redis

    url = (app or current_app).config.get("REDIS_URL")
    return Redis.from_url(url) if url else None


def get_queue(app: Flask | None = None):
    from rq import Queue

    connection = redis_connection(app)
    return Queue(QUEUE_NAME, connection=connection) if connection is not None else None


def enqueue(func, *ids: int) -> None:
    """Run ``func(*ids)`` as a job; in-process when there is no Redis."""
    if not all(isinstance(value, int) for value in ids):
        raise TypeError("jobs take ids only")  # keeps personal data out of Redis
    queue = get_queue()
    if queue is None:
        func(*ids)
    else:
        queue.enqueue(func, *ids, job_timeout=300, result_ttl=3600)


def run_worker(app: Flask, burst: bool = False) -> None:
    """An RQ worker that runs jobs inside this app's context (no fork: one process, one connection pool)."""
    from rq.worker import SimpleWorker

    with app.app_context():
        worker = SimpleWorker([get_queue(app)], connection=redis_connection(app))
        worker.work(burst=burst, with_scheduler=False)


def build_scheduler(app: Flask):
    """An RQ cron scheduler with every recurring job (``tracker.schedule.RECURRING``) registered, not started."""
    from rq.cron import CronScheduler

    from tracker.schedule import RECURRING

    scheduler = CronScheduler(connection=redis_connection(app))
    for func, seconds in RECURRING:
        scheduler.register(func, QUEUE_NAME, interval=seconds)
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Enqueue the recurring jobs on time, until stopped. Several schedulers may run: every recurring job is
    idempotent."""
    build_scheduler(app).start()


def start_in_process_scheduler(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """Without Redis (``make run``): the recurring jobs run in a daemon thread of the web process."""
    from tracker.schedule import RECURRING

    stop = stop or threading.Event()

    def loop():
        while not stop.is_set():
            for func, _seconds in RECURRING:
                with app.app_context():
                    try:
                        func()
                    except Exception:  # keep the loop alive; the error is in the log
                        log.exception("recurring job %s failed", func.__name__)
            stop.wait(min(seconds for _func, seconds in RECURRING))

    thread = threading.Thread(target=loop, name="tracker-scheduler", daemon=True)
    thread.start()
    return thread
