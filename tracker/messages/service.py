"""Verbs of the message thread. Like the case verbs they check access, write the audit event and flush; the door
commits (``tracker.http.unit_of_work.perform``).

The audit event names the message (its id and a SHA-256 of the text), never its text: the audit trail is read by
people who need not read the correspondence, and the hash still proves later what was written."""
from __future__ import annotations

import hashlib

from sqlalchemy import select, update

from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import append_event
from tracker.auth.actors import APPLICANT_ROLE, ApplicantActor
from tracker.cases.access import can_use_messages
from tracker.cases.limits import DailyLimit
from tracker.cases.models import Case
from tracker.cases.service import ACCESS_MESSAGE, AccessDenied, CaseError, flush_or_conflict, require_not_erased
from tracker.extensions import db
from tracker.messages.models import Message
from tracker.procedures.definition import LocalText
from tracker.text import has_refused_characters

#: The longest message (characters): a letter's worth, not a document (documents are uploaded).
MAX_LENGTH = 5000

#: A party writes at most ``MESSAGES_PER_DAY`` messages on one case in 24 hours: the thread is the office's inbox,
#: and a flood would bury the messages that matter.
MESSAGE_LIMIT = DailyLimit(
    "MESSAGES_PER_DAY", Message, Message.created_at, Message.author_id, Message.author_role == APPLICANT_ROLE,
    lambda limit: LocalText(
        f"Sie haben zu diesem Fall in den letzten 24 Stunden schon {limit} Nachrichten geschrieben, die Höchstzahl. "
        "Die Behörde hat sie erhalten; bitte warten Sie ihre Antwort ab oder schreiben Sie morgen wieder.",
        f"You have written {limit} messages on this case in the last 24 hours, the most allowed. The office has "
        "received them; please wait for its answer or write again tomorrow."))


def post_message(case: Case, body: str, author_user=None, from_applicant: bool = False) -> Message:
    """Add a message to the case's thread: from a party (employer user, advisor, or the applicant when
    ``from_applicant``: the status page checked reference and access code) to the office holding the case, or from
    a clerk of that office to the parties. A clerk's message marks the parties' earlier messages as read by them
    (who answers has read). Raises ``CaseError`` (empty, too long, the day's limit reached) or ``AccessDenied``."""
    if from_applicant == (author_user is not None):
        raise ValueError("a message comes from either a user or the applicant")
    if author_user is not None and not can_use_messages(author_user, case):
        raise AccessDenied([ACCESS_MESSAGE])
    require_not_erased(case)
    body = (body or "").strip()
    if not body:
        raise CaseError([LocalText("Die Nachricht ist leer.", "The message is empty.")])
    if len(body) > MAX_LENGTH:
        raise CaseError([LocalText(f"Die Nachricht ist zu lang (höchstens {MAX_LENGTH} Zeichen).",
                                   f"The message is too long (at most {MAX_LENGTH} characters).")])
    if has_refused_characters(body):  # checked here too: the applicant's door has no form
        raise CaseError([LocalText("Die Nachricht enthält unzulässige Steuerzeichen.",
                                   "The message contains control characters that are not allowed.")])
    actor = ApplicantActor(case.id) if from_applicant else author_user
    from_office = bool(actor.is_staff)
    # Messages never conflict with each other or with a clerk's step: wait for it to commit, then append after it.
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    db.session.refresh(case, ["version", "audit_head", "event_seq", "updated_at"])
    if not from_office:  # the office answers without limit
        MESSAGE_LIMIT.require_room(case, actor)
    now = clock.now()
    if from_office:
        _mark_read(case, actor, now)
    message = Message(case_id=case.id, author_id=actor.id, author_role=str(actor.role), from_office=from_office,
                      body=body, created_at=now, read_at=now if from_office else None,
                      read_by_id=actor.id if from_office else None)
    db.session.add(message)
    db.session.flush()
    append_event(case, EventKind.MESSAGE, actor, subject="to_parties" if from_office else "to_office",
                 data={"message_id": message.id, "sha256": hashlib.sha256(body.encode()).hexdigest()})
    flush_or_conflict()
    return message


def mark_read(case: Case, clerk) -> int:
    """The office has read the parties' messages on this case (any clerk of the holding office reads for the
    team). Returns how many were unread. Not an audit event: reading changes nothing of the case."""
    if not clerk.is_staff or not can_use_messages(clerk, case):
        raise AccessDenied([ACCESS_MESSAGE])
    return _mark_read(case, clerk, clock.now())


def _mark_read(case: Case, clerk, now) -> int:
    result = db.session.execute(update(Message).where(Message.case_id == case.id, Message.read_at.is_(None))
                                .values(read_at=now, read_by_id=clerk.id).execution_options(synchronize_session=False))
    return result.rowcount or 0


def thread(case: Case) -> list[Message]:
    """The case's messages, oldest first."""
    return list(db.session.scalars(select(Message).where(Message.case_id == case.id)
                                   .order_by(Message.created_at, Message.id)))


def unread_count(case: Case) -> int:
    return sum(1 for message in thread(case) if message.read_at is None)


def author_label_key(message: Message) -> str:
    """Who wrote it, as the parties may see it: "office", "employer", "advisor" or "applicant" (never a name)."""
    if message.from_office:
        return "office"
    return "applicant" if message.author_role == APPLICANT_ROLE else str(message.author_role)
