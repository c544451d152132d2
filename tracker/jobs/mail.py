"""RQ jobs for the outbox: deliver one row, pump lost rows back onto the queue, write the daily digests.

``dispatch`` is what the outbox calls after a commit (wired in ``create_app``): one job per row. Redis being down
is logged, never raised: the rows stay leased in the database and the pump enqueues them once the lease ends and
Redis answers again."""
from __future__ import annotations

import logging

from redis.exceptions import RedisError

from tracker.extensions import db
from tracker.jobs.queue import MAIL, enqueue
from tracker.notifications.delivery import deliver, pump
from tracker.notifications.digest import write_digests

log = logging.getLogger(__name__)


def deliver_message(outbox_id: int) -> str:
    """One outbox row (by id). Safe to run twice or concurrently: the row is claimed by a conditional UPDATE."""
    return deliver(outbox_id)


def dispatch(outbox_ids: list[int]) -> None:
    for number, outbox_id in enumerate(outbox_ids):
        try:
            enqueue(MAIL, deliver_message, outbox_id)
        except (RedisError, OSError) as error:
            log.warning("outbox: %d row(s) not enqueued (%s); the pump retries when their lease ends",
                        len(outbox_ids) - number, type(error).__name__)
            return


def pump_outbox() -> int:
    """Recurring: enqueue again what is owed and has no live job (lost in Redis, worker killed, retry due)."""
    ids = pump()
    dispatch(ids)
    return len(ids)


def send_daily_digests() -> int:
    """Recurring (hourly): the digests of yesterday, once per clerk and day."""
    try:
        return write_digests()
    finally:
        db.session.remove()
