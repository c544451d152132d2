"""What an audit event owes in e-mails: to whom, in which language, saying what.

Parties (employer users whose organisation may see the case by the one access rule, today; the applicant when an
address is known) hear of state changes, document requests, reminders of deadlines they owe and new messages from
the authority. Staff hear at once of their deadlines coming due (the assigned clerk, else the office's team
leads), of breaches and legal fictions (the assigned clerk and the team leads); everything else reaches them in
the daily digest (``digest``). Nobody is told of their own action. Kinds this module does not know (added by later
features) owe nothing until they are named here."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from tracker.audit.models import Event, EventKind
from tracker.auth.invitations import not_yet_set_up
from tracker.auth.models import User
from tracker.cases.access import can_view_case
from tracker.cases.models import Case
from tracker.notifications import texts
from tracker.procedures.definition import LocalText
from tracker.procedures.timer_plan import set_deadline_ends
from tracker.procedures.vocabulary import Role
from tracker.registry import workflow_of

#: Who owes a timer's step, for party reminders (``TimerSpec.owed_by``).
PARTY_DEBTORS = {"applicant", "employer"}
#: Roles whose messages reach the parties (a party's own message reaches staff through the digest).
STAFF_ROLES = {str(role) for role in Role if role.is_staff}
#: The document statuses that ask a party for something.
ASKING_STATUSES = {"requested", "rejected"}


@dataclass(frozen=True)
class Mail:
    key: str  #: the outbox's dedupe key
    kind: str
    address: str
    language: str
    subject: str
    body: str
    case_id: int | None = None
    user_id: int | None = None
    secret: bool = False


@dataclass(frozen=True)
class Recipient:
    key: str  #: "user:<id>" or "person:<id>"
    address: str
    language: str
    #: The full name to greet them with; empty for applicants, whose mails carry no name (data minimisation).
    name: str
    audience: str  #: "applicant", "employer" or "staff"
    user_id: int | None = None


def language_of(value: str | None) -> str:
    """German or English: German, the authority's language, when asked for; English for every other language."""
    return "de" if (value or "de").lower().startswith("de") else "en"


