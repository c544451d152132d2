"""Read models for the clerk workspace: the work queue (keyset-paginated), the case file, team workload.

Each page runs a fixed number of queries however many rows it shows (no N+1): a page's related rows are loaded
with one ``IN`` query each.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, literal_column, or_, select, tuple_
from sqlalchemy.orm import contains_eager, joinedload, lazyload, load_only

from tracker import clock
from tracker.audit.chain import ChainBreak
from tracker.audit.service import verify_chains
from tracker.auth.models import User
from tracker.cases.access import queue_scope
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.parties.models import Employer, Person
from tracker.procedures.vocabulary import OPEN_TIMER_STATUSES, TimerStatus
from tracker.registry import registry
from tracker.timers.models import Timer, TimerEffect, TimerEffectKind


@dataclass
class QueueFilters:
    procedure: str = ""
    state: str = ""
    office: int | None = None
    assignee: str = ""  # "", "mine", "unassigned" or a user id
    overdue: bool = False
    due_this_week: bool = False
    waiting_for: str = ""  # "", "applicant", "employer"
    q: str = ""
    closed: bool = False
    #: Cases with uploads not judged yet / with messages no one of the office has read (their conditions come
    #: from ``tracker.documents`` and ``tracker.messages``, passed in as ``extra`` by the queue's door).
    new_documents: bool = False
    unread: bool = False

    @classmethod
    def from_args(cls, args) -> QueueFilters:
        return cls(
            procedure=args.get("procedure", ""), state=args.get("state", ""),
            office=_id(args.get("office")), assignee=args.get("assignee", ""),
            overdue=args.get("overdue") == "1", due_this_week=args.get("week") == "1",
            waiting_for=args.get("waiting", ""), q=args.get("q", "").strip(), closed=args.get("closed") == "1",
            new_documents=args.get("docs") == "1", unread=args.get("unread") == "1",
        )

    def as_args(self) -> dict:
        args = {"procedure": self.procedure, "state": self.state, "office": self.office or "",
                "assignee": self.assignee, "overdue": "1" if self.overdue else "",
                "week": "1" if self.due_this_week else "", "waiting": self.waiting_for, "q": self.q,
                "closed": "1" if self.closed else "", "docs": "1" if self.new_documents else "",
                "unread": "1" if self.unread else ""}
        return {key: value for key, value in args.items() if value}


#: The queue counts matching cases up to this many, then says "more than": an exact count reads every open case of
#: the office on each page view, so it would slow down as the database grows while the page itself does not.
COUNT_LIMIT = 1000


@dataclass
class QueuePage:
    cases: list[Case]
    next_timer: dict[int, Timer]
    total: int  #: matching cases, counted up to COUNT_LIMIT + 1
    next_cursor: str | None
    filters: QueueFilters
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def count_limit(self) -> int:
        return COUNT_LIMIT

    @property
    def more_than_limit(self) -> bool:
        return self.total > COUNT_LIMIT


#: The largest id the database holds (PostgreSQL ``integer``); larger ones in a URL name nothing.
MAX_ID = 2**31 - 1


def _id(value) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.breached, case.next_due_on.isoformat() if case.next_due_on else None, case.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str):
    """The position a cursor names, or None (first page) for anything that is not exactly what
    ``encode_cursor`` writes: the cursor comes from the URL and may be anything."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        breached, due, case_id = position
        if not isinstance(breached, bool) or not (due is None or isinstance(due, str)):
            return None
        if type(case_id) is not int or not 0 < case_id <= MAX_ID:
            return None
        return breached, date.fromisoformat(due) if due else None, case_id
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError):
        return None


def _after(cursor) -> object:
    """Rows after the cursor in the queue order: breached first, then due date (none last), then id."""
    breached, due, case_id = cursor
    if due is None:
        same_breach = and_(Case.next_due_on.is_(None), Case.id > case_id)
    else:
        same_breach = or_(Case.next_due_on > due, and_(Case.next_due_on == due, Case.id > case_id),
                          Case.next_due_on.is_(None))
    if breached:
        return or_(Case.breached.is_(False), and_(Case.breached.is_(True), same_breach))
    return and_(Case.breached.is_(False), same_breach)


def waiting_states(party: str) -> list[tuple[str, int, str]]:
    """(procedure id, version, state id) of every state in which ``party`` must act."""
    pairs = []
    workflows = registry()
    for workflow in (workflows.get(latest.id, version) for latest in workflows.all()
                     for version in workflows.versions(latest.id)):
        pairs += [(workflow.id, workflow.version, state.id) for state in workflow.states.values()
                  if state.responsible == party]
    return pairs


