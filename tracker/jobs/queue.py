"""Putting background work on the queue. With ``REDIS_URL`` jobs go to RQ (workers: ``flask --app tracker worker``); without it they run
in-process at once, so ``make run`` needs no Redis. Jobs take ids, never objects or personal data."""
from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

QUEUE_NAME = "tracker"


def redis_connection(app: Flask | None = None) -> Redis | None:
    url = (app or current_app).config.get("REDIS_URL")
    # A bounded connect: a web request that enqueues after its commit must not hang on an unreachable Redis.
    return Redis.from_url(url, socket_connect_timeout=3) if url else None


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
