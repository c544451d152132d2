"""The ThAFF advisor's overview across every employer whose grant holds today: open cases by stage, cases without
progress for N days, deadlines overdue or due in the next two weeks; and the list behind each stage.

Everything is read through the one access rule (``cases.access.view_scope``), which reaches the advisor's cases
from the granting employers' authorisations (``cases.visible``: by id from the index
``ix_authorisations_employer_case``, which holds the validity columns too). One statement over the advisor's open
cases gives the stages, the counts and the first rows of both lists (``_tally``); then the listed cases, bounded
(``LIST_LIMIT``), and the employers' names of the listed cases; the stage list pages by keyset. The server's work
grows with the cases the advisor follows; what travels to Python does not."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, literal, null, select, union_all

from tracker import clock
from tracker.cases.access import view_scope
from tracker.cases.models import Authorisation, Case
from tracker.cases.visible import visible_cases
from tracker.extensions import db
from tracker.parties.models import Employer
from tracker.registry import registry, workflow_of

#: The default and the bounds of "without progress for N days" (the page lets the advisor set N).
DEFAULT_DAYS, MIN_DAYS, MAX_DAYS = 14, 1, 365
#: "Upcoming": deadlines from today to this many days ahead.
UPCOMING_DAYS = 14
#: Rows per list (the counts are exact: one aggregate over the advisor's open cases).
LIST_LIMIT = 50
#: The parts of ``_tally``'s statement: the rows per stage, and the ids of each list.
STAGES, STALLED, UPCOMING = 0, 1, 2


@dataclass
class Stage:
    procedure_id: str
    state: str
    count: int
    workflow: object
    spec: object


@dataclass
class Line:
    case: Case
    #: the employer (or employers) through whose grant the advisor sees the case
    employers: list[str] = field(default_factory=list)
    workflow: object = None
    state: object = None


@dataclass
class Overview:
    today: date
    days: int
    stages: list[Stage]
    open_cases: int
    stalled: list[Line]
    stalled_count: int
    upcoming: list[Line]
    upcoming_count: int
    employers: list[str]


def overview(user, days: int = DEFAULT_DAYS) -> Overview:
    scope = view_scope(user)
    today = clock.today()
    # Progress is the last recorded step; a case counts as stalled when it made none since the start of the day
    # N days ago (Berlin).
    cutoff = datetime.combine(today - timedelta(days=days), time(0), tzinfo=clock.BERLIN)
    horizon = today + timedelta(days=UPCOMING_DAYS)
    counts, stalled_count, upcoming_count, stalled_ids, upcoming_ids = _tally(scope, cutoff, horizon)
    stages = []
    for (procedure_id, state), count in sorted(counts.items()):
        workflow = _workflow(procedure_id)
        stages.append(Stage(procedure_id, state, count, workflow, workflow.states.get(state) if workflow else None))
    listed = {case.id: case for case in db.session.scalars(
        select(Case).where(Case.id.in_({*stalled_ids, *upcoming_ids})))} if stalled_ids or upcoming_ids else {}
    stalled, upcoming = [listed[i] for i in stalled_ids], [listed[i] for i in upcoming_ids]
    names = _employer_names(scope, [*stalled, *upcoming])
    return Overview(today, days, stages, sum(stage.count for stage in stages),
                    [_line(case, names) for case in stalled], stalled_count,
                    [_line(case, names) for case in upcoming], upcoming_count,
                    sorted(db.session.scalars(select(Employer.name).where(
                        Employer.id.in_(scope.authorised_employers)))))


def _tally(scope, cutoff: datetime, horizon: date):
    """One statement over the advisor's open cases: the count per stage, how many are stalled (no progress since
    ``cutoff``) and how many have a deadline up to ``horizon`` (overdue ones too, first: a deadline already missed
    is what an advisor most needs to see), and the first ``LIST_LIMIT`` ids of both lists in their order.

    The server reads the cases once (the common table expression, referenced three times, is computed once) and
    sends back some thirty rows; a large advisor follows thousands of cases, whose rows Python would otherwise
    receive and count one by one (a third of the page's time at a million cases)."""
    open_cases = (select(Case.id, Case.procedure_id, Case.state, Case.progressed_at, Case.next_due_on)
                  .where(visible_cases(scope).condition, Case.closed_at.is_(None)).cte("open_cases"))
    stalled = and_(open_cases.c.progressed_at.is_not(None), open_cases.c.progressed_at < cutoff)
    upcoming = and_(open_cases.c.next_due_on.is_not(None), open_cases.c.next_due_on <= horizon)

    def first(part: int, condition, *order):
        listed = (select(open_cases.c.id, func.row_number().over(order_by=order).label("position"))
                  .where(condition).order_by(*order).limit(LIST_LIMIT).subquery())
        return select(literal(part), null(), null(), null(), null(), null(), listed.c.id, listed.c.position)

    per_stage = (select(literal(STAGES), open_cases.c.procedure_id, open_cases.c.state, func.count(),
                        func.count().filter(stalled), func.count().filter(upcoming), null(), null())
                 .group_by(open_cases.c.procedure_id, open_cases.c.state))
    counts: dict[tuple[str, str], int] = {}
    stalled_count = upcoming_count = 0
    lists: dict[int, list[tuple[int, int]]] = {STALLED: [], UPCOMING: []}
    for part, procedure_id, state, count, stalled_here, upcoming_here, case_id, position in db.session.execute(
            union_all(per_stage,
                      first(STALLED, stalled, open_cases.c.progressed_at, open_cases.c.id),
                      first(UPCOMING, upcoming, open_cases.c.next_due_on, open_cases.c.id))):
        if part == STAGES:
            counts[procedure_id, state] = count
            stalled_count += stalled_here
            upcoming_count += upcoming_here
        else:
            lists[part].append((position, case_id))
    stalled_ids, upcoming_ids = ([case_id for _, case_id in sorted(lists[part])] for part in (STALLED, UPCOMING))
    return counts, stalled_count, upcoming_count, stalled_ids, upcoming_ids


@dataclass
class StagePage:
    procedure_id: str
    state: str
    workflow: object
    spec: object
    lines: list[Line]
    #: the id to continue after (None: this is the last page)
    next_after: int | None


def stage_page(user, procedure_id: str, state: str, after: int | None = None) -> StagePage | None:
    """The open cases in one stage, by id descending (newest first), ``LIST_LIMIT`` per page; ``None`` for a stage
    that does not exist: no loaded definition has it and none of the advisor's cases is in it."""
    scope = view_scope(user)
    query = select(Case).where(visible_cases(scope).condition, Case.closed_at.is_(None),
                               Case.procedure_id == procedure_id, Case.state == state)
    if after is not None:
        query = query.where(Case.id < after)
    cases = db.session.scalars(query.order_by(Case.id.desc()).limit(LIST_LIMIT + 1)).all()
    more = len(cases) > LIST_LIMIT
    cases = cases[:LIST_LIMIT]
    if not cases and not _defines(procedure_id, state):
        return None
    names = _employer_names(scope, cases)
    workflow = _workflow(procedure_id)
    return StagePage(procedure_id, state, workflow, workflow.states.get(state) if workflow else None,
                     [_line(case, names) for case in cases], cases[-1].id if more else None)


def _defines(procedure_id: str, state: str) -> bool:
    """Some loaded version of the procedure has the state (a case keeps the version it was opened under)."""
    return any(state in registry().get(procedure_id, version).states for version in registry().versions(procedure_id))


def _workflow(procedure_id: str):
    try:
        return registry().latest(procedure_id)
    except KeyError:  # a procedure no longer defined: shown by its id
        return None


def _line(case: Case, names: dict[int, list[str]]) -> Line:
    workflow = workflow_of(case)
    return Line(case, names.get(case.id, []), workflow, workflow.states.get(case.state) if workflow else None)


def _employer_names(scope, cases: list[Case]) -> dict[int, list[str]]:
    """case id -> the names of the employers whose valid authorisation lets the advisor see it."""
    if not cases or scope.on is None:
        return {}
    rows = db.session.execute(
        select(Authorisation.case_id, Employer.name).join(Employer, Employer.id == Authorisation.employer_id)
        .where(Authorisation.case_id.in_({case.id for case in cases}),
               Authorisation.employer_id.in_(scope.authorised_employers), Authorisation.revoked_at.is_(None),
               Authorisation.valid_from <= scope.on,
               (Authorisation.valid_until.is_(None)) | (Authorisation.valid_until >= scope.on))
        .order_by(Employer.name))
    names: dict[int, list[str]] = {}
    for case_id, name in rows:
        if name not in names.setdefault(case_id, []):
            names[case_id].append(name)
    return names
