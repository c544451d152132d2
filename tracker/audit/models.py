from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DDL, JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import UTCDateTime
from tracker.extensions import db


class EventKind(StrEnum):
    OPENED = "opened"
    TRANSITION = "transition"
    ASSIGNED = "assigned"
    DOCUMENT = "document"
    NOTE = "note"
    TIMER_STARTED = "timer_started"
    TIMER_PAUSED = "timer_paused"
    TIMER_RESUMED = "timer_resumed"
    TIMER_EXTENDED = "timer_extended"
    TIMER_MET = "timer_met"
    TIMER_WARNING = "timer_warning"
    TIMER_BREACHED = "timer_breached"
    TIMER_CANCELLED = "timer_cancelled"
    LETTER = "letter"  #: a letter a step owes was produced and kept as sent
    AUTHORISATION_RECORDED = "authorisation_recorded"
    AUTHORISATION_REVOKED = "authorisation_revoked"
    EMPLOYER_INVITED = "employer_invited"
    # The portal's doors (issue 9): named here once so every feature and the outbox speak the same words.
    MESSAGE = "message"  #: a message in the case's thread between parties and clerks
    DOCUMENT_UPLOADED = "document_uploaded"  #: a party uploaded a requested document
    ACCESS_CODE_ISSUED = "access_code_issued"  #: the applicant's status-page access code was (re)issued
    ADVISOR_GRANTED = "advisor_granted"  #: an employer granted a ThAFF advisor access to its cases
    ADVISOR_REVOKED = "advisor_revoked"
    CASE_FILE_READ = "case_file_read"  #: a case file was opened (the data-protection read log)
    # Privacy (GDPR): the data-protection role's acts on a case, each in the case's chain.
    PERSONAL_DATA_EXPORTED = "personal_data_exported"  #: an Art. 15 export included this case
    PERSONAL_DATA_ERASED = "personal_data_erased"  #: personal data erased (on request or at the retention's end)
    #: The § 81a procedure that opened this recognition case ended (withdrawn, refused ...) while it is still open.
    PARENT_CASE_ENDED = "parent_case_ended"


#: Events that stay inside the authority: never shown to employers, advisors or applicants.
#: Reading a case file is the authority's read log (it names clerks), not a step of the case; the access code is the
#: applicant's own key, not the employer's news; the end of the § 81a procedure, told to the recognition body in its
#: linked case, is news the parties already have from the § 81a case itself.
INTERNAL_EVENT_KINDS = frozenset({EventKind.NOTE, EventKind.ASSIGNED, EventKind.EMPLOYER_INVITED,
                                  EventKind.ACCESS_CODE_ISSUED, EventKind.CASE_FILE_READ,
                                  EventKind.PARENT_CASE_ENDED})


class Event(db.Model):
    """One thing that happened to a case. Rows are never updated or deleted (enforced by triggers)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    #: Position in the case's chain, 1-based and gap-free.
    seq: Mapped[int]
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: None for the system (deadline sweep, legal fictions).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Role the actor acted in, or "system".
    actor_role: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    #: Transition id for kind "transition"; timer id for timer events; document id for document events.
    subject: Mapped[str | None] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str | None] = mapped_column(String(64))
    #: The reason as hashed into the chain. Since 0017 a person's words live in the erasable ``personal`` part (the
    #: chain holds their digest in ``data``); this column then stays empty. Read ``reason``, never this.
    stored_reason: Mapped[str] = mapped_column("reason", Text, default="")
    #: Legal basis of the step, copied from the definition at the time it happened.
    basis: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: Which audit key sealed the hash (``audit.chain.key_id``); NULL: written before keying, plain SHA-256.
    key_id: Mapped[str | None] = mapped_column(String(16))
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User", lazy="joined")
    personal = relationship("EventPersonal", uselist=False, lazy="joined", back_populates="event")

    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    @property
    def reason(self) -> str:
        """The reason a person gave (from the erasable part; empty once erased), or the system's own text."""
        if self.personal is not None:
            return (self.personal.content or {}).get("reason", "")
        return self.stored_reason

    @property
    def details(self) -> dict:
        """The event's data with the person-written inputs of the erasable part (empty once erased)."""
        data = {key: value for key, value in (self.data or {}).items() if key != PERSONAL_DIGEST_KEY}
        if self.personal is not None:
            data.update({key: value for key, value in (self.personal.content or {}).items() if key != "reason"})
        return data

    @property
    def is_system(self) -> bool:
        # The applicant has no account either; only the system itself acts in the role "system".
        return self.actor_id is None and self.actor_role == "system"


#: Key in ``Event.data`` holding the digest of the event's erasable part (``audit.chain.personal_digest``).
PERSONAL_DIGEST_KEY = "personal_digest"


class EventPersonal(db.Model):
    """The erasable part of an event: what a person wrote (reasons, findings, notes to a step) about a person.

    The chain covers it by digest only (salted SHA-256 in the event's ``data``): erasing the content and the salt
    keeps every event hash valid, and ``audit verify`` still detects an altered, not erased, content. Not
    append-only: erasure (``tracker.privacy``) empties it and records when."""

    __tablename__ = "event_personal"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    #: Random per event, so the digest of a short text ("Pass abgelaufen") cannot be guessed; erased with it.
    salt: Mapped[str] = mapped_column(String(32), default="")
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event = relationship("Event", back_populates="personal")


# Append-only at the database, not only in our code: an UPDATE, DELETE or (PostgreSQL) TRUNCATE on events aborts.
# SQLite has no TRUNCATE (its "DELETE FROM events" without WHERE is a DELETE, refused row by row).
APPEND_ONLY_DDL = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
           FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
        """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
           FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
           BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
        """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
           BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    ],
}
DROP_APPEND_ONLY_DDL = {
    "postgresql": ["DROP TRIGGER IF EXISTS events_no_truncate ON events",
                   "DROP TRIGGER IF EXISTS events_append_only ON events",
                   "DROP FUNCTION IF EXISTS events_append_only()"],
    "sqlite": ["DROP TRIGGER IF EXISTS events_no_update", "DROP TRIGGER IF EXISTS events_no_delete"],
}

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _statement in _statements:
        event.listen(Event.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