def filtered(user, filters: QueueFilters):
    # The office's own cases: a plain equality the queue's index serves (linked cases add OR-subqueries).
    conditions = [queue_scope(user).condition()]
    conditions.append(Case.closed_at.is_not(None) if filters.closed else Case.closed_at.is_(None))
    if filters.procedure:
        conditions.append(Case.procedure_id == filters.procedure)
    if filters.state:
        conditions.append(Case.state == filters.state)
    if filters.office:
        conditions.append(Case.office_id == filters.office)
    if not user.is_staff:
        pass  # who handles a case stays inside the authority: a party cannot probe it by filtering
    elif filters.assignee == "mine":
        conditions.append(Case.assignee_id == user.id)
    elif filters.assignee == "unassigned":
        conditions.append(Case.assignee_id.is_(None))
    elif (assignee_id := _id(filters.assignee)) is not None:
        conditions.append(Case.assignee_id == assignee_id)
    today = clock.today()
    if filters.overdue:
        conditions.append(or_(Case.breached.is_(True), Case.next_due_on < today))
    if filters.due_this_week:
        conditions.append(_due_this_week(today))
    if filters.waiting_for:
        states = waiting_states(filters.waiting_for)
        conditions.append(tuple_(Case.procedure_id, Case.procedure_version, Case.state).in_(states)
                          if states else Case.id.is_(None))
    if filters.q:
        # Typed % and _ are searched for literally, not as wildcards. Any part of the reference matches
        # ("000123", "2026-000123", "BQ-2026"), as names do. No index serves a part of a reference: that condition
        # filters the rows the office (or other access) conditions select through the queue index.
        conditions.append(or_(
            func.lower(Case.reference).like(contains_pattern(filters.q), escape="\\"),
            _applicant_named(filters.q),
            Case.employer_id.in_(select(Employer.id).where(name_contains(Employer.name, filters.q))),
        ))
    return conditions


#: The shortest text the trigram index on the names serves (pg_trgm: three characters).
TRIGRAM = 3


def _applicant_named(text: str):
    """The applicant's name ("given names family name", so the family name, the given names and the two together)
    contains ``text``. From three characters on, the trigram index on the names finds the people first. A shorter
    text ("Li", "Ng", "Lê" are whole family names) no index serves: then each case the other conditions select
    (the office's) reads its own applicant's name, rather than every person of every office being read."""
    # The space as a literal, not a parameter: PostgreSQL matches the expression to the index's only then.
    full_name = func.tracker_fold(Person.given_names + literal_column("' '") + Person.family_name)
    if len(text.strip()) >= TRIGRAM:
        return Case.applicant_id.in_(select(Person.id).where(_folded_contains(full_name, text)))
    return _folded_contains(select(full_name).where(Person.id == Case.applicant_id).scalar_subquery(), text)


def name_contains(name, text: str):
    """The condition that the name contains ``text``, typed with or without diacritics ("Nguyen" finds "Nguyễn",
    "weiss" finds "Weiß")."""
    return _folded_contains(func.tracker_fold(name), text)


def _folded_contains(folded, text: str):
    """``folded`` (a name through ``tracker_fold``: lower case without diacritics) contains ``text``, folded the
    same way."""
    return folded.like(func.tracker_fold(contains_pattern(text)), escape="\\")


def contains_pattern(text: str) -> str:
    """A LIKE pattern (``escape="\\"``, lower case) for values containing ``text``; typed % and _ are searched for
    literally, not as wildcards."""
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


#: What a row of the work queue shows (reference, names, procedure and state, assignee) and what its cursor holds.
#: The rest of each case and of its parties stays unloaded: a case row joined with its applicant, employer, office
#: and assignee is some seventy columns, which PostgreSQL sends, the driver describes and the ORM sets, per row.
QUEUE_ROW = (
    load_only(Case.id, Case.reference, Case.procedure_id, Case.procedure_version, Case.state, Case.breached,
              Case.next_due_on, Case.applicant_id, Case.employer_id, Case.assignee_id, Case.office_id),
    joinedload(Case.applicant).load_only(Person.given_names, Person.family_name),
    joinedload(Case.employer).load_only(Employer.name),
    joinedload(Case.assignee).load_only(User.name),
    lazyload(Case.office),
)


def queue_page(user, filters: QueueFilters, cursor: str | None = None, page_size: int = 50,
               extra: tuple = ()) -> QueuePage:
    """One page of the queue; ``extra``: further SQL conditions on ``Case`` from the packages above (new
    documents, unread messages)."""
    conditions = [*filtered(user, filters), *extra]
    total = db.session.scalar(select(func.count()).select_from(
        select(Case.id).where(*conditions).limit(COUNT_LIMIT + 1).subquery()))
    cases, more = queue_slice(user, filters, decode_cursor(cursor) if cursor else None, page_size, extra,
                              options=QUEUE_ROW)
    return QueuePage(cases=cases, next_timer=next_timers([case.id for case in cases]), total=total,
                     next_cursor=encode_cursor(cases[-1]) if more else None, filters=filters)


