"""The clerk's queue asks: which cases have new documents? An upload is new while its checklist item still waits
for the clerk's judgement (status "received"); accepting or rejecting the item, as the case file always allowed,
takes the case off the list. Driven from the uploads (few) rather than the checklists (ten per case)."""
from __future__ import annotations

from sqlalchemy import ColumnElement, select

from tracker.cases.models import Case, CaseDocument
from tracker.documents.models import Upload
from tracker.extensions import db
from tracker.procedures.vocabulary import DocumentStatus


def _new_uploads():
    return (select(Upload.case_id).join(CaseDocument, CaseDocument.id == Upload.case_document_id)
            .where(CaseDocument.status == DocumentStatus.RECEIVED))


def has_new_documents() -> ColumnElement[bool]:
    """A SQL condition on ``Case``: the case has an upload its clerk has not judged yet."""
    return Case.id.in_(_new_uploads())


def with_new_documents(case_ids: list[int]) -> set[int]:
    """Which of ``case_ids`` have new documents (one query, for the queue's marker)."""
    if not case_ids:
        return set()
    return set(db.session.scalars(_new_uploads().where(Upload.case_id.in_(case_ids)).distinct()))
