"""The report's figures, read from the maintained facts (``cases.facts``) and the live case summary, never from events.

A figure rests on the cases settled in the period (first decision, or end without one, between ``start`` and
``end`` inclusive) that the reader's report scope admits. Medians and 90th percentiles are continuous percentiles
(``percentile_cont``: linear interpolation between the two nearest values), computed by PostgreSQL there and by
``percentile`` below on SQLite, so both give the same numbers.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, distinct, func, or_, select

from tracker.cases.access import Scope, office_condition
from tracker.cases.facts import CaseFacts, StageMonth, StageSpan
from tracker.cases.models import Case
from tracker.db_types import planned_for_large_scans
from tracker.extensions import db
from tracker.parties.models import Office
from tracker.procedures import deadlines
from tracker.procedures.vocabulary import TimerStatus
from tracker.registry import registry
from tracker.timers.models import Timer


def percentile(values: list[float], fraction: float) -> float | None:
    """``percentile_cont``: the value at position fraction*(n-1) of the sorted values, interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def condition(self, column):
        return and_(column >= self.start, column <= self.end)


#: The figures of one group of settled cases, in table order.
MEASURES = ("settled", "decided", "lead_median", "lead_p90", "lead_net_median", "lead_net_p90", "decision_median",
            "decision_average", "in_deadline_share", "three_months_share")


@dataclass
class Group:
    key: str
    settled: int = 0
    decided: int = 0
    #: Decided cases with complete documents: the base of the official measure's median and average.
    timed: int = 0
    lead_median: float | None = None
    lead_p90: float | None = None
    lead_net_median: float | None = None
    lead_net_p90: float | None = None
    decision_median: float | None = None
    decision_average: float | None = None
    in_deadline: int = 0
    in_deadline_of: int = 0
    three_months: int = 0
    three_months_of: int = 0

    @property
    def in_deadline_share(self) -> float | None:
        return self.in_deadline / self.in_deadline_of if self.in_deadline_of else None

    @property
    def three_months_share(self) -> float | None:
        return self.three_months / self.three_months_of if self.three_months_of else None


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def month_of(column):
    return func.to_char(column, "YYYY-MM") if _postgres() else func.strftime("%Y-%m", column)


#: The breakdowns a reader can choose: name -> the facts column (or expression) that groups.
def dimension(name: str):
    return {
        "procedure": CaseFacts.procedure_id,
        "office": CaseFacts.office_id,
        "month": month_of(CaseFacts.settled_on),
        "occupation": CaseFacts.reference_occupation,
        "country": CaseFacts.training_country,
        "nationality": CaseFacts.nationality,
        "outcome": CaseFacts.category,
    }[name]


DIMENSIONS = ("procedure", "office", "month", "occupation", "country", "nationality", "outcome")


def _where(scope: Scope, period: Period, office_id: int | None):
    parts = [office_condition(scope, CaseFacts.office_id), period.condition(CaseFacts.settled_on)]
    if office_id is not None:
        parts.append(CaseFacts.office_id == office_id)
    return and_(*parts)


def groups(scope: Scope, period: Period, by: str | tuple[str, ...], office_id: int | None = None) -> list[Group]:
    """One ``Group`` per value of the breakdown ``by`` (one dimension, or several: the key joins them with "|"),
    largest first."""
    names = (by,) if isinstance(by, str) else by
    keys = [dimension(name) for name in names]
    key = keys[0] if len(keys) == 1 else func.concat(*_joined(keys)) if _postgres() else _sqlite_joined(keys)
    where = _where(scope, period, office_id)
    net = CaseFacts.lead_days - CaseFacts.suspended_days
    counts = [func.count(), func.count(CaseFacts.first_decision_on), func.count(CaseFacts.decision_days),
              func.avg(CaseFacts.decision_days),
              func.sum(case((CaseFacts.in_deadline.is_(True), 1), else_=0)), func.count(CaseFacts.in_deadline),
              func.sum(case((CaseFacts.within_three_months.is_(True), 1), else_=0)),
              func.count(CaseFacts.within_three_months)]
    if _postgres():
        def cont(fraction, column):
            return func.percentile_cont(fraction).within_group(column)
        statement = select(key, *counts, cont(0.5, CaseFacts.lead_days), cont(0.9, CaseFacts.lead_days),
                           cont(0.5, net), cont(0.9, net), cont(0.5, CaseFacts.decision_days)) \
            .where(where).group_by(key)
        result = []
        with planned_for_large_scans():  # a year of settled cases: read through, not in index order
            rows = db.session.execute(statement).all()
        for row in rows:
            group = Group(str(row[0]) if row[0] is not None else "")
            (group.settled, group.decided, group.timed, average, group.in_deadline, group.in_deadline_of,
             group.three_months, group.three_months_of, group.lead_median, group.lead_p90, group.lead_net_median,
             group.lead_net_p90, group.decision_median) = row[1:]
            group.decision_average = float(average) if average is not None else None
            group.in_deadline, group.three_months = int(group.in_deadline or 0), int(group.three_months or 0)
            result.append(group)
    else:
        by_key: dict[str, list] = defaultdict(list)
        statement = select(key, CaseFacts.first_decision_on, CaseFacts.lead_days, net, CaseFacts.decision_days,
                           CaseFacts.in_deadline, CaseFacts.within_three_months).where(where)
        for row in db.session.execute(statement):
            by_key[str(row[0]) if row[0] is not None else ""].append(row)
        result = [_python_group(group_key, rows) for group_key, rows in by_key.items()]
    result.sort(key=lambda group: (-group.settled, group.key))
    return result