def salutation_name(name: str | None) -> str:
    """The account's name as a greeting uses it: whole, without an organisation or unit added in brackets at the end
    ("Petra Neumann (Stadtwerke Erfurt)" is greeted "Guten Tag Petra Neumann,")."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", (name or "").strip()).strip()


def user_recipient(user: User, audience: str) -> Recipient:
    return Recipient(f"user:{user.id}", user.email, language_of(user.locale), salutation_name(user.name), audience,
                     user.id)


def link_for(recipient: Recipient, case_id: int | None) -> str:
    base = current_app.config["BASE_URL"]
    if recipient.audience == "applicant":
        return base + "/status"
    if case_id is None:
        return base + "/"
    return base + (f"/portal/cases/{case_id}" if recipient.audience == "employer" else f"/cases/{case_id}")


def render(recipient: Recipient, template: tuple[LocalText, LocalText], kind: str, key: str, case_id: int | None,
           **values) -> Mail:
    language = recipient.language
    values = {name: value.get(language) if isinstance(value, LocalText) else value for name, value in values.items()}
    values.setdefault("link", link_for(recipient, case_id))
    greeting = (texts.GREETING.format(name=recipient.name) if recipient.name
                else texts.GREETING_PLAIN).get(language)
    subject, body = template
    return Mail(key=f"{key}:{recipient.key}", kind=kind, address=recipient.address, language=language,
                subject=subject.get(language).format(**values),
                body=greeting + body.get(language).format(**values) + texts.FOOTER.get(language),
                case_id=case_id, user_id=recipient.user_id)


class _Batch:
    """Recipients looked up once per commit (a sweep batch may hold hundreds of events)."""

    def __init__(self, session):
        self.session = session
        self.team_leads: dict[int, list[User]] = {}
        self.employer_users: dict[frozenset[int], list[User]] = {}

    def _employer_users(self, employer_ids: frozenset[int]) -> list[User]:
        """The active users of these employers who have set up their account. An invited colleague is written to
        once the link has set the password: until then the address is only what an administrator typed, and a
        typo would send the case's news to a stranger."""
        if employer_ids not in self.employer_users:
            users = list(self.session.scalars(select(User).where(
                User.role == Role.EMPLOYER, User.active, User.employer_id.in_(employer_ids)).order_by(User.id)))
            waiting = not_yet_set_up((user.id for user in users), self.session)
            self.employer_users[employer_ids] = [user for user in users if user.id not in waiting]
        return self.employer_users[employer_ids]

    def parties(self, case: Case) -> list[Recipient]:
        found = []
        employer_ids = {authorisation.employer_id for authorisation in case.authorisations}
        if employer_ids:
            # The one access rule decides: an authorisation revoked or not valid today admits no one.
            found += [user_recipient(user, "employer") for user in self._employer_users(frozenset(employer_ids))
                      if can_view_case(user, case)]
        applicant = case.applicant
        if applicant is not None and applicant.email:
            found.append(Recipient(f"person:{applicant.id}", applicant.email,
                                   language_of(applicant.preferred_language), "", "applicant"))
        return found

    def leads(self, case: Case) -> list[User]:
        if case.office_id not in self.team_leads:
            self.team_leads[case.office_id] = list(self.session.scalars(select(User).where(
                User.office_id == case.office_id, User.role == Role.TEAM_LEAD, User.active).order_by(User.id)))
        return self.team_leads[case.office_id]

    def staff(self, case: Case, *, with_leads: bool) -> list[Recipient]:
        users = [case.assignee] if case.assignee is not None and case.assignee.active else []
        if with_leads or not users:
            users += self.leads(case)
        unique = {user.id: user for user in users}
        return [user_recipient(user, "staff") for user in unique.values()]


def mails_for_events(session, events: list[Event]) -> list[Mail]:
    batch = _Batch(session)
    mails: list[Mail] = []
    for item in events:
        case = session.get(Case, item.case_id)
        if case is None:
            continue
        for mail in _mails_for(batch, case, item):
            mails.append(mail)
    return mails


def _not_actor(recipients: list[Recipient], item: Event) -> list[Recipient]:
    return [recipient for recipient in recipients
            if item.actor_id is None or recipient.key != f"user:{item.actor_id}"]


