from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db


class Message(db.Model):
    """One message in a case's thread. Rows are never edited; only the office's read mark is set once."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: The user who wrote it; None when the applicant wrote from the status page.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The role written in (``Role``, or "applicant"): parties see "the authority", never a clerk's name.
    author_role: Mapped[str] = mapped_column(String(32))
    #: Written by the office's staff (to the parties) rather than by a party (to the office).
    from_office: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    #: A party's message is read once any clerk of the office holding the case has read it (the office's shared
    #: inbox, as clerks who stand in for each other expect); who and when stay visible to the team.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    author = relationship("User", foreign_keys=[author_id], lazy="joined")
    read_by = relationship("User", foreign_keys=[read_by_id], lazy="joined")

    __table_args__ = (Index("ix_messages_case", "case_id", "created_at"),)


# The queue's "unread messages": the few unread party messages, found without reading the whole thread table. The
# office's own messages are read by their author when written, so only party messages are ever unread.
Index("ix_messages_unread", Message.case_id, postgresql_where=Message.read_at.is_(None),
      sqlite_where=Message.read_at.is_(None))
