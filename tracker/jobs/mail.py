"""RQ jobs for the outbox: deliver one row, pump lost rows back onto the queue, write the daily digests.

``dispatch`` is what the outbox calls after a commit (wired in ``create_app``): one job per row, all sent to Redis
in one round trip. Redis being down is logged, never raised: the rows stay leased in the database and the pump
enqueues them once the lease ends and Redis answers again."""
from __future__ import annotations

import logging

from redis.exceptions import RedisError

from tracker.extensions import db
from tracker.jobs.queue import MAIL, enqueue_each
from tracker.notifications.delivery import deliver, pump
from tracker.notifications.digest import write_digests

log = logging.getLogger(__name__)


def deliver_message(outbox_id: int) -> str:
    """One outbox row (by id). Safe to run twice or concurrently: the row is claimed by a conditional UPDATE."""
    return deliver(outbox_id)


def dispatch(outbox_ids: list[int]) -> None:
    if not outbox_ids:
        return
    try:
        enqueue_each(MAIL, deliver_message, [(outbox_id,) for outbox_id in outbox_ids])
    except (RedisError, OSError) as error:
        log.warning("outbox: %d row(s) not enqueued (%s); the pump retries when their lease ends",
                    len(outbox_ids), type(error).__name__)


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