def _mails_for(batch: _Batch, case: Case, item: Event):
    kind = item.kind
    key = f"event:{item.id}"
    common = {"reference": case.reference}
    workflow = workflow_of(case)
    if kind == EventKind.TRANSITION:
        state = workflow.states.get(item.to_state or case.state)
        documents = str((item.data or {}).get("documents") or "")
        if item.from_state != item.to_state and state is not None:
            needed = _titles(workflow, documents.split(","))
            for recipient in _not_actor(batch.parties(case), item):
                text = _state_text(state, recipient)
                if needed:  # one mail for the step: the new state and what it asks for, by when
                    wanted = ", ".join(title.get(recipient.language) for title in needed)
                    until = _until(set_deadline_ends(item.data, case.office.calendar), recipient.language)
                    text = LocalText(text.de + texts.NEEDED.de.format(documents=wanted, until=until),
                                     text.en + texts.NEEDED.en.format(documents=wanted, until=until))
                yield render(recipient, texts.STATE_CHANGED, kind, key, case.id, state=state.title, text=text,
                             **common)
        elif documents:
            yield from _document_request(batch, case, item, workflow, documents.split(","),
                                         set_deadline_ends(item.data, case.office.calendar))
        if item.actor_id is None and state is not None:  # the system took the step: a legal fiction
            for recipient in batch.staff(case, with_leads=True):
                yield render(recipient, texts.CLERK_FICTION, kind, key, case.id, state=state.title, **common)
    elif kind == EventKind.DOCUMENT and (item.data or {}).get("status") in ASKING_STATUSES:
        document = next((d for d in case.documents if d.document_id == item.subject), None)
        until = document.requested_until if document is not None else None
        yield from _document_request(batch, case, item, workflow, [item.subject or ""], until)
    elif kind in (EventKind.TIMER_WARNING, EventKind.TIMER_BREACHED):
        spec = workflow.timers.get(item.subject or "")
        if spec is None:
            return
        due = date.fromisoformat(item.data["due_on"]) if (item.data or {}).get("due_on") else None
        if kind == EventKind.TIMER_WARNING and spec.owed_by in PARTY_DEBTORS:
            for recipient in batch.parties(case):
                yield render(recipient, texts.DEADLINE_REMINDER, kind, key, case.id, timer=spec.name,
                             date=texts.date_text(due, recipient.language) if due else "", **common)
            return
        template = texts.CLERK_WARNING if kind == EventKind.TIMER_WARNING else texts.CLERK_BREACH
        for recipient in batch.staff(case, with_leads=kind == EventKind.TIMER_BREACHED):
            yield render(recipient, template, kind, key, case.id, timer=spec.name,
                         date=texts.date_text(due, recipient.language) if due else "", **common)
    elif kind == EventKind.OPENED and item.actor_role == Role.EMPLOYER:  # requested in the portal
        for recipient in batch.staff(case, with_leads=False):
            yield render(recipient, texts.CLERK_PORTAL_REQUEST, kind, key, case.id,
                         employer=case.employer.name if case.employer else "–", **common)
    elif kind == EventKind.PARENT_CASE_ENDED:
        data = item.data or {}
        ended_as = LocalText(**data["ended_as"]) if data.get("ended_as") else LocalText("–", "–")
        ended_on = date.fromisoformat(data["ended_on"]) if data.get("ended_on") else None
        for recipient in batch.staff(case, with_leads=False):
            yield render(recipient, texts.CLERK_PARENT_ENDED, kind, key, case.id, parent=item.subject or "–",
                         ended_as=ended_as, date=texts.date_text(ended_on, recipient.language) if ended_on else "–",
                         **common)
    elif kind == EventKind.MESSAGE and item.actor_role in STAFF_ROLES:
        for recipient in _not_actor(batch.parties(case), item):
            yield render(recipient, texts.NEW_MESSAGE, kind, key, case.id, **common)
    # EventKind.ACCESS_CODE_ISSUED: the issuing unit of work queues the mail with the code itself
    # (tracker.applicant.mail), so the event needs no second one.


def _document_request(batch: _Batch, case: Case, item: Event, workflow, document_ids, until):
    wanted = _titles(workflow, document_ids)
    if not wanted:
        return
    for recipient in _not_actor(batch.parties(case), item):
        language = recipient.language
        yield render(recipient, texts.DOCUMENTS_REQUESTED, "document_request", f"event:{item.id}", case.id,
                     reference=case.reference, documents=", ".join(title.get(language) for title in wanted),
                     until=_until(until, language))


def _until(until, language: str) -> str:
    """The sentence asking for the documents by a date (or its ISO text, as events store it); "" without one."""
    if isinstance(until, str):
        until = date.fromisoformat(until)
    return texts.UNTIL.format(date=texts.date_text(until, language)).get(language) if until else ""


def _titles(workflow, document_ids) -> list[LocalText]:
    titles = {spec.id: spec.title for spec in workflow.documents}
    return [titles[name.strip()] for name in document_ids if name.strip() in titles]


def _state_text(state, recipient: Recipient) -> LocalText:
    text = state.text_for(recipient.audience)
    if not text.get(recipient.language):
        text = state.description
    return LocalText(text.de + "\n\n" if text.de else "", text.en + "\n\n" if text.en else "")
