"""The applicant's access code, and the index the expected-date estimate reads."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.cases.models import Case
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.procedures.vocabulary import Outcome


class AccessCode(db.Model):
    """The code that opens a case's status page to its applicant (no account). One row per case: renewing it
    replaces the hash and bumps ``generation``, so the old code, every signed link and every applicant session
    made with the old generation stop working at once. The code itself exists only in the request that issued it
    (the letter printed then, the e-mail sent then); the history of issues is in the audit trail."""

    __tablename__ = "access_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    #: Salted slow hash of the code (werkzeug's scrypt), never the code.
    code_hash: Mapped[str] = mapped_column(String(255))
    #: 1 for the first code, +1 on each renewal; carried by signed links and applicant sessions.
    generation: Mapped[int] = mapped_column(default=1)
    #: +1 each time the applicant leaves the status page: every session entered before (a copy of the cookie on
    #: another device included) ends with it, as a staff logout ends the user's sessions.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


#: Outcomes that are a decision on the application (a withdrawal is not one: it says nothing about how long we take).
DECIDED_OUTCOMES = (Outcome.POSITIVE, Outcome.PARTIAL, Outcome.NEGATIVE)

# The expected-date estimate: the newest decided cases of one procedure and office (and mode: accelerated recognition
# has its own period), newest first. Partial on decided cases, so a million cases cost it a short index range scan.
Index("ix_cases_decided", Case.office_id, Case.procedure_id, Case.accelerated, Case.closed_at.desc(),
      postgresql_where=Case.outcome.in_([str(outcome) for outcome in DECIDED_OUTCOMES]),
      sqlite_where=Case.outcome.in_([str(outcome) for outcome in DECIDED_OUTCOMES]))
