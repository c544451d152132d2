"""The report's tables as the page, the CSV and the XLSX show them: one list of columns, one list of rows each.

Values are plain numbers and texts (days rounded to one decimal, shares in percent with one decimal), so the three
forms show the same figures; labels are in the reader's language.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import xlsxwriter
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from tracker.cases.facts import Category
from tracker.parties import countries
from tracker.registry import registry
from tracker.reports.figures import Group, Report, office_names

@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: "text", "count", "days" or "percent".
    kind: str = "text"


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    #: The chart beside the table: which column names the bars, which holds their values.
    chart_label: int = 0
    chart_value: int | None = None
    chart_title: str = ""
    #: Why a value is missing ("–"), shown under the table.
    note: str = ""


def figure(value: float, kind: str) -> str:
    """A value as the page shows it, in the page's language: days and shares with one decimal ("68,5" in German,
    "68.5" in English), counts whole."""
    return format_decimal(value, format="0.0" if kind in ("days", "percent") else "0")


def category_labels() -> dict[str, str]:
    return {
        Category.FULL_EQUIVALENCE: _("Volle Gleichwertigkeit"),
        Category.PARTIAL_EQUIVALENCE: _("Teilweise Gleichwertigkeit"),
        Category.COMPENSATION_MEASURE: _("Auflage einer Ausgleichsmaßnahme"),
        Category.NEGATIVE: _("Keine Gleichwertigkeit / Ablehnung"),
        Category.PRE_APPROVAL: _("Vorabzustimmung erteilt"),
        Category.WITHDRAWN: _("Zurückgenommen / ohne Bescheid erledigt"),
    }


def procedure_title(procedure_id: str, lang: str) -> str:
    try:
        return registry().latest(procedure_id).title.get(lang)
    except KeyError:
        return procedure_id


def stage_title(procedure_id: str, stage: str, lang: str) -> str:
    try:
        return registry().latest(procedure_id).states[stage].title.get(lang)
    except KeyError:
        return stage


def rounded(value) -> float | None:
    return None if value is None else round(float(value), 1)


def percent(share) -> float | None:
    return None if share is None else round(100 * share, 1)


def dimension_labels() -> dict[str, str]:
    return {"procedure": _("Verfahren"), "office": _("Behörde"), "month": _("Monat"),
            "occupation": _("Referenzberuf"), "country": _("Ausbildungsstaat"),
            "nationality": _("Staatsangehörigkeit"), "outcome": _("Ergebnis (amtliche Statistik)")}


def group_labeller(by: str, groups: list[Group], lang: str):
    if by == "procedure":
        return lambda key: procedure_title(key, lang)
    if by == "office":
        names = office_names(group.key for group in groups)
        return lambda key: names.get(int(key), key) if key.isdigit() else key
    if by == "outcome":
        labels = category_labels()
        return lambda key: labels.get(key, key or _("noch offen"))
    if by in ("country", "nationality"):  # kept by their German name (parties.countries), shown in the page's
        return lambda key: countries.display_name(key, lang) if key else _("nicht angegeben")
    if by == "month":  # "2025-04" -> "April 2025"
        return lambda key: format_date(date.fromisoformat(f"{key}-01"), "LLLL yyyy") if key else _("nicht angegeben")
    return lambda key: key or _("nicht angegeben")


def group_columns(first: str) -> list[Column]:
    return [Column("group", first), Column("settled", _("Erledigt"), "count"),
            Column("decided", _("Entschieden"), "count"),
            Column("lead_median", _("Dauer ab Antrag, Median (Tage)"), "days"),
            Column("lead_p90", _("Dauer ab Antrag, 90. Perzentil (Tage)"), "days"),
            Column("lead_net_median", _("Ohne Hemmung, Median (Tage)"), "days"),
            Column("lead_net_p90", _("Ohne Hemmung, 90. Perzentil (Tage)"), "days"),
            Column("decision_median", _("Ab vollständigen Unterlagen, Median (Tage)"), "days"),
            Column("decision_average", _("Ab vollständigen Unterlagen, Durchschnitt (Tage)"), "days"),
            Column("in_deadline", _("In der gesetzlichen Frist entschieden (%)"), "percent"),
            Column("three_months", _("Binnen 3 Monaten ab vollständigen Unterlagen (%)"), "percent")]


def group_row(label: str, group: Group) -> list:
    return [label, group.settled, group.decided, rounded(group.lead_median), rounded(group.lead_p90),
            rounded(group.lead_net_median), rounded(group.lead_net_p90), rounded(group.decision_median),
            rounded(group.decision_average), percent(group.in_deadline_share), percent(group.three_months_share)]


def group_table(key: str, title: str, by: str, groups: list[Group], lang: str) -> Table:
    label = group_labeller(by, groups, lang)
    if by == "month":  # the months in their order, not the busiest first
        groups = sorted(groups, key=lambda group: group.key)
    return Table(key, title, group_columns(dimension_labels()[by]),
                 [group_row(label(group.key), group) for group in groups],
                 chart_value=7, chart_title=_("Median der Dauer ab vollständigen Unterlagen (Tage)"),
                 note=_("„–“: keine Fälle mit diesem Wert im Zeitraum (z. B. ohne gesetzliche Frist oder ohne "
                        "vollständige Unterlagen)."))


def tables(report: Report, lang: str) -> list[Table]:
    """Every table of a report, in page order."""
    result = [group_table("summary", _("Übersicht je Verfahren"), "procedure", report.summary, lang)]
    if report.by != "procedure":
        result.append(group_table("breakdown", _("Aufschlüsselung: %(dimension)s",
                                                 dimension=dimension_labels()[report.by]),
                                  report.by, report.breakdown, lang))
    result.append(Table(
        "stages", _("Dauer je Verfahrensabschnitt"),
        [Column("procedure", _("Verfahren")), Column("stage", _("Abschnitt")),
         Column("spans", _("Abgeschlossene Abschnitte"), "count"), Column("median", _("Median (Tage)"), "days"),
         Column("p90", _("90. Perzentil (Tage)"), "days"),
         Column("net_median", _("Ohne Hemmung, Median (Tage)"), "days"),
         Column("net_p90", _("Ohne Hemmung, 90. Perzentil (Tage)"), "days")],
        [[procedure_title(stage.procedure_id, lang), stage_title(stage.procedure_id, stage.stage, lang), stage.spans,
          rounded(stage.median), rounded(stage.p90), rounded(stage.net_median), rounded(stage.net_p90)]
         for stage in report.stages],
        chart_label=1, chart_value=3, chart_title=_("Median der Dauer je Abschnitt (Tage)"),
        note=_("„Ohne Hemmung“: ohne die Tage des Abschnitts, an denen die Frist der Behörde gehemmt war (z. B. "
               "solange die antragstellende Person angeforderte Unterlagen nachreicht, § 6(4) BQFG).")))
    names = office_names(row.office_id for row in report.snapshot)
    result.append(Table(
        "open", _("Heute offene Fälle"),
        [Column("office", _("Behörde")), Column("open", _("Offen"), "count"),
         Column("warned", _("Mit Fristwarnung"), "count"), Column("breached", _("Mit Fristüberschreitung"), "count")],
        [[names.get(row.office_id, str(row.office_id)), row.open, row.warned, row.breached]
         for row in report.snapshot],
        chart_value=1, chart_title=_("Offene Fälle je Behörde")))
    return result


# --- exports --------------------------------------------------------------------------------------------------

def to_csv(table: Table) -> bytes:
    """Semicolon-separated with a BOM and decimal commas, as German spreadsheet programs open it (with a decimal
    point they read "12.5" as the 12th of May); empty cells for missing values."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow(["" if value is None else _csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value):
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return safe_cell(value)


#: First characters that make a spreadsheet read a cell as a formula (OWASP's list: a tab or carriage return in
#: front of one is skipped by some programs, and forms accept tabs and line breaks as ordinary text).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text a spreadsheet would run as a formula, quoted (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_xlsx(tables_: list[Table]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    for table in tables_:
        sheet = workbook.add_worksheet(table.key[:31])
        sheet.write_row(0, 0, [column.label for column in table.columns], bold)
        for index, row in enumerate(table.rows, start=1):
            for column_index, value in enumerate(row):
                if value is not None:
                    sheet.write(index, column_index, value)
        sheet.set_column(0, len(table.columns) - 1, 18)
    workbook.close()
    return buffer.getvalue()
