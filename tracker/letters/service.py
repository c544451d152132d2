"""Keeping letters as sent: the step that owes a letter (``letter:`` in its definition) produces it, in the same
unit of work as the step, with an audit event; afterwards the letter is only read back, never rebuilt."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import append_event
from tracker.extensions import db
from tracker.letters.content import LANGUAGES, build, represented
from tracker.letters.models import LetterRecord
from tracker.procedures.engine import letter_date
from tracker.procedures.vocabulary import LetterKind


def keep(case, workflow, kind: LetterKind, event, actor) -> LetterRecord:
    """Produce the letter ``kind`` for the step recorded by ``event`` and keep it, in both languages."""
    number = _next_number(case, kind)
    dated = letter_date(event.data or {}, clock.today())
    content = {lang: build(case, workflow, kind, lang, event=event, dated=dated).as_dict() for lang in LANGUAGES}
    # Sent in the applicant's language; to the employer as representative (§ 81a AufenthG), an organisation in
    # Germany, in German (the authority's language, § 23(1) VwVfG), whatever the worker's own.
    language = "de" if represented(case) or case.applicant.preferred_language not in LANGUAGES \
        else case.applicant.preferred_language
    record = LetterRecord(case_id=case.id, kind=str(kind), number=number, dated=dated, language=language,
                          content=content, event_seq=event.seq, created_at=clock.now())
    db.session.add(record)
    append_event(case, EventKind.LETTER, actor, subject=str(kind), data=letter_event_data(kind, number, dated))
    return record


def _next_number(case, kind: LetterKind) -> int:
    """The number of the next letter of this kind: the letters the case has, stored or kept earlier in this unit of
    work, plus one. Counted without flushing, so the step's changes go to the database together at its end (one
    statement per row kind): from the case when it was loaded with its letter kinds (``Case.letter_kinds``), else
    with one query, then kept for the unit of work."""
    counts = db.session.info.setdefault(LETTER_COUNTS, {})
    key = (case.id, str(kind))
    if key not in counts:
        if case.letter_kinds is not None:
            counts[key] = case.letter_kinds.split(",").count(str(kind))
        else:
            with db.session.no_autoflush:
                counts[key] = db.session.scalar(select(func.count()).select_from(LetterRecord).where(
                    LetterRecord.case_id == case.id, LetterRecord.kind == kind)) or 0
    counts[key] += 1
    return counts[key]


def letter_kinds_of(case_id_column):
    """The kinds of a case's letters as one comma-separated text ("" for none), correlated to ``case_id_column``:
    loaded with the case, it numbers the next letter without a query of its own."""
    return (select(func.coalesce(func.aggregate_strings(LetterRecord.kind, ","), ""))
            .where(LetterRecord.case_id == case_id_column).scalar_subquery())


#: ``Session.info`` key: (case id, kind) -> letters so far, for the unit of work (forgotten when it ends, as
#: another transaction may add letters afterwards).
LETTER_COUNTS = "letter_counts"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")  # a savepoint's too: a fiction refused there keeps no letter
def _forget_letter_counts(session, *_previous_transaction) -> None:
    session.info.pop(LETTER_COUNTS, None)


def letter_event_data(kind: LetterKind, number: int, dated: date) -> dict:
    """What the audit trail says of a letter (the seed generator writes the same)."""
    return {"letter": str(kind), "number": number, "dated": dated}


def case_letters(case_id: int) -> list[LetterRecord]:
    """The case's letters in the order they were produced."""
    return list(db.session.scalars(select(LetterRecord).where(LetterRecord.case_id == case_id)
                                   .order_by(LetterRecord.id)))
