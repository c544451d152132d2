"""The outbox: one row per e-mail owed, written in the transaction of the change it reports."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db


class OutboxStatus(StrEnum):
    PENDING = "pending"  #: waiting for a delivery job (or for its next attempt after a failure)
    SENDING = "sending"  #: claimed by one delivery job, until ``lease_until``
    SENT = "sent"  #: accepted by the mail server (or written as .eml)
    FAILED = "failed"  #: given up after ``OUTBOX_MAX_ATTEMPTS``; shown in /metrics and `flask outbox status`


#: What the outbox counts as not delivered yet (the backlog gauge).
WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class OutboxMessage(db.Model):
    """One e-mail to one recipient. Rows are claimed and marked sent by conditional UPDATEs (``delivery``)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Why it is owed: "event:<event id>:user:<id>", "event:<id>:person:<id>", "digest:<user>:<day>",
    #: "invitation:<id>": a second writer of the same message (a repeated digest run) inserts nothing.
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    #: What kind of message (the event kind, "digest", "invitation"); for the dev page and the logs.
    kind: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: The recipient's account, if they have one (the applicant has none).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="de")
    subject: Mapped[str] = mapped_column(String(300))
    #: The text as written with the change. Emptied once sent when it held a secret (an invitation link).
    body: Mapped[str] = mapped_column(Text)
    #: Holds a one-time link: the body is emptied when the row is marked sent.
    secret: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: Fixed when the row is written: the same on every attempt, so a receiver can drop a repeated delivery.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not before this moment (backoff after a failed attempt).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    #: A delivery job is on its way (pending) or at work (sending) until then; after it, the pump takes the row
    #: as lost (Redis down when it was enqueued, worker killed) and enqueues it again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Random token of the job that claimed the row: only that job may mark it sent or failed.
    claim: Mapped[str | None] = mapped_column(String(32))
    #: The last failure, without personal data (exception type and SMTP code).
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # The pump's scan: only rows not delivered yet (a partial index stays small however much was sent).
        Index("ix_outbox_waiting", "next_attempt_at", postgresql_where=text("status IN ('pending', 'sending')"),
              sqlite_where=text("status IN ('pending', 'sending')")),
    )
