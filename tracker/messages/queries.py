"""The clerk's queue asks: which cases have messages no one of the office has read yet?"""
from __future__ import annotations

from sqlalchemy import ColumnElement, func, select

from tracker.cases.models import Case
from tracker.extensions import db
from tracker.messages.models import Message


def has_unread_messages() -> ColumnElement[bool]:
    """A SQL condition on ``Case``: a party's message waits to be read by the office."""
    return Case.id.in_(select(Message.case_id).where(Message.read_at.is_(None)))


def unread_counts(case_ids: list[int]) -> dict[int, int]:
    """Unread messages per case among ``case_ids`` (one query, for the queue's marker)."""
    if not case_ids:
        return {}
    return dict(db.session.execute(select(Message.case_id, func.count()).where(
        Message.case_id.in_(case_ids), Message.read_at.is_(None)).group_by(Message.case_id)).all())
