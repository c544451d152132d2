"""The public statistics: per procedure and office, how many cases were decided, the median time from complete
documents to the decision and the share decided within the legal deadline, from the anonymised facts.

No figure is shown that rests on fewer than ``MINIMUM`` cases (primary suppression). Each procedure's table also
shows the total over its offices; a single suppressed count could then be worked out as the total minus the other
offices, so when exactly one office of a procedure is suppressed, the next smallest is suppressed too (secondary
suppression), and a total that itself rests on too few cases is suppressed as well.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.cases.access import Scope
from tracker.reports.figures import Group, Period, groups, office_names

#: The smallest number of cases a published figure may rest on.
MINIMUM = 10


@dataclass
class Cell:
    """One published figure and the number of cases it rests on; ``value`` None when suppressed."""

    value: float | int | None
    base: int
    suppressed: bool = False
    secondary: bool = False


@dataclass
class Line:
    label: str
    decided: Cell
    median: Cell
    in_deadline: Cell
    is_total: bool = False


@dataclass
class ProcedureTable:
    procedure_id: str
    lines: list[Line] = field(default_factory=list)


def cell(value, base: int) -> Cell:
    if base < MINIMUM:
        return Cell(None, base, suppressed=True)
    return Cell(value, base)


def line(label: str, group: Group, is_total: bool = False) -> Line:
    decided_base = group.decided
    median_base = group.timed
    return Line(label,
                cell(group.decided, decided_base),
                cell(round(group.decision_median, 1) if group.decision_median is not None else None, median_base),
                cell(round(100 * group.in_deadline_share, 1) if group.in_deadline_share is not None else None,
                     group.in_deadline_of),
                is_total)


def suppress_line(item: Line, secondary: bool) -> None:
    for figure in (item.decided, item.median, item.in_deadline):
        if not figure.suppressed:
            figure.value, figure.suppressed, figure.secondary = None, True, secondary


def protect(lines: list[Line]) -> None:
    """Secondary suppression over the office lines of one procedure (the total is the last line)."""
    offices = [item for item in lines if not item.is_total]
    for item in offices:
        if item.decided.suppressed:
            suppress_line(item, secondary=False)
    hidden = [item for item in offices if item.decided.suppressed]
    if len(hidden) == 1:
        shown = sorted((item for item in offices if not item.decided.suppressed), key=lambda item: item.decided.base)
        if shown:
            suppress_line(shown[0], secondary=True)
        else:  # one office only, and suppressed: the total would be it
            for item in lines:
                if item.is_total:
                    suppress_line(item, secondary=True)


def last_twelve_months(today: date) -> Period:
    return Period(today - timedelta(days=364), today)


def public_tables(period: Period) -> list[ProcedureTable]:
    everything = Scope(everything=True)
    by_cell = groups(everything, period, ("procedure", "office"))
    totals = {group.key: group for group in groups(everything, period, "procedure")}
    names = office_names(group.key.split("|")[1] for group in by_cell)
    tables: dict[str, ProcedureTable] = {}
    for group in sorted(by_cell, key=lambda group: group.key):
        procedure_id, office_id = group.key.split("|")
        if group.decided == 0:
            continue  # only withdrawals: nothing decided to publish
        tables.setdefault(procedure_id, ProcedureTable(procedure_id)).lines.append(
            line(names.get(int(office_id), office_id), group))
    for procedure_id, table in tables.items():
        table.lines.sort(key=lambda item: item.label)
        table.lines.append(line("", totals[procedure_id], is_total=True))
        protect(table.lines)
    return [tables[key] for key in sorted(tables)]
