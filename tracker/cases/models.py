from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from tracker import clock
from tracker.audit.chain import GENESIS
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.procedures.vocabulary import DocumentStatus

#: ``authorisations.grantor``: a person's whole name, given names (``persons.given_names``, 200) and family name
#: (200) with the space between. The clerk's form allows exactly this much.
GRANTOR_LENGTH = 401


class Case(db.Model):
    """One procedure instance. Its state only changes through ``tracker.cases.service.apply_transition``."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Readable unique reference, e.g. "ABH-EF-2026-000123" (procedure prefix, year, running number).
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    procedure_id: Mapped[str] = mapped_column(String(64))
    #: The definition version the case was opened under; it keeps it for life.
    procedure_version: Mapped[int]
    state: Mapped[str] = mapped_column(String(64))
    #: Outcome of the terminal state (positive/partial/negative/withdrawn), None while open.
    outcome: Mapped[str | None] = mapped_column(String(16))
    #: Recognition opened from a § 81a case: § 14a BQFG periods apply.
    accelerated: Mapped[bool] = mapped_column(default=False)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The § 81a case that holds this recognition case.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    profession: Mapped[str] = mapped_column(String(200), default="")
    #: The German reference occupation (Referenzberuf) the qualification is compared with.
    reference_occupation: Mapped[str] = mapped_column(String(200), default="")
    #: Country where the qualification was obtained (Ausbildungsstaat), for the official statistics.
    #: (The server default fills the column for cases from before it existed: 0016_report_facts.)
    training_country: Mapped[str] = mapped_column(String(100), default="", server_default=text("''"))
    #: Day the application reached the authority (trigger day of the first deadlines).
    received_on: Mapped[date]
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the last step of the procedure (a transition) was recorded; when it was opened until then. Unlike
    #: ``updated_at`` it does not move with notes, documents or the sweep's timer events: the advisors' overview
    #: finds the cases without progress for N days from it.
    progressed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    #: Summary of the open timers, kept by the timer service in the same transaction so the work queue can sort
    #: a million cases by an index. Derived data: ``timers.service.refresh_summary`` recomputes it from the timers.
    next_due_on: Mapped[date | None]
    breached: Mapped[bool] = mapped_column(default=False)
    #: Hash of the newest audit event: lets `audit verify` notice events cut off the end of the chain.
    audit_head: Mapped[str] = mapped_column(String(64), default=GENESIS)
    #: Sequence number of the newest audit event (0 before the first): the next event takes the next number without
    #: asking the events table. Guarded by ``version`` like every change, and by the events' unique (case, seq).
    event_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    #: When the case's personal data was erased (retention or request, ``tracker.privacy``); its facts remain.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Optimistic lock: every change bumps it; a stale writer gets a conflict instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)
    #: The one-time key of the new-case form it was opened from: the same form sent again opens no second case.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, deferred=True)

    __mapper_args__ = {"version_id_col": version}

    applicant = relationship("Person", lazy="joined", innerjoin=True)
    employer = relationship("Employer", lazy="joined")
    office = relationship("Office", lazy="joined", innerjoin=True)
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    advisor = relationship("User", foreign_keys=[advisor_id])
    parent = relationship("Case", remote_side=[id], backref="children")
    documents = relationship("CaseDocument", back_populates="case", order_by="CaseDocument.position")
    #: Every timer the case ever had, oldest first; loaded once per unit of work and kept current by the timer
    #: service (a new timer joins it), so a transition reads its timers once and the queue summary is computed
    #: from them without another query.
    timers = relationship("Timer", back_populates="case", order_by="Timer.id")
    authorisations = relationship("Authorisation", back_populates="case", order_by="Authorisation.id",
                                  foreign_keys="Authorisation.case_id")
    #: The kinds of the letters the case has, comma-separated ("" for none), when the case was loaded through
    #: ``tracker.cases.loading.case_by_id``; None otherwise. Numbers the next letter without a query of its own.
    letter_kinds: Mapped[str | None] = query_expression()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


# The work queue's order over open cases: breached first, then nearest deadline (none last: PostgreSQL's default for
# ascending; SQLite cannot declare it), keyset pagination on (.., id). Partial and sorted like the queue, so
# PostgreSQL reads the first page off the index instead of sorting every open case of the office.
Index("ix_cases_queue", Case.office_id, Case.breached.desc(), Case.next_due_on, Case.id,
      postgresql_where=Case.closed_at.is_(None), sqlite_where=Case.closed_at.is_(None))
# A clerk's own open cases ("my cases" in the queue, the team view's workload per clerk): counted from the index
# alone, however many cases the office has.
Index("ix_cases_open_assignee", Case.office_id, Case.assignee_id,
      postgresql_where=Case.closed_at.is_(None), sqlite_where=Case.closed_at.is_(None))




class CaseDocument(db.Model):
    """One item of the case's documents checklist (the items come from the workflow definition)."""

    __tablename__ = "case_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: Id of the document in the workflow definition ("passport", "diploma", ...).
    document_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    required: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.MISSING)
    #: Why a document was rejected (shown to the applicant in the request letter).
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The day the deadline set for the applicant when the document was requested ends: the date set, moved off a
    #: Saturday, Sunday or holiday unless the letter named it (§ 31(3) VwVfG, ``timer_plan.set_deadline_ends``).
    requested_until: Mapped[date | None]
    #: Day the document arrived (the fact's date, not the day it was recorded): the decision period runs from the
    #: arrival of the last document the file needs (§ 6(3) s. 2, § 14a(3) s. 2 BQFG).
    received_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    case = relationship("Case", back_populates="documents")

    __table_args__ = (UniqueConstraint("case_id", "document_id"),)


