"""Erasure of personal data (Art. 17 GDPR, and at the end of the retention period, Art. 5(1)(e)).

What goes: the applicant's name, birth date, contacts and address (the person is pseudonymised), internal notes,
every reason and free text a person wrote (documents, deadlines, authorisations, the events' erasable parts),
the grantor of an authorisation and the letters' text. What stays, for the statistics and the authority's
accountability: procedure, office, dates, state and outcome, profession and reference occupation, nationality and
country of residence, the documents checklist's statuses, deadlines and the audit chain, which still verifies
(its events hold only digests of the erased parts). Every erasure is an event in the case's chain.

Other features that keep personal data of a case (messages, uploaded files …) register an eraser in ``ERASERS``.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select

from tracker import clock
from tracker.audit.models import Event, EventKind, EventPersonal
from tracker.audit.service import append_event
from tracker.cases.models import Case, Note
from tracker.cases.service import CaseError, flush_or_conflict
from tracker.documents.models import Upload
from tracker.documents.storage import document_storage
from tracker.messages.models import Message
from tracker.notifications.models import OutboxMessage
from tracker.extensions import db
from tracker.letters.models import LetterRecord
from tracker.parties.models import Person
from tracker.procedures.definition import LocalText
from tracker.timers.models import Timer

#: ``eraser(case)``: called for every case being erased, in the same unit of work (flush only).
ERASERS: list[Callable[[Case], None]] = []

ERASED_NAME = "(gelöscht)"
BASIS = "Art. 17 DSGVO"
RETENTION_BASIS = "Art. 5 Abs. 1 lit. e DSGVO"


def erase_case(case: Case, actor, reason: str, basis: str = BASIS) -> None:
    """Erase the personal content of one case (not the person: see ``erase_person``)."""
    if case.erased_at is not None:
        return
    now = clock.now()
    db.session.execute(delete(Note).where(Note.case_id == case.id))
    for document in case.documents:
        document.reason = ""
    for authorisation in case.authorisations:
        authorisation.grantor = ERASED_NAME
        authorisation.scope = ""
        authorisation.revocation_reason = ""
    for timer in db.session.scalars(select(Timer).where(Timer.case_id == case.id)):
        timer.extension_reason = ""
        for pause in timer.pauses:
            pause.reason = ""
    for letter in db.session.scalars(select(LetterRecord).where(LetterRecord.case_id == case.id)):
        letter.content = {}
    # Files the parties sent: the stored bytes go (now: erasure is the intent even if this unit of work failed
    # later), the row keeps size, type and SHA-256 as the record that something was received.
    storage = document_storage()
    for upload in db.session.scalars(select(Upload).where(Upload.case_id == case.id)):
        storage.delete(upload.storage_key)
        upload.file_name = ERASED_NAME
    # The message thread: who wrote when stays, what was written goes.
    for message in db.session.scalars(select(Message).where(Message.case_id == case.id)):
        message.body = ERASED_NAME
    # The case's e-mails (addresses, first names), sent or still waiting: an erased person is mailed nothing more.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.case_id == case.id))
    for part in db.session.scalars(select(EventPersonal).join(Event).where(Event.case_id == case.id,
                                                                           EventPersonal.erased_at.is_(None))):
        part.content, part.salt, part.erased_at = {}, "", now
    for eraser in ERASERS:
        eraser(case)
    case.erased_at = now
    append_event(case, EventKind.PERSONAL_DATA_ERASED, actor, reason=reason, basis=basis)
    flush_or_conflict()


def pseudonymise(person: Person) -> None:
    """The person's identifying data goes; nationality and country of residence stay (statistics)."""
    person.family_name, person.given_names = ERASED_NAME, ""
    person.date_of_birth = None
    person.email = person.phone = person.street = person.postcode = person.city = ""
    person.erased_at = clock.now()


def cases_of(person: Person) -> list[Case]:
    return list(db.session.scalars(select(Case).where(Case.applicant_id == person.id).order_by(Case.id)))


def erase_person(person: Person, actor, reason: str) -> list[Case]:
    """Erasure on request: every case of the person, then the person. Refused while a case is open: the
    procedure still needs the data (Art. 17(3)(b) GDPR); it ends by a decision or withdrawal first."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseError([LocalText("Bitte geben Sie den Grund der Löschung an.", "Please give the reason for the "
                                   "erasure.")])
    cases = cases_of(person)
    if any(case.is_open for case in cases):
        raise CaseError([LocalText(
            "Ein Verfahren dieser Person ist noch offen. Es muss erst abgeschlossen oder zurückgenommen werden.",
            "A procedure of this person is still open. It must be closed or withdrawn first.")])
    for case in cases:
        erase_case(case, actor, reason)
    pseudonymise(person)
    flush_or_conflict()
    return cases
