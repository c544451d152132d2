"""``record_read(user, case, what)``: every door that serves a case file, a document or a letter calls it."""
from __future__ import annotations

from sqlalchemy import insert

from tracker import clock
from tracker.extensions import db
from tracker.privacy.models import CaseRead


def record_read(user, case, what: str) -> None:
    """Log that ``user`` read ``what`` of ``case`` (only staff reads are logged: employers see their own cases in
    the portal, whose accesses the authorisations already record). Commits at once, in its own short write, so
    the read is on record before the content leaves; call it after the access check, right before the response.
    ``what`` names the thing, never its content ("case_file", "letter:12.pdf", "document:passport")."""
    if not getattr(user, "is_staff", False):
        return
    # A plain INSERT: nothing reads the row back, so neither an ORM object nor its RETURNING id is needed.
    db.session.execute(insert(CaseRead), [{"user_id": user.id, "case_id": case.id, "what": str(what)[:120],
                                           "occurred_at": clock.now()}])
    db.session.commit()


def reads_of(case_id: int, limit: int = 1000) -> list[CaseRead]:
    """The newest reads of a case first (the data-protection role's view)."""
    return list(db.session.scalars(db.select(CaseRead).where(CaseRead.case_id == case_id)
                                   .order_by(CaseRead.occurred_at.desc(), CaseRead.id.desc()).limit(limit)))