def _joined(keys):
    parts = []
    for key in keys:
        if parts:
            parts.append("|")
        parts.append(key)
    return parts


def _sqlite_joined(keys):
    expression = keys[0]
    for key in keys[1:]:
        expression = expression.concat("|").concat(key)
    return expression


def _python_group(key: str, rows: list) -> Group:
    group = Group(key, settled=len(rows), decided=sum(1 for row in rows if row[1] is not None))
    lead = [row[2] for row in rows if row[2] is not None]
    net = [row[3] for row in rows if row[3] is not None]
    decision = [row[4] for row in rows if row[4] is not None]
    group.lead_median, group.lead_p90 = percentile(lead, 0.5), percentile(lead, 0.9)
    group.lead_net_median, group.lead_net_p90 = percentile(net, 0.5), percentile(net, 0.9)
    group.decision_median = percentile(decision, 0.5)
    group.timed = len(decision)
    group.decision_average = sum(decision) / len(decision) if decision else None
    group.in_deadline = sum(1 for row in rows if row[5] is True)
    group.in_deadline_of = sum(1 for row in rows if row[5] is not None)
    group.three_months = sum(1 for row in rows if row[6] is True)
    group.three_months_of = sum(1 for row in rows if row[6] is not None)
    return group


@dataclass
class Stage:
    procedure_id: str
    stage: str
    spans: int
    median: float | None
    p90: float | None
    #: Without the days in which the authority's periods were suspended (``StageSpan.suspended_days``).
    net_median: float | None
    net_p90: float | None


def stages(scope: Scope, period: Period, office_id: int | None = None) -> list[Stage]:
    """Time spent per stage, with and without suspended time: the stays that ended in the period. Whole months
    come from the histogram (``StageMonth``), the days before the first and after the last whole month from the
    stays themselves, so a free period costs at most two months of rows."""
    months = whole_months(period)
    counts: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    net_counts: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if months is not None:
        parts = [office_condition(scope, StageMonth.office_id), StageMonth.month >= months[0],
                 StageMonth.month <= months[1]]
        if office_id is not None:
            parts.append(StageMonth.office_id == office_id)
        keys = (StageMonth.procedure_id, StageMonth.stage, StageMonth.days, StageMonth.net_days)
        for procedure_id, stage, days, net_days, spans in db.session.execute(
                select(*keys, func.sum(StageMonth.spans)).where(*parts).group_by(*keys)):
            counts[(procedure_id, stage)][days] += int(spans)
            net_counts[(procedure_id, stage)][net_days] += int(spans)
    for edge in edges(period, months):
        parts = [office_condition(scope, StageSpan.office_id), edge.condition(StageSpan.left_on)]
        if office_id is not None:
            parts.append(StageSpan.office_id == office_id)
        net = StageSpan.days - StageSpan.suspended_days
        keys = (StageSpan.procedure_id, StageSpan.stage, StageSpan.days, net)
        for procedure_id, stage, days, net_days, spans in db.session.execute(
                select(*keys, func.count()).where(*parts).group_by(*keys)):
            counts[(procedure_id, stage)][days] += int(spans)
            net_counts[(procedure_id, stage)][net_days] += int(spans)
    result = []
    for (procedure_id, stage), histogram in counts.items():
        total = sum(histogram.values())
        if total > 0:
            net_histogram = net_counts[(procedure_id, stage)]
            result.append(Stage(procedure_id, stage, total, weighted_percentile(histogram, 0.5),
                                weighted_percentile(histogram, 0.9), weighted_percentile(net_histogram, 0.5),
                                weighted_percentile(net_histogram, 0.9)))
    order = _state_order()
    result.sort(key=lambda item: (item.procedure_id, order.get((item.procedure_id, item.stage), 999)))
    return result


