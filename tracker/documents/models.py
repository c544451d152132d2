from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db


class Upload(db.Model):
    """One file a party sent for a checklist item. The bytes live in the document storage under ``storage_key``;
    rows are never changed (a replacement is a new upload)."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: The checklist item (``case_documents``) the file was sent for.
    case_document_id: Mapped[int] = mapped_column(ForeignKey("case_documents.id"))
    #: The random key in the document storage (never the sender's file name).
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the stored bytes (hex): proves later that the file is the one received.
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    #: ``application/pdf``, ``image/jpeg`` or ``image/png``, as the content showed it (never as the sender said).
    media_type: Mapped[str] = mapped_column(String(32))
    #: The sender's file name, checked (``inspection.checked_name``); offered on download.
    file_name: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    #: The employer user who sent it; None when the applicant sent it from the status page.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_applicant: Mapped[bool] = mapped_column(default=False)

    uploaded_by = relationship("User")
    checklist_item = relationship("CaseDocument")

    __table_args__ = (Index("ix_uploads_case", "case_id"), Index("ix_uploads_case_document", "case_document_id"))
