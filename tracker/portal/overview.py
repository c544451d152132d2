"""What the employer's pages show, read through the one access rule (``cases.access``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case as sql_case
from sqlalchemy import select, tuple_
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from tracker import clock
from tracker.audit.models import INTERNAL_EVENT_KINDS
from tracker.audit.service import case_events
from tracker.cases.access import view_scope
from tracker.cases.models import Case, CaseDocument
from tracker.cases.queries import waiting_states
from tracker.cases.visible import visible_cases
from tracker.extensions import db
from tracker.parties.models import Person
from tracker.portal import chain
from tracker.procedures.definition import LocalText
from tracker.procedures.vocabulary import DocumentStatus
from tracker.registry import workflow_of
from tracker.timers import service as timer_service

#: Cases per page of the employer home (open ones first, those waiting for the employer first, then the nearest
#: deadline first, so the first page holds what is the employer's turn and what is due soonest). A large employer's home stays as fast as a small one's: each page reads only its own cases.
HOME_PAGE_SIZE = 50
PROCEDURE_81A = "skilled-worker-81a"


@dataclass
class Request:
    """Something the authority asked of the employer (or the worker they stand for), with its due date."""

    text: LocalText
    due_on: date | None
    case: Case


@dataclass
class CaseLine:
    case: Case
    workflow: object
    state: object
    requests: list[Request] = field(default_factory=list)

    @property
    def owed_by(self) -> str:
        return self.state.responsible


def requests_of(case: Case, workflow) -> list[Request]:
    """Open requests addressed to the employer: a state that waits for them, and documents requested with a due
    date, on this case and (for a § 81a case) on the recognition case the immigration office opened for them."""
    result = []
    state = workflow.state(case.state)
    if state.responsible == "employer" and case.is_open:
        result.append(Request(state.employer, None, case))
    for other in [case, *case.children] if case.procedure_id == PROCEDURE_81A else [case]:
        titles = {d.id: d.title for d in workflow_of(other).documents}
        for document in other.documents:
            if document.status == DocumentStatus.REQUESTED and other.is_open:
                title = titles.get(document.document_id, LocalText(document.document_id, document.document_id))
                result.append(Request(LocalText(f"Unterlage nachreichen: {title.de}",
                                                f"Send the document: {title.en}"), document.requested_until, other))
    return result


@dataclass
class HomePage:
    lines: list[CaseLine]
    total: int  #: every case the user may see
    number: int  #: this page, from 1
    size: int = HOME_PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


#: Of a case on the home page, what its line shows (reference, applicant, procedure, state, next deadline) and what
#: its open requests are read from; of its recognition case only what finds the requested documents. The rest of
#: each case and of its parties stays unloaded (a case joined with its parties is some seventy columns).
_NOT_JOINED = (lazyload(Case.employer), lazyload(Case.office), lazyload(Case.assignee))
HOME_LINE = (
    load_only(Case.id, Case.reference, Case.procedure_id, Case.procedure_version, Case.state, Case.closed_at,
              Case.next_due_on, Case.applicant_id),
    joinedload(Case.applicant).load_only(Person.given_names, Person.family_name),
    *_NOT_JOINED,
)
HOME_LINKED_CASE = (
    load_only(Case.id, Case.parent_id, Case.procedure_id, Case.procedure_version, Case.state, Case.closed_at),
    lazyload(Case.applicant),
    *_NOT_JOINED,
)


def home_page(user, number: int = 1) -> HomePage:
    """Page ``number`` of the cases ``user`` may see (a number past the end shows the last page)."""
    visible = visible_cases(view_scope(user))
    total = visible.count()
    page = HomePage([], total, 1, HOME_PAGE_SIZE)
    page.number = min(max(number, 1), page.pages)
    # Open cases first; of them, those waiting for the employer first (their turn, with or without a deadline),
    # then the nearest deadline first. The page's ids are chosen from the narrow rows alone; only those
    # fifty are joined with their applicant, employer, office and assignee (joined before the sort, every visible
    # case would be). Of the checklists (the case's and its recognition case's) only the requested items, all the
    # page shows of them (``requests_of``), in two queries, not two per case: this read-only page never reads the
    # rest of a checklist it loaded this way.
    their_turn = tuple_(Case.procedure_id, Case.procedure_version, Case.state).in_(waiting_states("employer"))
    order = (Case.closed_at.is_not(None), sql_case((their_turn, 0), else_=1), Case.next_due_on.is_(None),
             Case.next_due_on, Case.id)
    shown = (select(Case.id).where(visible.condition).order_by(*order)
             .offset((page.number - 1) * page.size).limit(page.size).subquery())
    requested = Case.documents.and_(CaseDocument.status == DocumentStatus.REQUESTED)
    cases = db.session.scalars(
        select(Case).join(shown, shown.c.id == Case.id)
        .options(*HOME_LINE, selectinload(requested),
                 selectinload(Case.children).options(*HOME_LINKED_CASE).selectinload(requested))
        .order_by(*order)).unique().all()
    for case in cases:
        workflow = workflow_of(case)
        page.lines.append(CaseLine(case, workflow, workflow.state(case.state), requests_of(case, workflow)))
    return page


@dataclass
class CasePage:
    case: Case
    workflow: object
    state: object
    steps: list
    requests: list[Request]
    events: list
    deadlines: list  # (timer, spec) of the open timers
    today: date


def _linked_deadlines(case: Case) -> list:
    """(timer, spec) of the open timers of the recognition case a § 81a case opened (its newest)."""
    if not case.children:
        return []
    child = case.children[-1]
    specs = workflow_of(child).timers
    return [(timer, specs[timer.timer_id]) for timer in timer_service.open_timers(child) if timer.timer_id in specs]


def case_page(case: Case) -> CasePage:
    workflow = workflow_of(case)
    events = case_events(case.id)
    timers = timer_service.open_timers(case)
    steps = chain.steps(case, events, timers, workflow.timers, _linked_deadlines(case)) \
        if case.procedure_id == PROCEDURE_81A else []
    shown = [event for event in reversed(events) if event.kind not in INTERNAL_EVENT_KINDS]
    deadlines = [(timer, workflow.timers[timer.timer_id]) for timer in timers if timer.timer_id in workflow.timers]
    return CasePage(case, workflow, workflow.state(case.state), steps, requests_of(case, workflow), shown,
                    deadlines, clock.today())
