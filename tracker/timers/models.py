from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.procedures.timer_plan import open_pause, pause_days
from tracker.procedures.vocabulary import OPEN_TIMER_STATUSES, TimerStatus


class Timer(db.Model):
    """One running (or finished) legal period of a case. The definition says how it is counted; this row holds the
    case's own dates. ``due_on`` and ``warn_on`` are recomputed whenever a pause or extension changes them."""

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: Timer id in the case's workflow definition version.
    timer_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=TimerStatus.RUNNING)
    #: Trigger day (not counted, § 187(1) BGB), in Europe/Berlin.
    started_on: Mapped[date]
    #: The event that started it (transition id or "opened"); names the trigger day in explanations.
    started_by: Mapped[str] = mapped_column(String(64), default="opened")
    #: A due date fixed by the authority (``due_input`` timers), instead of a counted period.
    fixed_due_on: Mapped[date | None]
    #: Holiday calendar the period is counted in (resolved from the office at start).
    calendar: Mapped[str] = mapped_column(String(32))
    #: A deadline the authority set whose end day the letter named with reference to § 31(3) s. 2 VwVfG: not moved
    #: off a weekend or holiday.
    end_named: Mapped[bool | None]
    #: The extension: a period (P1M, from the end of the period, § 190 BGB) or the end date communicated (YYYY-MM-DD).
    extension: Mapped[str | None] = mapped_column(String(16))
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None]
    #: Day to warn on; cleared once the warning went out, so the sweep's scan only sees warnings still owed.
    warn_on: Mapped[date | None]
    finished_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    pauses = relationship("TimerPause", order_by="TimerPause.id", back_populates="timer", lazy="selectin")
    case = relationship("Case", back_populates="timers")

    __table_args__ = (
        # The sweep reads only open timers by date; on PostgreSQL a partial index keeps finished ones out of it.
        Index("ix_timers_running_due", "due_on", postgresql_where=text("status = 'running'"),
              sqlite_where=text("status = 'running'")),
        Index("ix_timers_running_warn", "warn_on", postgresql_where=text("status = 'running'"),
              sqlite_where=text("status = 'running'")),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TIMER_STATUSES

    def open_pause(self) -> TimerPause | None:
        return open_pause(self)


class TimerPause(db.Model):
    """A suspension (Hemmung) of a timer, by rule (a set deadline, a skills analysis) or by hand, with its reason."""

    __tablename__ = "timer_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    timer_pk: Mapped[int] = mapped_column(ForeignKey("timers.id"), index=True)
    started_on: Mapped[date]
    #: For § 6(4) BQFG pauses: the end of the deadline set for the applicant; the pause lasts until then even if
    #: the documents arrive earlier.
    until_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    #: Transition id that caused it, or "manual".
    source: Mapped[str] = mapped_column(String(64))

    timer = relationship("Timer", back_populates="pauses")

    def days(self, today: date) -> int:
        return pause_days(self, today)


class TimerEffectKind(StrEnum):
    WARNING = "warning"
    BREACH = "breach"
    FICTION = "fiction"


class TimerEffect(db.Model):
    """What the sweep did for a timer. The unique key makes the sweep idempotent: run twice, act once."""

    __tablename__ = "timer_effects"

    id: Mapped[int] = mapped_column(primary_key=True)
    timer_pk: Mapped[int] = mapped_column(ForeignKey("timers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    #: The due date the effect was for: an extended timer can warn again for its new date.
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    __table_args__ = (UniqueConstraint("timer_pk", "kind", "due_on"),)
