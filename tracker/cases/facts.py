"""The figures of each case that reports count, kept beside the case so that no report reads events.

One ``CaseFacts`` row per case (who holds it, what it compares, when the documents were complete, when the first
decision came, how many days the authority's deadline was suspended, the outcome in the categories of the official
statistics) and one ``StageSpan`` row per stay of the case in a state. They are derived data: ``derive`` computes
both from a case's own events and timers (``flask reports rebuild`` and the seed writer use it); the service verbs
keep them current in the same transaction (``opened`` and ``transitioned``), and a test checks that the two ways
agree.

The official measure (§ 17 BQFG, the BIBB monitoring): the time from complete documents (the trigger day of the
decision period, § 6(3) s. 2 BQFG) to the first decision; a compensation measure imposed is a first decision.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, bindparam, delete, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from tracker import clock
from tracker.audit.models import Event, EventKind
from tracker.audit.service import case_events
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.procedures import deadlines
from tracker.procedures.definition import EFFECTIVE_ON, Transition, Workflow
from tracker.procedures.timer_plan import authority_suspensions, days_suspended, timer_suspensions
from tracker.procedures.vocabulary import LetterKind, Outcome, TimerStatus
from tracker.registry import workflow_of
from tracker.timers.models import Timer

#: Letters that carry the authority's decision: their step is a (first) decision.
DECISION_LETTERS = frozenset({LetterKind.DECISION, LetterKind.PRE_APPROVAL})
#: The official measure's window: decided within three months of complete documents.
OFFICIAL_WINDOW = deadlines.parse_period("P3M")


class Category(StrEnum):
    """How a case ended up, in the categories of the official recognition statistics (§ 17 BQFG)."""

    FULL_EQUIVALENCE = "full_equivalence"  #: volle Gleichwertigkeit
    PARTIAL_EQUIVALENCE = "partial_equivalence"  #: teilweise Gleichwertigkeit (Defizitbescheid, § 7(2) BQFG)
    COMPENSATION_MEASURE = "compensation_measure"  #: Auflage einer Ausgleichsmaßnahme (regulated professions)
    NEGATIVE = "negative"  #: keine Gleichwertigkeit / Ablehnung
    PRE_APPROVAL = "pre_approval"  #: Vorabzustimmung erteilt (§ 81a AufenthG)
    WITHDRAWN = "withdrawn"  #: Rücknahme, sonstige Erledigung ohne Bescheid


#: A terminal outcome reached by a decision, as its official category (recognition procedures).
OUTCOME_CATEGORY = {Outcome.POSITIVE: Category.FULL_EQUIVALENCE, Outcome.PARTIAL: Category.PARTIAL_EQUIVALENCE,
                    Outcome.NEGATIVE: Category.NEGATIVE, Outcome.WITHDRAWN: Category.WITHDRAWN}


class CaseFacts(db.Model):
    """What reports count about one case. Derived data (``derive``): never edited by hand."""

    __tablename__ = "case_facts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    procedure_id: Mapped[str] = mapped_column(String(64))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    accelerated: Mapped[bool] = mapped_column(default=False)
    reference_occupation: Mapped[str] = mapped_column(String(200), default="")
    training_country: Mapped[str] = mapped_column(String(100), default="")
    nationality: Mapped[str] = mapped_column(String(100), default="")
    received_on: Mapped[date]
    #: Trigger day of the authority's decision period: the arrival of the last document the file needed.
    documents_complete_on: Mapped[date | None]
    #: Date of the first decision (the date the notice bears).
    first_decision_on: Mapped[date | None]
    #: Day the case ended (its terminal step's fact date).
    closed_on: Mapped[date | None]
    #: The day the case counts in the statistics: its first decision, or its end when it ended without one.
    settled_on: Mapped[date | None]
    #: ``Category``, set once the case is settled.
    category: Mapped[str | None] = mapped_column(String(32))
    #: Days the authority's decision period was suspended (§ 6(4) BQFG and the like) before the first decision.
    suspended_days: Mapped[int] = mapped_column(default=0)
    #: Receipt to first decision, in calendar days (gross; net is minus ``suspended_days``).
    lead_days: Mapped[int | None]
    #: Complete documents to first decision (the official measure), in calendar days.
    decision_days: Mapped[int | None]
    #: The legal deadline of the decision as it stood when the decision came (after pauses and extension).
    deadline_on: Mapped[date | None]
    #: Decided on or before ``deadline_on``; None when no deadline ran.
    in_deadline: Mapped[bool | None]
    #: Decided within three months of complete documents (the official measure); None without complete documents.
    within_three_months: Mapped[bool | None]

    __table_args__ = (
        Index("ix_case_facts_settled", "settled_on", "procedure_id"),
        Index("ix_case_facts_office_settled", "office_id", "settled_on"),
    )


class StageSpan(db.Model):
    """One stay of a case in one state ("stage"), from the fact that brought it there to the one that moved it on."""

    __tablename__ = "stage_spans"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    procedure_id: Mapped[str] = mapped_column(String(64))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    stage: Mapped[str] = mapped_column(String(64))
    entered_on: Mapped[date]
    #: None while the case is still in this stage.
    left_on: Mapped[date | None]
    days: Mapped[int | None]
    #: Days of the stay in which the authority's periods stood still (``timer_plan.authority_suspensions``, e.g.
    #: § 6(4) BQFG while the applicant owes documents); ``days`` minus these is the stay without suspended time.
    suspended_days: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (Index("ix_stage_spans_left", "left_on", "procedure_id"),
                      Index("ix_stage_spans_office_left", "office_id", "left_on"))


class StageMonth(db.Model):
    """How many stays in a stage ended in a month after how many days, and after how many without suspended time:
    the histogram the report reads instead of every stay (exact medians and percentiles over whole months, gross
    and net). Kept with the stays (``count_stays``)."""

    __tablename__ = "stage_months"

    #: First day of the month the stays ended in.
    month: Mapped[date] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True)
    procedure_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stage: Mapped[str] = mapped_column(String(64), primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True)
    #: ``days`` without the suspended days (``StageSpan.suspended_days``).
    net_days: Mapped[int] = mapped_column(primary_key=True)
    spans: Mapped[int] = mapped_column(default=0)


HISTOGRAM_KEY = ("month", "office_id", "procedure_id", "stage", "days", "net_days")


def histogram_of(spans) -> Counter:
    """(month, office, procedure, stage, days, net days) -> number of ended stays, from span rows or dicts."""
    counts: Counter = Counter()
    for span in spans:
        get = span.get if isinstance(span, Mapping) else lambda key, span=span: getattr(span, key)
        if get("left_on") is not None:
            counts[(get("left_on").replace(day=1), get("office_id"), get("procedure_id"), get("stage"),
                    get("days"), get("days") - (get("suspended_days") or 0))] += 1
    return counts


def count_stays(executor, dialect: str, counts: Counter) -> None:
    """Add ``counts`` (negative to take stays away) to the histogram, in one upsert."""
    counts = {key: value for key, value in counts.items() if value}
    if not counts:
        return
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(StageMonth.__table__)
    statement = insert.on_conflict_do_update(index_elements=list(HISTOGRAM_KEY),
                                             set_={"spans": StageMonth.__table__.c.spans + insert.excluded.spans})
    # In key order: two writers adding to the same months lock the rows in the same order (no deadlock).
    executor.execute(statement, [dict(zip(HISTOGRAM_KEY, key), spans=value)
                                 for key, value in sorted(counts.items())])


def _session_dialect() -> str:
    return db.session.get_bind().dialect.name


# --- derivation: one rule for the service, the rebuild and the seed writer ----------------------------------------

@dataclass
class Derived:
    facts: dict
    spans: list[dict] = field(default_factory=list)


def _as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def fact_day(event) -> date:
    """The date of the fact an event records (``effective_on``), else the Berlin day it was recorded."""
    return _as_date((event.data or {}).get(EFFECTIVE_ON)) or clock.berlin_date(event.occurred_at)


def decision_day(transition: Transition, data: dict, fallback: date) -> date:
    """The date the notice bears (the decision step's ``date`` input), else the step's fact date."""
    return _as_date(data.get("date")) or _as_date(data.get(EFFECTIVE_ON)) or fallback


def first_category(workflow: Workflow, transition: Transition, target_state: str) -> Category:
    state = workflow.states[target_state]
    if state.terminal and state.outcome:
        return OUTCOME_CATEGORY[Outcome(state.outcome)]
    # A decision that does not end the case: a compensation measure imposed (§ 10 ThürBQFG) or the § 81a
    # pre-approval, after which visa and entry follow.
    return Category.PRE_APPROVAL if transition.letter == LetterKind.PRE_APPROVAL else Category.COMPENSATION_MEASURE


def decision_timers(workflow: Workflow, transition_id: str, timers) -> list:
    """The authority's periods the decision step ended (§ 6(3), § 14a(3) BQFG …), as the case's timers."""
    owed = {spec.id for spec in workflow.timers_stopped_by(transition_id) if spec.owed_by == "authority"}
    return [timer for timer in timers if timer.timer_id in owed
            and timer.status in (TimerStatus.MET, TimerStatus.BREACHED, TimerStatus.FIRED)]


def settle(facts: dict, workflow: Workflow, transition: Transition, target_state: str, day: date, timers) -> None:
    """Fill in the first decision's figures (``facts`` already holds received_on)."""
    facts["first_decision_on"] = day
    facts["settled_on"] = day
    facts["category"] = str(first_category(workflow, transition, target_state))
    ended = decision_timers(workflow, transition.id, timers)
    timer = ended[0] if ended else None
    complete_on = timer.started_on if timer is not None else None
    # Overlapping pauses count once, and only the days before the decision: a decision taken while the deadline
    # set for documents still runs (the answer came early) was not suspended after it was taken.
    suspended = days_suspended(timer_suspensions(timer, day), timer.started_on, day) if timer is not None else 0
    facts["documents_complete_on"] = complete_on
    facts["suspended_days"] = suspended
    facts["lead_days"] = (day - facts["received_on"]).days
    facts["decision_days"] = (day - complete_on).days if complete_on else None
    facts["deadline_on"] = timer.due_on if timer is not None else None
    # Met as the timer judged it: an act the authority owes is done when recorded, whatever date its notice names
    # (README, dates of facts and acts), so the report and the case page never disagree.
    met_on = (timer.finished_on or day) if timer is not None else None
    facts["in_deadline"] = (met_on <= timer.due_on) if timer is not None and timer.due_on else None
    facts["within_three_months"] = (day <= deadlines.add_period(complete_on, OFFICIAL_WINDOW)
                                     if complete_on else None)


def close(facts: dict, outcome: str | None, day: date) -> None:
    """The case ended; without a decision before, it counts on its end day (a withdrawal, a § 81a refusal)."""
    facts["closed_on"] = day
    if facts.get("settled_on") is None:
        facts["settled_on"] = day
        facts["category"] = str(OUTCOME_CATEGORY[Outcome(outcome)]) if outcome else None
        facts["lead_days"] = None


def blank(case_id: int, *, procedure_id: str, office_id: int, accelerated: bool, reference_occupation: str,
          training_country: str, nationality: str, received_on: date) -> dict:
    return {"case_id": case_id, "procedure_id": procedure_id, "office_id": office_id, "accelerated": accelerated,
            "reference_occupation": reference_occupation or "", "training_country": training_country or "",
            "nationality": nationality or "", "received_on": received_on, "documents_complete_on": None,
            "first_decision_on": None, "closed_on": None, "settled_on": None, "category": None, "suspended_days": 0,
            "lead_days": None, "decision_days": None, "deadline_on": None, "in_deadline": None,
            "within_three_months": None}


def derive(facts: dict, workflow: Workflow, events, timers) -> Derived:
    """The facts and stage spans of one case from its events (oldest first) and timers; ``facts`` is ``blank``'s."""
    derived = Derived(facts)
    spans = derived.spans
    suspensions = authority_suspensions(workflow, timers)
    for event in events:
        if event.kind == EventKind.OPENED:
            spans.append(_span(facts, event.to_state, facts["received_on"]))
        elif event.kind == EventKind.TRANSITION and event.from_state != event.to_state:
            day = fact_day(event)
            _leave(spans, day, suspensions)
            transition = workflow.transitions.get(event.subject)
            state = workflow.states[event.to_state]
            if (transition is not None and transition.letter in DECISION_LETTERS
                    and facts["first_decision_on"] is None):
                settle(facts, workflow, transition, event.to_state, decision_day(transition, event.data or {}, day),
                       timers)
            if state.terminal:
                close(facts, state.outcome, day)
            else:
                spans.append(_span(facts, event.to_state, day))
    return derived


def _span(facts: dict, stage: str, day: date) -> dict:
    return {"case_id": facts["case_id"], "procedure_id": facts["procedure_id"], "office_id": facts["office_id"],
            "stage": stage, "entered_on": day, "left_on": None, "days": None, "suspended_days": 0}


def _leave(spans: list[dict], day: date, suspensions) -> None:
    if spans and spans[-1]["left_on"] is None:
        spans[-1]["left_on"] = day
        spans[-1]["days"] = max((day - spans[-1]["entered_on"]).days, 0)
        spans[-1]["suspended_days"] = days_suspended(suspensions, spans[-1]["entered_on"], day)


# --- kept current by the service verbs, in their transaction ------------------------------------------------------

def _blank_for(case) -> dict:
    return blank(case.id, procedure_id=case.procedure_id, office_id=case.office_id, accelerated=case.accelerated,
                 reference_occupation=case.reference_occupation, training_country=case.training_country,
                 nationality=case.applicant.nationality, received_on=case.received_on)


def opened(case) -> None:
    """A new case: its facts row and its first stage."""
    facts = _blank_for(case)
    db.session.add(CaseFacts(**facts))
    db.session.add(StageSpan(**_span(facts, case.state, case.received_on)))


def transitioned(case, workflow: Workflow, transition: Transition, from_state: str, inputs: dict, timers) -> None:
    """After ``apply_transition`` has flushed the step: leave the old stage, enter the new one; a first decision or
    the end of the case fills in the figures. Written as plain SQL: one statement on PostgreSQL (``_MOVE_STAGE``),
    which reads no row first; four on SQLite (read the stay, close it, count it, open the next)."""
    if from_state == case.state:
        return
    day = _as_date(inputs.get(EFFECTIVE_ON)) or clock.today()
    state = workflow.states[case.state]
    following = None if state.terminal else _span(_blank_for(case), case.state, day)
    # The case's timers are in the session already (the step read them once, with their pauses): no statement.
    left = _move_stage(case.id, day, following, authority_suspensions(workflow, timers()))
    if not left:  # a case from before the facts existed (migration 0016): derive it whole
        refresh(case)
        return
    deciding = transition.letter in DECISION_LETTERS
    if deciding or state.terminal:
        row = db.session.get(CaseFacts, case.id)
        if row is None:  # stays without facts (only a rebuild interrupted half-way leaves them): derive it whole
            refresh(case)
            return
        facts = {column.key: getattr(row, column.key) for column in CaseFacts.__table__.columns}
        if deciding and facts["first_decision_on"] is None:
            settle(facts, workflow, transition, case.state, decision_day(transition, inputs, day), timers())
        if state.terminal:
            close(facts, case.outcome, day)
        for key, value in facts.items():
            setattr(row, key, value)


#: PostgreSQL: end the open stay, count it in the histogram and open the next stay (only if a stay was open), in
#: one statement. The stay's suspended days are its overlap with the merged suspensions, given as two arrays
#: (first day, day after the last; NULL while one runs), as ``timer_plan.days_suspended`` counts them. Returns the
#: stays it ended; none means the case has no stages yet (``refresh`` derives them).
_MOVE_STAGE = text("""
WITH closed AS (
    UPDATE stage_spans
       SET left_on = :day, days = CASE WHEN entered_on > :day THEN 0 ELSE :day - entered_on END,
           suspended_days = (
               SELECT coalesce(sum(GREATEST(LEAST(:day, coalesce(suspension.after, :day))
                                            - GREATEST(stage_spans.entered_on, suspension.first), 0)), 0)
                 FROM unnest(CAST(:suspended_from AS date[]), CAST(:suspended_until AS date[]))
                      AS suspension (first, after))
     WHERE case_id = :case_id AND left_on IS NULL
 RETURNING left_on, office_id, procedure_id, stage, days, suspended_days
), counted AS (
    INSERT INTO stage_months AS histogram (month, office_id, procedure_id, stage, days, net_days, spans)
    SELECT CAST(date_trunc('month', left_on) AS date), office_id, procedure_id, stage, days, days - suspended_days,
           count(*)
      FROM closed GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (month, office_id, procedure_id, stage, days, net_days)
        DO UPDATE SET spans = histogram.spans + excluded.spans
), opened AS (
    INSERT INTO stage_spans (case_id, procedure_id, office_id, stage, entered_on, suspended_days)
    SELECT :case_id, :procedure_id, :office_id, :stage, :day, 0
     WHERE :opens AND EXISTS (SELECT 1 FROM closed)
)
SELECT left_on, office_id, procedure_id, stage, days, suspended_days FROM closed
""").bindparams(bindparam("day", type_=Date), bindparam("case_id", type_=Integer),
                bindparam("procedure_id", type_=String), bindparam("office_id", type_=Integer),
                bindparam("stage", type_=String), bindparam("opens", type_=Boolean),
                bindparam("suspended_from", type_=ARRAY(Date)), bindparam("suspended_until", type_=ARRAY(Date)))


def _move_stage(case_id: int, day: date, following: dict | None, suspensions) -> list[dict]:
    """End the case's open stay on ``day`` (a fact recorded late may lie before its start: 0 days), with its days
    inside ``suspensions`` (``timer_plan.authority_suspensions``), count it in the histogram and open
    ``following`` (None: the case ended). Returns the stays ended; empty when the case had no open stay, and then
    nothing is written."""
    if _session_dialect() == "postgresql":
        following = following or {}
        rows = db.session.execute(_MOVE_STAGE, {
            "day": day, "case_id": case_id, "opens": bool(following), "procedure_id": following.get("procedure_id"),
            "office_id": following.get("office_id"), "stage": following.get("stage"),
            "suspended_from": [first for first, _ in suspensions],
            "suspended_until": [after for _, after in suspensions]})
        return [dict(row) for row in rows.mappings()]
    # SQLite has no date arithmetic: the open stay is read, its days counted here, and written back.
    spans = StageSpan.__table__
    left = []
    for stay in db.session.execute(select(spans.c.id, spans.c.entered_on, spans.c.office_id, spans.c.procedure_id,
                                          spans.c.stage)
                                   .where(spans.c.case_id == case_id, spans.c.left_on.is_(None))).mappings().all():
        ended = {"left_on": day, "days": max((day - stay["entered_on"]).days, 0),
                 "suspended_days": days_suspended(suspensions, stay["entered_on"], day)}
        db.session.execute(update(spans).where(spans.c.id == stay["id"]).values(**ended))
        left.append(ended | {key: stay[key] for key in ("office_id", "procedure_id", "stage")})
    if left:
        count_stays(db.session, "sqlite", histogram_of(left))
        if following:
            db.session.execute(spans.insert(), [following])
    return left


def refresh(case) -> None:
    """Derive one case's facts and stages afresh from its events and timers (the rebuild, a case without a row)."""
    # ``Case.timers``: the case's timers as this unit of work holds them, oldest first, read once.
    derived = derive(_blank_for(case), workflow_of(case), case_events(case.id), list(case.timers))
    store(db.session, [case.id], [derived])


def store(session, case_ids: list[int], derived: list[Derived]) -> None:
    """Replace the facts and stage rows of ``case_ids`` with ``derived`` (bulk; no ORM objects); the histogram
    loses the old stays and gains the new ones."""
    dialect = session.get_bind().dialect.name
    old = histogram_of(session.execute(select(StageSpan.left_on, StageSpan.office_id, StageSpan.procedure_id,
                                              StageSpan.stage, StageSpan.days, StageSpan.suspended_days)
                                       .where(StageSpan.case_id.in_(case_ids))).mappings())
    new = histogram_of(span for item in derived for span in item.spans)
    new.subtract(old)
    count_stays(session, dialect, new)
    session.execute(delete(StageSpan).where(StageSpan.case_id.in_(case_ids)))
    session.execute(delete(CaseFacts).where(CaseFacts.case_id.in_(case_ids)))
    if derived:
        session.execute(CaseFacts.__table__.insert(), [item.facts for item in derived])
    spans = [span for item in derived for span in item.spans]
    if spans:
        session.execute(StageSpan.__table__.insert(), spans)


def rebuild_batch(case_ids: list[int]) -> int:
    """Derive the facts and stages of ``case_ids`` afresh, reading their events and timers in three statements;
    the caller commits. Returns how many cases were derived."""
    cases = list(db.session.scalars(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)))
    events: dict[int, list] = {case_id: [] for case_id in case_ids}
    for event in db.session.scalars(select(Event).where(Event.case_id.in_(case_ids))
                                    .order_by(Event.case_id, Event.seq)):
        events[event.case_id].append(event)
    timers: dict[int, list] = {case_id: [] for case_id in case_ids}
    for timer in db.session.scalars(select(Timer).where(Timer.case_id.in_(case_ids)).order_by(Timer.id)):
        timers[timer.case_id].append(timer)
    derived = [derive(_blank_for(case), workflow_of(case), events[case.id], timers[case.id]) for case in cases]
    store(db.session, [case.id for case in cases], derived)
    return len(cases)
