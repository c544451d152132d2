"""Putting background work on the queue. With ``REDIS_URL`` jobs go to RQ (workers: ``flask --app tracker worker``); without it they run
in-process at once, so ``make run`` needs no Redis. Jobs take ids, never objects or personal data.

The jobs go to named queues by kind, and every worker serves them in the order of ``QUEUES``: a deadline's sweep
never waits behind a burst of e-mails, nor an e-mail behind a report export. A worker can also be kept for some
of them (``flask worker --queue tracker.deadlines``)."""
from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

DEADLINES = "tracker.deadlines"  #: the sweep: warnings, breaches, legal fictions
MAIL = "tracker.mail"  #: e-mail delivery from the outbox, its pump, the staff digests
REPORTS = "tracker.reports"  #: report exports and their pruning
MAINTENANCE = "tracker.maintenance"  #: retention (erasing personal data whose period ran out)
#: Jobs an earlier release put on its one queue; served last, so an upgrade loses none of them.
LEGACY = "tracker"
#: Every queue, in the order a worker serves them.
QUEUES = (DEADLINES, MAIL, REPORTS, MAINTENANCE, LEGACY)


def redis_connection(app: Flask | None = None) -> Redis | None:
    """The app's Redis client for ``REDIS_URL``, made once per process: its pool keeps connections open between
    jobs. A new client for each job opened a new connection, with its handshake, for every e-mail a step owes.
    (redis-py's pool notices a fork and opens its own connections in the child.)"""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    made = app.extensions.get("redis_client")
    if made is None or made[0] != url:
        # A bounded connect and answer: a web request that enqueues after its commit must not hang on a Redis that
        # is unreachable or stopped without closing its connections (its mails wait in the outbox meanwhile). RQ's
        # workers raise the answer's limit above their blocking wait for jobs themselves.
        made = app.extensions["redis_client"] = (url, Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5))
    return made[1]


def get_queue(name: str, app: Flask | None = None) -> Queue | None:
    """The RQ queue ``name`` (one of ``QUEUES``); None without Redis."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    connection = redis_connection(app)
    return Queue(name, connection=connection) if connection is not None else None


def enqueue(queue: str, func, *ids: int) -> None:
    """Run ``func(*ids)`` as a job on ``queue``; in-process when there is no Redis."""
    enqueue_each(queue, func, [ids])


def enqueue_each(queue: str, func, arguments: list[tuple[int, ...]]) -> None:
    """Run ``func(*ids)`` as a job on ``queue`` for each tuple of ids in ``arguments``: one job each, all sent to
    Redis in one round trip (the e-mails of a step, the hundreds of a sweep batch: one at a time, each cost a few
    milliseconds of waiting); in-process, one after the other, when there is no Redis."""
    if not all(isinstance(value, int) for ids in arguments for value in ids):
        raise TypeError("jobs take ids only")  # keeps personal data out of Redis
    target = get_queue(queue)
    if target is None:
        for ids in arguments:
            func(*ids)
        return
    with target.connection.pipeline() as pipeline:
        target.enqueue_many([Queue.prepare_data(func, ids, timeout=JOB_TIMEOUT, result_ttl=3600)
                             for ids in arguments], pipeline=pipeline)
        pipeline.execute()


#: The longest a job may run (seconds); a stopping worker waits this long for its current job (systemd's
#: ``TimeoutStopSec`` is above it).
JOB_TIMEOUT = 300