def queue_slice(user, filters: QueueFilters, position, page_size: int,
                extra: tuple = (), options: tuple = ()) -> tuple[list[Case], bool]:
    """Up to ``page_size`` cases in the queue's order after ``position`` (``decode_cursor``; None: from the start),
    and whether more follow. Keyset pagination: a case added meanwhile never shifts or repeats a later page.
    ``options``: loader options (``QUEUE_ROW``: only what the queue's rows show)."""
    query = select(Case).where(*filtered(user, filters), *extra).options(*options)
    if position:
        query = query.where(_after(position))
    query = query.order_by(Case.breached.desc(), Case.next_due_on.asc().nulls_last(), Case.id).limit(page_size + 1)
    cases = list(db.session.scalars(query).unique())
    return cases[:page_size], len(cases) > page_size


def next_timers(case_ids: list[int]) -> dict[int, Timer]:
    """The nearest open timer of each case, in one query."""
    if not case_ids:
        return {}
    # The queue shows due dates and states, not the pauses: they are not fetched with the timers.
    timers = db.session.scalars(
        select(Timer).where(Timer.case_id.in_(case_ids), Timer.status.in_(OPEN_TIMER_STATUSES), Timer.due_on.is_not(None))
        .order_by(Timer.case_id, Timer.due_on).options(lazyload(Timer.pauses))
    ).all()
    nearest: dict[int, Timer] = {}
    for timer in timers:
        nearest.setdefault(timer.case_id, timer)
    return nearest


def office_staff(office_id: int | None) -> list[User]:
    if office_id is None:
        return []
    return list(db.session.scalars(select(User).where(User.office_id == office_id, User.active).order_by(User.name)))


@dataclass
class Workload:
    user: User | None
    open_cases: int
    breached: int
    due_this_week: int


def _due_this_week(today):
    """The next deadline falls from today to Sunday. One already passed is overdue, counted and filtered apart."""
    return Case.next_due_on.between(today, today + timedelta(days=6 - today.weekday()))


def team_workload(office_id: int) -> list[Workload]:
    """Open cases, breaches and this week's deadlines per clerk of the office (and unassigned), one query."""
    today = clock.today()
    rows = db.session.execute(
        select(Case.assignee_id, func.count(Case.id),
               func.sum(Case.breached.cast(db.Integer)),
               func.count(Case.id).filter(_due_this_week(today)))
        .where(Case.office_id == office_id, Case.closed_at.is_(None)).group_by(Case.assignee_id)
    ).all()
    users = {user.id: user for user in office_staff(office_id)}
    result = [Workload(users.get(assignee_id), count, int(breached or 0), week)
              for assignee_id, count, breached, week in rows]
    seen = {row.user.id for row in result if row.user}
    result += [Workload(user, 0, 0, 0) for user in users.values() if user.id not in seen and user.is_staff]
    return sorted(result, key=lambda w: (w.user is None, w.user.name if w.user else ""))


def attention_timers(office_id: int, limit: int = 100) -> list[Timer]:
    """Breached timers and timers in their warning period, for the team lead.

    A running timer is in its warning period when its ``warn_on`` day has come (the sweep has not warned yet),
    when the sweep has warned for its current due date, or when it ends within a week (timers without a
    ``warn_before`` of their own)."""
    today = clock.today()
    warned = select(TimerEffect.id).where(TimerEffect.timer_pk == Timer.id,
                                          TimerEffect.kind == TimerEffectKind.WARNING,
                                          TimerEffect.due_on == Timer.due_on).exists()
    return list(db.session.scalars(
        select(Timer).join(Case, Case.id == Timer.case_id)
        .where(Case.office_id == office_id, or_(
            Timer.status == TimerStatus.BREACHED,
            and_(Timer.status == TimerStatus.RUNNING,
                 or_(Timer.due_on <= today + timedelta(days=7), Timer.warn_on <= today, warned))))
        .options(contains_eager(Timer.case))
        .order_by((Timer.status == TimerStatus.BREACHED).desc(), Timer.due_on).limit(limit)
    ))


def audit_heads(batch_size: int = 5000) -> Iterator[dict[int, tuple[str, str]]]:
    """Every case's newest audit hash and its state, in batches of case id -> (hash, state) (for
    ``audit.service.verify_chains``)."""
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Case.id, Case.audit_head, Case.state).where(Case.id > last_id).order_by(Case.id)
            .limit(batch_size)).all()
        if not rows:
            return
        yield {case_id: (head, state) for case_id, head, state in rows}
        last_id = rows[-1][0]


def verify_audit_trail() -> Iterator[ChainBreak]:
    """Every case's audit chain checked against the head and state the case stores: the first break of each broken
    case."""
    return verify_chains(audit_heads())
