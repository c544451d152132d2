"""Everything the tracker holds about one person (Art. 15 GDPR), as one JSON document. Each export is an event in
the chain of every case it includes (who exported, when)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import append_event, case_events
from tracker.cases.models import Case, Note
from tracker.cases.service import flush_or_conflict
from tracker.extensions import db
from tracker.documents.models import Upload
from tracker.letters.models import LetterRecord
from tracker.messages.models import Message
from tracker.parties.models import Person
from tracker.privacy.models import CaseRead
from tracker.timers.models import Timer

FORMAT = "tracker-personal-data-export/1"


def _value(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _row(obj, names) -> dict:
    return {name: _value(getattr(obj, name)) for name in names}


def _case(case: Case) -> dict:
    notes = db.session.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.created_at))
    letters = db.session.scalars(select(LetterRecord).where(LetterRecord.case_id == case.id)
                                 .order_by(LetterRecord.id))
    timers = db.session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.id))
    reads = db.session.scalars(select(CaseRead).where(CaseRead.case_id == case.id).order_by(CaseRead.occurred_at))
    messages = db.session.scalars(select(Message).where(Message.case_id == case.id).order_by(Message.id))
    uploads = db.session.scalars(select(Upload).where(Upload.case_id == case.id).order_by(Upload.id))
    return {
        **_row(case, ("reference", "procedure_id", "procedure_version", "state", "outcome", "accelerated",
                      "profession", "reference_occupation", "received_on", "opened_at", "closed_at", "erased_at")),
        "office": case.office.name,
        "employer": case.employer.name if case.employer else None,
        "documents": [_row(d, ("document_id", "status", "reason", "requested_until", "received_on"))
                      for d in case.documents],
        "authorisations": [{**_row(a, ("kind", "grantor", "scope", "valid_from", "valid_until", "revoked_at",
                                       "revocation_reason")), "employer": a.employer.name}
                           for a in case.authorisations],
        "deadlines": [{**_row(t, ("timer_id", "status", "started_on", "due_on", "finished_on",
                                  "extension_reason")),
                       "suspensions": [_row(p, ("started_on", "until_on", "ended_on", "reason"))
                                       for p in t.pauses]} for t in timers],
        "notes": [{"written_at": _value(n.created_at), "text": n.body} for n in notes],
        "events": [{**_row(e, ("seq", "occurred_at", "actor_role", "kind", "subject", "from_state", "to_state",
                               "reason", "basis")), "details": e.details} for e in case_events(case.id)],
        "letters": [{**_row(letter, ("kind", "number", "dated", "language")), "content": letter.content}
                    for letter in letters],
        # The thread with the office (who wrote as a role, never a clerk's name) and the files sent (their names,
        # kinds and sizes: the files themselves are the person's own copies).
        "messages": [{"written_at": _value(m.created_at), "from": "office" if m.from_office else m.author_role,
                      "text": m.body} for m in messages],
        "uploads": [{**_row(u, ("file_name", "media_type", "size", "uploaded_at", "from_applicant")),
                     "checklist_item": u.checklist_item.document_id if u.checklist_item else None} for u in uploads],
        # Recipients (Art. 15(1)(c)): which role read the file when; staff names are the authority's, not shown.
        "reads": [{"at": _value(r.occurred_at), "role": r.user.role, "what": r.what} for r in reads],
    }


def export_person(person: Person, actor) -> dict:
    """The export; records an event in each included case's chain (flush only: the view commits)."""
    cases = list(db.session.scalars(select(Case).where(Case.applicant_id == person.id).order_by(Case.id)))
    document = {
        "format": FORMAT,
        "produced_at": _value(clock.now()),
        "person": _row(person, ("family_name", "given_names", "date_of_birth", "nationality", "email", "phone",
                                "preferred_language", "street", "postcode", "city", "country", "erased_at")),
        "cases": [_case(case) for case in cases],
    }
    for case in cases:
        append_event(case, EventKind.PERSONAL_DATA_EXPORTED, actor, basis="Art. 15 DSGVO")
    flush_or_conflict()
    return document