def month_end(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def whole_months(period: Period) -> tuple[date, date] | None:
    """First days of the first and the last whole month inside the period, or None."""
    first = period.start if period.start.day == 1 else month_end(period.start) + timedelta(days=1)
    last = period.end.replace(day=1) if month_end(period.end) == period.end else \
        (period.end.replace(day=1) - timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else None


def edges(period: Period, months: tuple[date, date] | None) -> list[Period]:
    """The parts of the period outside its whole months."""
    if months is None:
        return [period]
    parts = []
    if period.start < months[0]:
        parts.append(Period(period.start, months[0] - timedelta(days=1)))
    if month_end(months[1]) < period.end:
        parts.append(Period(month_end(months[1]) + timedelta(days=1), period.end))
    return parts


def weighted_percentile(histogram: dict[int, int], fraction: float) -> float | None:
    """``percentile`` of the values a histogram (value -> how often) stands for, without expanding it."""
    total = sum(histogram.values())
    if total == 0:
        return None
    position = fraction * (total - 1)
    lower_index = int(position)
    values = sorted(histogram)

    def at(index: int) -> int:
        seen = 0
        for value in values:
            seen += histogram[value]
            if index < seen:
                return value
        return values[-1]

    lower, upper = at(lower_index), at(min(lower_index + 1, total - 1))
    return lower + (upper - lower) * (position - lower_index)


def _state_order() -> dict[tuple[str, str], int]:
    return {(workflow.id, state_id): position for workflow in registry().all()
            for position, state_id in enumerate(workflow.states)}


@dataclass
class Snapshot:
    office_id: int
    open: int = 0
    warned: int = 0
    breached: int = 0


def snapshot(scope: Scope, today: date, office_id: int | None = None) -> list[Snapshot]:
    """Cases open today, per office: all of them, those whose deadline warning went out, those past a deadline.
    Read from the work queue's summary (its index) and the few timers inside their warning window."""
    where = [Case.closed_at.is_(None), office_condition(scope, Case.office_id)]
    if office_id is not None:
        where.append(Case.office_id == office_id)
    rows: dict[int, Snapshot] = {}
    for office, count, breached in db.session.execute(
            select(Case.office_id, func.count(), func.sum(case((Case.breached.is_(True), 1), else_=0)))
            .where(*where).group_by(Case.office_id)):
        rows[office] = Snapshot(office, count, 0, int(breached or 0))
    # A timer whose warning went out has no warning day left (the sweep clears ``warn_on``); only timers that warn
    # at all, due within the longest warning period, can be in that state: a few rows of the running-due index.
    horizon = today + timedelta(days=max_warning_days())
    warning_timers = [and_(Case.procedure_id == workflow.id, Timer.timer_id.in_(
        [spec.id for spec in workflow.timers.values() if spec.warn_before])) for workflow in registry().all()]
    warned = (select(Case.office_id, func.count(distinct(Case.id)))
              .join(Timer, Timer.case_id == Case.id)
              .where(Timer.status == TimerStatus.RUNNING, Timer.due_on >= today, Timer.due_on <= horizon,
                     Timer.warn_on.is_(None), or_(*warning_timers), Case.breached.is_(False), *where)
              .group_by(Case.office_id))
    for office, count in db.session.execute(warned):
        rows.setdefault(office, Snapshot(office)).warned = count
    return sorted(rows.values(), key=lambda row: row.office_id)


def max_warning_days() -> int:
    """The longest warning period of any timer: a warning never goes out earlier before the due date."""
    longest = 0
    for workflow in registry().all():
        for spec in workflow.timers.values():
            if spec.warn_before:
                start = date(2000, 1, 1)
                longest = max(longest, (deadlines.add_period(start, deadlines.parse_period(spec.warn_before))
                                        - start).days)
    return longest


def office_names(ids) -> dict[int, str]:
    ids = {int(value) for value in ids if value not in (None, "")}
    if not ids:
        return {}
    return dict(db.session.execute(select(Office.id, Office.name).where(Office.id.in_(ids))).all())


#: The anonymised case list: no name, no reference, nothing that identifies a person.
EXPORT_COLUMNS = ("procedure_id", "office_id", "reference_occupation", "training_country", "nationality",
                  "received_on", "documents_complete_on", "first_decision_on", "closed_on", "settled_on", "category",
                  "suspended_days", "lead_days", "decision_days", "deadline_on", "in_deadline",
                  "within_three_months")


def count_cases(scope: Scope, period: Period, office_id: int | None) -> int:
    return db.session.scalar(select(func.count()).select_from(CaseFacts).where(_where(scope, period, office_id)))


def case_rows(scope: Scope, period: Period, office_id: int | None, batch: int = 2000,
              on_batch: Callable[[int], None] | None = None):
    """The anonymised facts rows of the period, in keyset batches (a million rows never sit in memory at once)."""
    columns = [getattr(CaseFacts, name) for name in EXPORT_COLUMNS]
    last = 0
    while True:
        rows = db.session.execute(select(CaseFacts.case_id, *columns)
                                  .where(_where(scope, period, office_id), CaseFacts.case_id > last)
                                  .order_by(CaseFacts.case_id).limit(batch)).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [tuple(row[1:]) for row in rows]
        if on_batch is not None:
            on_batch(len(rows))


@dataclass
class Report:
    period: Period
    by: str
    office_id: int | None
    summary: list[Group] = field(default_factory=list)
    breakdown: list[Group] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    snapshot: list[Snapshot] = field(default_factory=list)


def build(scope: Scope, period: Period, by: str, office_id: int | None, today: date) -> Report:
    report = Report(period, by, office_id)
    report.summary = groups(scope, period, "procedure", office_id)
    report.breakdown = groups(scope, period, by, office_id) if by != "procedure" else report.summary
    report.stages = stages(scope, period, office_id)
    report.snapshot = snapshot(scope, today, office_id)
    return report
