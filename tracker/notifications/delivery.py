"""Delivering outbox rows: claim, send, mark sent; and the pump that finds rows whose job was lost.

**Exactly one send per row, as far as a database can promise it.** A delivery job claims its row with one
conditional UPDATE (``pending`` -> ``sending``, with a random claim token and a lease); a second job for the same
row (enqueued twice, retried by RQ, re-enqueued by the pump) finds it not pending and does nothing. After the mail
server accepted the message, a second conditional UPDATE (``sending`` with our token -> ``sent``) commits.

**The at-least-once window.** Between the server's acceptance and the commit of ``sent`` lies a short window (one
round trip to the database). A worker killed inside it leaves the row ``sending``; when the lease ends the pump
puts it back to ``pending`` and it is sent again. The message then carries the same ``Message-ID`` (fixed when the
row was written), so a receiving mail system or client that deduplicates by Message-ID shows it once. The window
cannot be closed from our side (SMTP has no two-phase commit); it is only made small. A worker that is merely slow
is not in danger: the SMTP socket timeout is a fraction of the lease, so a live job ends (sent or failed) before
its lease does.

**Retries and backoff live in the table, not in Redis**: a failed attempt puts the row back to ``pending`` with
``next_attempt_at`` moved out (``OUTBOX_RETRY_SECONDS`` doubled per attempt, at most six hours), and the pump
enqueues it when that moment has come; after ``OUTBOX_MAX_ATTEMPTS`` it is ``failed`` (counted in /metrics). So a
retry survives a Redis restart, and RQ's own retry (which needs RQ's scheduler) is not used.

Everything here runs on its own connections (``db.engine``), never on the ORM session: it may be called right
after a commit, from the session's own ``after_commit`` hook, when no app runs a worker (development without
Redis)."""
from __future__ import annotations

import logging
import secrets
import smtplib
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from tracker import clock
from tracker.extensions import db
from tracker.notifications.mail import compose, transmit
from tracker.notifications.models import WAITING, OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

OUTBOX = OutboxMessage.__table__
#: The longest wait between two attempts.
MAX_BACKOFF = timedelta(hours=6)


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: the base, doubled each time, capped."""
    base = timedelta(seconds=current_app.config["OUTBOX_RETRY_SECONDS"])
    return min(base * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver(outbox_id: int) -> str:
    """Send one row if it is still owed. Returns "sent", "retry", "failed" or "skipped" (not pending, not due
    yet, or claimed by another job). Never raises for a mail server's refusal: the row records it."""
    now = clock.now()
    token = secrets.token_hex(16)
    with db.engine.begin() as connection:
        claimed = connection.execute(update(OUTBOX).where(
            OUTBOX.c.id == outbox_id, OUTBOX.c.status == OutboxStatus.PENDING, OUTBOX.c.next_attempt_at <= now,
        ).values(status=OutboxStatus.SENDING, claim=token, attempts=OUTBOX.c.attempts + 1,
                 lease_until=now + _lease())).rowcount
        if claimed != 1:
            return "skipped"
        row = connection.execute(select(OUTBOX).where(OUTBOX.c.id == outbox_id)).one()
    mine = and_(OUTBOX.c.id == outbox_id, OUTBOX.c.status == OutboxStatus.SENDING, OUTBOX.c.claim == token)
    try:
        # The socket timeout stays well inside the lease, so this job finishes before the pump may hand the row on.
        transmit(compose(row.address, row.subject, row.body, row.message_id),
                 timeout=max(current_app.config["OUTBOX_LEASE_SECONDS"] / 3, 1))
    except (smtplib.SMTPException, OSError) as error:
        return _failed(mine, row.attempts, outbox_id, error)
    with db.engine.begin() as connection:
        values = {"status": OutboxStatus.SENT, "sent_at": clock.now(), "lease_until": None, "last_error": ""}
        if row.secret:
            values["body"] = ""  # the one-time link lived in the database only until it was handed on
        connection.execute(update(OUTBOX).where(mine).values(**values))
    log.info("outbox row %s sent (%s)", outbox_id, row.message_id)
    return "sent"


def _failed(mine, attempts: int, outbox_id: int, error: Exception) -> str:
    code = getattr(error, "smtp_code", None)
    reason = f"{type(error).__name__}{f' {code}' if code else ''}"  # no address, no server text
    give_up = attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    with db.engine.begin() as connection:
        connection.execute(update(OUTBOX).where(mine).values(
            status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING, lease_until=None, claim=None,
            next_attempt_at=clock.now() + backoff(attempts), last_error=reason))
    log.warning("outbox row %s: attempt %d failed (%s)%s", outbox_id, attempts, reason,
                "; given up" if give_up else "; will retry")
    return "failed" if give_up else "retry"


def pump(limit: int = 500) -> list[int]:
    """Rows that are owed and have no live job: pending rows whose lease ended (their job never reached Redis,
    or Redis lost it) or that wait for their next attempt, and ``sending`` rows whose lease ended (their worker
    died mid-job). Each is leased anew and returned, for the caller to enqueue. Safe with several pumps at once
    (``SKIP LOCKED`` on PostgreSQL; SQLite serialises writers)."""
    now = clock.now()
    lease_free = or_(OUTBOX.c.lease_until.is_(None), OUTBOX.c.lease_until < now)
    with db.engine.begin() as connection:
        ids = list(connection.execute(
            select(OUTBOX.c.id).where(OUTBOX.c.status.in_(WAITING), lease_free, OUTBOX.c.next_attempt_at <= now)
            .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id).limit(limit).with_for_update(skip_locked=True)
        ).scalars())
        if not ids:
            return []
        # A job that died mid-send counted its attempt: past the limit the row is failed, not tried again.
        connection.execute(update(OUTBOX).where(
            OUTBOX.c.id.in_(ids), OUTBOX.c.status == OutboxStatus.SENDING,
            OUTBOX.c.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"],
        ).values(status=OutboxStatus.FAILED, lease_until=None, claim=None, last_error="lease expired"))
        ids = list(connection.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids), OUTBOX.c.status.in_(WAITING))
                                      .values(status=OutboxStatus.PENDING, claim=None, lease_until=now + _lease())
                                      .returning(OUTBOX.c.id)).scalars())
    if ids:
        log.info("outbox pump: %d row(s) to enqueue again", len(ids))
    return sorted(ids)


def counts() -> dict[str, int]:
    """Rows by status (for `flask outbox status` and the dev page)."""
    with db.engine.connect() as connection:
        return dict(connection.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)).all())
