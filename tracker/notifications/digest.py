"""The daily digest for staff: per clerk, what happened in their office's cases on one Berlin calendar day
(breaches, deadlines coming due, new documents, new messages), as case references with links. Written into the
outbox under the key ``digest:<user>:<day>``: a second run for the same day writes nothing. A clerk with nothing to
report gets no mail."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from tracker import clock
from tracker.audit.models import Event
from tracker.auth.models import User
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.notifications import texts
from tracker.notifications.events import Mail, language_of, salutation_name
from tracker.notifications.models import OutboxMessage
from tracker.notifications.outbox import queue_mail
from tracker.parties.models import Office
from tracker.procedures.vocabulary import Role

#: Who gets a digest.
DIGEST_ROLES = (Role.IMMIGRATION_CLERK, Role.RECOGNITION_CLERK, Role.TEAM_LEAD)
#: Not before this hour (Berlin): the digest of yesterday arrives with the working day.
SEND_FROM_HOUR = 6


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=clock.BERLIN)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.BERLIN)
    return start, end


def write_digests(day: date | None = None) -> int:
    """Write the digests of ``day`` (default: yesterday, from 06:00 Berlin on) and commit. Returns how many."""
    if day is None:
        if clock.now().astimezone(clock.BERLIN).hour < SEND_FROM_HOUR:
            return 0
        day = clock.today() - timedelta(days=1)
    start, end = _day_bounds(day)
    rows = db.session.execute(
        select(Case.office_id, Case.id, Case.reference, Event.kind)
        .join(Case, Case.id == Event.case_id)
        .where(Event.occurred_at >= start, Event.occurred_at < end, Event.kind.in_(texts.DIGEST_SECTIONS))
        .order_by(Case.reference)).all()
    by_office: dict[int, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
    for office_id, case_id, reference, kind in rows:
        by_office[office_id][kind][case_id] = reference
    if not by_office:
        return 0
    clerks = db.session.scalars(select(User).where(User.office_id.in_(by_office), User.active,
                                                   User.role.in_(DIGEST_ROLES)).order_by(User.id)).all()
    keys = {f"digest:{clerk.id}:{day.isoformat()}": clerk for clerk in clerks}
    done = set(db.session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    offices = {office.id: office for office in db.session.scalars(select(Office).where(Office.id.in_(by_office)))}
    written = 0
    for key, clerk in keys.items():
        if key in done:
            continue
        queue_mail(_digest(key, clerk, offices[clerk.office_id], day, by_office[clerk.office_id]))
        written += 1
    db.session.commit()
    return written


def _digest(key: str, clerk: User, office: Office, day: date, sections: dict[str, dict[int, str]]) -> Mail:
    language = language_of(clerk.locale)
    base = current_app.config["BASE_URL"]
    parts = []
    for kind, title in texts.DIGEST_SECTIONS.items():
        cases = sections.get(kind)
        if not cases:
            continue
        lines = "\n".join(f"- {reference}: {base}/cases/{case_id}" for case_id, reference in cases.items())
        parts.append(f"{title.get(language)} ({len(cases)}):\n{lines}")
    subject, body = texts.DIGEST
    values = {"day": texts.date_text(day, language), "office": office.name, "sections": "\n\n".join(parts)}
    name = salutation_name(clerk.name)
    greeting = (texts.GREETING.format(name=name) if name else texts.GREETING_PLAIN).get(language)
    return Mail(key=key, kind="digest", address=clerk.email, language=language,
                subject=subject.get(language).format(**values),
                body=greeting + body.get(language).format(**values) + texts.FOOTER.get(language), user_id=clerk.id)
