"""Worker and scheduler entry points: what ``flask worker``, ``flask scheduler`` and ``make run`` start."""
from __future__ import annotations

import logging
import threading

from flask import Flask
from rq.cron import CronScheduler
from rq.worker import SimpleWorker

from tracker.jobs.queue import QUEUE_NAME, get_queue, redis_connection
from tracker.jobs.schedule import recurring

log = logging.getLogger(__name__)


def run_worker(app: Flask, burst: bool = False) -> None:
    """An RQ worker that runs jobs inside this app's context (no fork: one process, one connection pool)."""
    with app.app_context():
        worker = SimpleWorker([get_queue(app)], connection=redis_connection(app))
        worker.work(burst=burst, with_scheduler=False)


def build_scheduler(app: Flask):
    """An RQ cron scheduler with every recurring job (``tracker.jobs.schedule.recurring``) registered, not started."""
    scheduler = CronScheduler(connection=redis_connection(app))
    for func, seconds in recurring(app):
        scheduler.register(func, QUEUE_NAME, interval=seconds)
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Enqueue the recurring jobs on time, until stopped. Several schedulers may run: every recurring job is
    idempotent."""
    build_scheduler(app).start()


def start_in_process_scheduler(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """Without Redis (``make run``): the recurring jobs run in a daemon thread of the web process."""
    stop = stop or threading.Event()
    jobs = recurring(app)

    def loop():
        while not stop.is_set():
            for func, _seconds in jobs:
                with app.app_context():
                    try:
                        func()
                    except Exception:  # keep the loop alive; the error is in the log
                        log.exception("recurring job %s failed", func.__name__)
            stop.wait(min(seconds for _func, seconds in jobs))

    thread = threading.Thread(target=loop, name="tracker-scheduler", daemon=True)
    thread.start()
    return thread
