from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db


class LetterRecord(db.Model):
    """A letter as it was sent: its text frozen when the step that owes it was applied. Never rewritten, so a
    later change of the case (a new deadline, a corrected address) does not change what the applicant received."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: ``LetterKind``: receipt, documents_request, refusal_warning, decision, pre_approval.
    kind: Mapped[str] = mapped_column(String(32))
    #: Running number per case and kind: the first, second … request for documents.
    number: Mapped[int]
    #: The letter's date (the decision's date where the step names one, else the day it was produced).
    dated: Mapped[date]
    #: The language it was sent in (the applicant's); ``content`` holds the text in German and English.
    language: Mapped[str] = mapped_column(String(5))
    #: {"de": Letter, "en": Letter} as produced (``tracker.letters.content.Letter.as_dict``).
    content: Mapped[dict] = mapped_column(JSON)
    #: The audit event of the step that owed the letter (its ``seq`` in the case's chain).
    event_seq: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    __table_args__ = (UniqueConstraint("case_id", "kind", "number"),)
