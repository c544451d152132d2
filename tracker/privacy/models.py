from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db


class CaseRead(db.Model):
    """One read of a case file, document or letter by staff: who, what, when (the read log, Art. 5(2), 32 GDPR).

    A table of its own, not events in the case's audit chain: reads do not change the case, are many times more
    frequent than changes (every page view), and must not move the case's version (a clerk reading would make a
    colleague's open form stale) nor lengthen the chain ``audit verify`` walks. Rows are only ever inserted; they
    name the reader (staff) and the case, never the applicant, so they outlive the case's erasure."""

    __tablename__ = "case_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: What was read, as a short code: "case_file", "letter:12", "letter:12.pdf", "document:passport" …
    what: Mapped[str] = mapped_column(String(120))

    user = relationship("User", lazy="joined")

    __table_args__ = (Index("ix_case_reads_case", "case_id", "occurred_at"),)
