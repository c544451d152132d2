"""Putting background work on the queue. With ``REDIS_URL`` jobs go to RQ (workers: ``flask --app tracker worker``); without it they run
in-process at once, so ``make run`` needs no Redis. Jobs take ids, never objects or personal data."""
from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

QUEUE_NAME = "tracker"


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
        # A bounded connect: a web request that enqueues after its commit must not hang on an unreachable Redis.
        made = app.extensions["redis_client"] = (url, Redis.from_url(url, socket_connect_timeout=3))
    return made[1]


def get_queue(app: Flask | None = None) -> Queue | None:
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
