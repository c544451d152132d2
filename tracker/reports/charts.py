"""Bar charts drawn on the server as SVG: no script, no inline style (the CSP forbids both), every bar labelled with
its value, and a text alternative that says what the chart shows; the table beside it holds the same figures."""
from __future__ import annotations

from dataclasses import dataclass

from tracker.reports.tables import Table, figure

#: Geometry in SVG user units; the SVG scales to the width of its box (``viewBox``).
WIDTH, LABEL_WIDTH, VALUE_WIDTH, BAR_HEIGHT, GAP = 460, 190, 50, 18, 6
#: At most this many bars: a long breakdown (every nationality) shows its largest groups; the table shows all.
MAX_BARS = 15


@dataclass(frozen=True)
class Bar:
    #: The whole label, for the text alternative; ``short`` is what fits beside the bar.
    label: str
    short: str
    value: float
    #: The value as the table shows it, in the page's language ("68,5" on a German page).
    text: str
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]
    height: int
    label_width: int = LABEL_WIDTH
    value_x: float = 0

    @property
    def width(self) -> int:
        return WIDTH


def bar_chart(table: Table) -> Chart | None:
    """The chart of ``table``'s value column against its label column; None when nothing has a value."""
    if table.chart_value is None:
        return None
    points = [(str(row[table.chart_label]), row[table.chart_value]) for row in table.rows
              if row[table.chart_value] is not None][:MAX_BARS]
    if not points:
        return None
    largest = max(value for _, value in points) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    kind = table.columns[table.chart_value].kind
    bars = tuple(Bar(label, _short(label), value, figure(value, kind), index * (BAR_HEIGHT + GAP),
                     max(room * value / largest, 1)) for index, (label, value) in enumerate(points))
    return Chart(table.chart_title, bars, len(bars) * (BAR_HEIGHT + GAP))


#: Characters of a label beside its bar: at 12px DejaVu Sans a character takes about 7 units, and the label ends 8
#: units before the bar; 28 ran past the chart's left edge ("nerkennung eines ausländis…").
LABEL_CHARACTERS = 24


def _short(label: str, limit: int = LABEL_CHARACTERS) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def summary(chart: Chart) -> str:
    """The text alternative: every bar in words (label: value), with the whole label."""
    return "; ".join(f"{bar.label}: {bar.text}" for bar in chart.bars)
