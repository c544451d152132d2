"""What the applicant's status page shows, and nothing more: the first name, the procedure, the office and how to
reach it; where the case stands and what comes next in the applicant's words (the definition's ``description``);
what we need from them and by when; the authorities' deadlines with their legal basis; the expected date.

No family name, no date of birth, no address, no clerk's name, no internal event: whoever holds the code sees only
this. Other features add their own sections (uploads, messages) by appending to ``SECTIONS``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from tracker import clock
from tracker.applicant.estimate import Estimate, decision_timer_ids, estimate_for
from tracker.cases.models import Case
from tracker.letters.content import cite
from tracker.procedures.definition import LocalText
from tracker.procedures.vocabulary import DocumentStatus, TimerStatus
from tracker.registry import workflow_of
from tracker.timers import service as timer_service

#: Who acts next, in the applicant's words (gettext: a new language is a new catalogue, nothing here changes).
NEXT_STEP = {
    "authority": _l("Jetzt sind wir an der Reihe: %(office)s bearbeitet Ihren Antrag. Sie müssen im Moment "
                    "nichts tun."),
    "applicant": _l("Jetzt sind Sie an der Reihe: Bitte schicken Sie uns, was unten unter „Was wir von Ihnen "
                    "brauchen“ steht."),
    "employer": _l("Jetzt ist Ihr Arbeitgeber an der Reihe. Wir warten auf seine Angaben."),
    "ba": _l("Jetzt prüft die Bundesagentur für Arbeit. Wir warten auf ihre Antwort."),
    "mission": _l("Jetzt ist die deutsche Auslandsvertretung (Botschaft oder Konsulat) an der Reihe."),
    "recognition_body": _l("Jetzt prüft die Anerkennungsstelle Ihren Berufsabschluss."),
    "none": _l("Ihr Verfahren ist abgeschlossen. Sie bekommen (oder haben schon) einen Brief von uns."),
}
#: Parties whose deadlines the applicant cannot move: shown as "the authority's deadline".
AUTHORITIES = ("authority", "ba", "mission", "recognition_body")


@dataclass(frozen=True)
class Section:
    """A section another feature adds to the page: its template (rendered with ``page`` in its context) and its
    place (lower first)."""

    template: str
    order: int = 50


#: The page's extra sections (uploads of requested documents, messages): appended by those features at start-up.
SECTIONS: list[Section] = []


@dataclass
class Need:
    """Something we need from the applicant: a document (requested, rejected or missing) and its due date."""

    document_id: str
    title: LocalText
    status: str
    due_on: date | None
    reason: str = ""


@dataclass
class Deadline:
    name: LocalText
    #: Who owes it: "authority" (the office), "ba", "mission", "recognition_body".
    owed_by: str
    due_on: date | None
    #: "deadline" (binding) or "target" ("as a rule")
    kind: str
    basis: str
    paused: bool
    #: Named in the workflow's plain words for applicants, which say who acts ("Antwort der Bundesagentur für
    #: Arbeit ..."): the page does not add the party again.
    says_who: bool = False


@dataclass
class Office:
    name: str
    address: list[str]
    phone: str
    email: str


@dataclass
class StatusPage:
    case_id: int
    reference: str
    procedure: LocalText
    office: Office
    state_title: LocalText
    state_text: LocalText
    #: Who acts next: a key of ``NEXT_STEP``.
    next_step: str
    closed: bool
    needs: list[Need] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    #: Deadlines the applicant owes (a documents deadline, the last deadline before a refusal).
    own_deadlines: list[Deadline] = field(default_factory=list)
    estimate: Estimate | None = None
    #: The reference of the linked recognition case whose decision the estimate is about (a § 81a case has no
    #: decision period of its own: what the worker waits for first is the recognition).
    estimate_of: str | None = None
    #: The day the documents were complete (the decision period runs from it), if they are.
    documents_complete_on: date | None = None
    #: Whether the procedure has a decision period at all (the § 81a procedure has none of its own).
    has_decision_period: bool = False
    today: date | None = None

    @property
    def expected_on(self) -> date | None:
        return self.estimate.expected_on(self.documents_complete_on) if self.estimate else None

    @property
    def next_step_text(self) -> str:
        return str(NEXT_STEP.get(self.next_step, NEXT_STEP["authority"])) % {"office": self.office.name}

    @property
    def sections(self) -> list[Section]:
        return sorted(SECTIONS, key=lambda section: section.order)


def build(case: Case) -> StatusPage:
    workflow = workflow_of(case)
    state = workflow.state(case.state)
    office = case.office
    page = StatusPage(
        case_id=case.id, reference=case.reference,
        procedure=workflow.title,
        office=Office(office.name, [line for line in (office.street, f"{office.postcode} {office.city}".strip())
                                    if line], office.phone, office.email),
        state_title=state.title, state_text=state.text_for("applicant"),
        next_step=state.responsible if not state.terminal else "none",
        closed=not case.is_open, today=clock.today())
    page.needs = needs_of(case)
    timers = timer_service.open_timers(case) if case.is_open else []
    decision_ids = decision_timer_ids(case.procedure_id)
    page.has_decision_period = bool(decision_ids)
    for timer in timers:
        spec = workflow.timers.get(timer.timer_id)
        if spec is None:
            continue
        deadline = Deadline(spec.plain_name, spec.owed_by, timer.due_on, spec.kind,
                            cite(spec.basis), timer.status == TimerStatus.PAUSED, spec.applicant is not None)
        if spec.owed_by in AUTHORITIES:
            page.deadlines.append(deadline)
        elif spec.owed_by == "applicant":
            page.own_deadlines.append(deadline)
        if timer.timer_id in decision_ids:
            page.documents_complete_on = timer.started_on
    source = case
    if case.is_open and not decision_ids:
        linked = next((child for child in case.children if child.is_open), None)
        if linked is not None and decision_timer_ids(linked.procedure_id):
            source, decision_ids = linked, decision_timer_ids(linked.procedure_id)
            page.has_decision_period, page.estimate_of = True, linked.reference
            page.documents_complete_on = next((timer.started_on for timer in timer_service.open_timers(linked)
                                               if timer.timer_id in decision_ids), None)
    if case.is_open and decision_ids:
        page.estimate = estimate_for(source)
    return page


def needs_of(case: Case) -> list[Need]:
    """The documents we need from the applicant now: their own (``owed_by: applicant``; an employer's papers are
    asked of the employer), requested or rejected, and in the applicant's turn the required ones still missing.

    One list for "what we need from you" and for the upload forms, so the page never offers to send what it says
    it does not need."""
    if not case.is_open:
        return []
    workflow = workflow_of(case)
    applicant_turn = workflow.state(case.state).responsible == "applicant"
    specs = {document.id: document for document in workflow.documents}
    needs = []
    for document in case.documents:
        spec = specs.get(document.document_id)
        if spec is not None and spec.owed_by != "applicant":
            continue
        status = DocumentStatus(document.status)
        asked = status in (DocumentStatus.REQUESTED, DocumentStatus.REJECTED)
        if asked or (applicant_turn and document.required and status is DocumentStatus.MISSING):
            title = spec.title if spec else LocalText(document.document_id, document.document_id)
            needs.append(Need(document.document_id, title, str(status), document.requested_until,
                              document.reason if status is DocumentStatus.REJECTED else ""))
    return needs

