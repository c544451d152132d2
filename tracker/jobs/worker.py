"""Worker and scheduler entry points: what ``flask worker``, ``flask scheduler`` and ``make run`` start."""
from __future__ import annotations

import logging
import threading
import time

from collections.abc import Sequence

from flask import Flask
from redis.exceptions import RedisError
from rq.cron import CronScheduler
from rq.worker import SimpleWorker
from rq.worker_pool import WorkerPool

from tracker.extensions import db
from tracker.jobs.queue import QUEUES, get_queue, redis_connection
from tracker.jobs.schedule import recurring

log = logging.getLogger(__name__)


def run_worker(app: Flask, burst: bool = False, queues: Sequence[str] = QUEUES, processes: int = 1) -> None:
    """Serve ``queues`` (in their order of priority) until stopped, or until they are empty with ``burst``.

    One process runs its jobs itself, inside this app's context (no fork per job: one connection pool). With
    ``processes`` > 1 this process becomes the master of an RQ worker pool: it forks that many such workers,
    replaces one that dies (killed, out of memory) within a second, and on SIGTERM or SIGINT tells each to finish
    its current job and stop (RQ's warm shutdown)."""
    queues = [queue for queue in QUEUES if queue in queues]  # the priority order, whatever order they came in
    if processes <= 1:
        _app_worker(app)([get_queue(name, app) for name in queues], connection=redis_connection(app)).work(
            burst=burst)
        return
    WorkerPool(queues, connection=redis_connection(app), num_workers=processes,
               worker_class=_app_worker(app)).start(burst=burst)


def _app_worker(app: Flask) -> type[SimpleWorker]:
    """An RQ worker class whose jobs run inside ``app``'s context. A pool's worker is a fork of the master: it
    opens its own database connections rather than use any it inherited."""

    class AppWorker(SimpleWorker):
        def work(self, *args, **kwargs):
            kwargs["with_scheduler"] = False  # the recurring jobs come from ``flask scheduler``
            with app.app_context():
                db.engine.dispose(close=False)
                return super().work(*args, **kwargs)

    return AppWorker


def build_scheduler(app: Flask):
    """An RQ cron scheduler with every recurring job (``tracker.jobs.schedule.recurring``) registered, not started."""
    scheduler = CronScheduler(connection=redis_connection(app))
    for func, seconds, queue in recurring(app):
        scheduler.register(func, queue, interval=seconds)
    return scheduler


#: How long the scheduler waits before it tries Redis again after losing it.
SCHEDULER_RETRY_SECONDS = 5


def run_scheduler(app: Flask) -> None:
    """Enqueue the recurring jobs on time, until stopped. Several schedulers may run: every recurring job is
    idempotent. Redis lost (restarted, unreachable) does not end the process: it tries again every few seconds
    and goes on where it left off (a missed run of a recurring job is made up by its next one)."""
    while True:
        try:
            build_scheduler(app).start()
            return
        except RedisError as error:
            log.warning("scheduler: Redis unreachable (%s); trying again in %d s", type(error).__name__,
                        SCHEDULER_RETRY_SECONDS)
            time.sleep(SCHEDULER_RETRY_SECONDS)


def start_in_process_scheduler(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """Without Redis (``make run``): the recurring jobs run in a daemon thread of the web process."""
    stop = stop or threading.Event()
    jobs = recurring(app)

    def loop():
        while not stop.is_set():
            for func, _seconds, _queue in jobs:
                with app.app_context():
                    try:
                        func()
                    except Exception:  # keep the loop alive; the error is in the log
                        log.exception("recurring job %s failed", func.__name__)
            stop.wait(min(seconds for _func, seconds, _queue in jobs))

    thread = threading.Thread(target=loop, name="tracker-scheduler", daemon=True)
    thread.start()
    return thread
