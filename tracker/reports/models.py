from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportExport(db.Model):
    """A requested export of the anonymised case list behind a report. The job gets this row's id only; the
    parameters, the progress and the finished file stay here, readable by the person who asked for it."""

    __tablename__ = "report_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    #: The period (settled on or between) and the office filter; None: every office the requester may see.
    period_from: Mapped[date]
    period_to: Mapped[date]
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    #: "csv" or "xlsx".
    file_format: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.QUEUED)
    #: Rows written so far and rows to write (the progress indicator).
    done_rows: Mapped[int] = mapped_column(default=0)
    total_rows: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When its job last went to the queue; None: it never got there (Redis unreachable). ``jobs.pump_exports``
    #: enqueues such an export again, and one whose job a restarted Redis lost.
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When a job last took it up (status ``running``); a run far past the job timeout lost its worker.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Runs started; a lost one is retried until ``jobs.MAX_ATTEMPTS``, then the export has failed.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    requested_by = relationship("User")

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0