class Authorisation(db.Model):
    """An employer's recorded right to follow (and act in) one case: the worker's power of attorney for the § 81a
    procedure (§ 81a(1) s. 1, (2) no. 2 AufenthG) or the applicant's authorisation of the employer in a recognition case
    (§ 14(1) VwVfG with § 1(1) s. 1 ThürVwVfG).

    Access is derived from it when asked (``cases.access``), never copied into flags: it holds from ``valid_from``
    to ``valid_until`` (inclusive, Berlin calendar days) unless revoked; a revocation ends it at once."""

    __tablename__ = "authorisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: The employer organisation authorised (every user of it may see the case).
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    #: ``AuthorisationKind``.
    kind: Mapped[str] = mapped_column(String(32))
    #: Who granted it, as the document names them (usually the applicant): room for a person's whole name, given
    #: names (200) and family name (200) with the space between (``GRANTOR_LENGTH``).
    grantor: Mapped[str] = mapped_column(String(GRANTOR_LENGTH))
    #: What it covers, in the document's words ("alle Handlungen im Verfahren nach § 81a AufenthG").
    scope: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date]
    #: Last day it holds; None: until revoked.
    valid_until: Mapped[date | None]
    #: The checklist item that holds the signed document (evidence), if it is on the case's checklist.
    evidence_document_id: Mapped[int | None] = mapped_column(ForeignKey("case_documents.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revocation_reason: Mapped[str] = mapped_column(Text, default="")

    case = relationship("Case", back_populates="authorisations", foreign_keys=[case_id])
    employer = relationship("Employer", lazy="joined")
    evidence = relationship("CaseDocument")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    # The validity columns ride along (PostgreSQL INCLUDE): the access rule's "valid today" is read from the index.
    __table_args__ = (Index("ix_authorisations_employer_case", "employer_id", "case_id",
                            postgresql_include=["valid_from", "valid_until", "revoked_at"]),
                      Index("ix_authorisations_case", "case_id"))

    def holds_on(self, day: date) -> bool:
        """Valid on ``day``: begun, not ended, not revoked."""
        return (self.revoked_at is None and self.valid_from <= day
                and (self.valid_until is None or day <= self.valid_until))


class Note(db.Model):
    """Internal note: visible to authority staff only, never to employers, advisors or applicants."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    author = relationship("User", lazy="joined")


class ReferenceCounter(db.Model):
    """Running numbers for case references, one row per (prefix, year); incremented under a row lock."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
