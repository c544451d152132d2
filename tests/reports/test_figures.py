"""The report's figures against the hand-computed year of ``conftest.py``.

Percentiles are continuous (linear interpolation at position p·(n−1) of the sorted values), as PostgreSQL's
``percentile_cont``: the median of [30, 58, 60, 99, 120] is the value at position 2, 60; the 90th percentile sits
at position 3.6: 99 + 0.6·(120 − 99) = 111.6.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import openpyxl
import pytest
from sqlalchemy import event, select, text

from tracker import clock
from tracker.cases.access import Scope
from tracker.cases.facts import CaseFacts, StageMonth, StageSpan, histogram_of, rebuild_batch
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.reports import figures

YEAR_2025 = figures.Period(date(2025, 1, 1), date(2025, 12, 31))
EVERYTHING = Scope(everything=True)


def facts_by_received() -> dict[date, CaseFacts]:
    return {row.received_on: row for row in db.session.scalars(select(CaseFacts))}


def test_each_case_carries_its_facts_as_worked_out_by_hand(year):
    facts = facts_by_received()
    a, b, c = facts[date(2025, 1, 6)], facts[date(2025, 1, 13)], facts[date(2025, 2, 3)]
    d, e, f = facts[date(2025, 3, 3)], facts[date(2025, 3, 10)], facts[date(2025, 2, 10)]
    h = facts[date(2025, 11, 3)]
    assert (a.first_decision_on, a.lead_days, a.decision_days, a.category) == (
        date(2025, 2, 5), 30, 30, "full_equivalence")
    assert (a.in_deadline, a.within_three_months) == (True, True)
    assert (b.lead_days, b.category, b.within_three_months) == (60, "partial_equivalence", True)
    # C: a pause of 14 days (17.02. to the deadline set, 03.03.); decided 13.05., ten days after 3 months.
    assert (c.lead_days, c.suspended_days, c.decision_days) == (99, 14, 99)
    assert (c.in_deadline, c.within_three_months) == (True, False)
    assert (d.lead_days, d.in_deadline, d.within_three_months, d.category) == (120, False, False, "negative")
    assert d.deadline_on == date(2025, 6, 3)
    # E: withdrawn, no decision: counted on the day of the withdrawal, without a duration.
    assert (e.first_decision_on, e.settled_on, e.category, e.lead_days) == (None, date(2025, 4, 10), "withdrawn", None)
    # F: the decision period ran from the diploma's arrival (§ 6(3) s. 2 BQFG), not from the application.
    assert (f.documents_complete_on, f.lead_days, f.decision_days) == (date(2025, 3, 10), 58, 30)
    assert (f.training_country, f.nationality, f.reference_occupation) == ("Türkei", "Syrien", "Elektroniker/in")
    assert (h.settled_on, h.category) == (None, None)


def test_the_year_2025_for_the_ministry(year):
    (group,) = figures.groups(EVERYTHING, YEAR_2025, "procedure")
    assert group.key == "recognition-bqfg"
    # A, B, C, D, E, F settled in 2025 (G in 2026, H open); E without a decision.
    assert (group.settled, group.decided) == (6, 5)
    # lead times [30, 58, 60, 99, 120]: median 60, p90 at 3.6 = 99 + 0.6·21 = 111.6
    assert (group.lead_median, round(group.lead_p90, 1)) == (60, 111.6)
    # without suspension [30, 58, 60, 85, 120]: median 60, p90 = 85 + 0.6·35 = 106
    assert (group.lead_net_median, round(group.lead_net_p90, 1)) == (60, 106.0)
    # official measure [30, 30, 60, 99, 120]: median 60, average 339 / 5 = 67.8
    assert (group.decision_median, round(group.decision_average, 1)) == (60, 67.8)
    # in the legal period: A, B, C, F of 5; within 3 months: A, B, F of 5
    assert (group.in_deadline, group.in_deadline_of, group.three_months, group.three_months_of) == (4, 5, 3, 5)


def test_breakdowns_by_office_outcome_country_and_month(year):
    _, offices = year
    by_office = {group.key: group for group in figures.groups(EVERYTHING, YEAR_2025, "office")}
    ihk, hwk = by_office[str(offices["IHK"].id)], by_office[str(offices["HWK"].id)]
    # IHK: lead [30, 60, 99, 120]: median (60 + 99) / 2 = 79.5; p90 at 2.7 = 99 + 0.7·21 = 113.7
    assert (ihk.settled, ihk.decided, ihk.lead_median, round(ihk.lead_p90, 1)) == (5, 4, 79.5, 113.7)
    assert (hwk.settled, hwk.decided, hwk.lead_median, hwk.decision_median) == (1, 1, 58, 30)
    outcome = {group.key: group.settled for group in figures.groups(EVERYTHING, YEAR_2025, "outcome")}
    assert outcome == {"full_equivalence": 3, "partial_equivalence": 1, "negative": 1, "withdrawn": 1}
    country = {group.key: group.settled for group in figures.groups(EVERYTHING, YEAR_2025, "country")}
    assert country == {"Vietnam": 3, "Indien": 2, "Türkei": 1}
    nationality = {group.key: group.settled for group in figures.groups(EVERYTHING, YEAR_2025, "nationality")}
    assert nationality == {"Vietnam": 3, "Indien": 2, "Syrien": 1}
    month = {group.key: group.settled for group in figures.groups(EVERYTHING, YEAR_2025, "month")}
    assert month == {"2025-02": 1, "2025-03": 1, "2025-04": 2, "2025-05": 1, "2025-07": 1}
    occupation = {group.key: group.decided for group in figures.groups(EVERYTHING, YEAR_2025, "occupation")}
    assert occupation == {"Elektroniker/in": 3, "Mechatroniker/in": 2}


def test_a_team_leads_scope_holds_their_office_only(year):
    _, offices = year
    (group,) = figures.groups(Scope(offices=frozenset({offices["HWK"].id})), YEAR_2025, "procedure")
    assert (group.settled, group.lead_median) == (1, 58)
    # 2026 so far: G only (01.12.2025 to 15.01.2026: 45 days)
    (group,) = figures.groups(EVERYTHING, figures.Period(date(2026, 1, 1), date(2026, 3, 2)), "procedure")
    assert (group.settled, group.lead_median) == (1, 45)


def test_time_per_stage(year):
    stages = {(stage.procedure_id, stage.stage): stage for stage in figures.stages(EVERYTHING, YEAR_2025)}
    review = stages[("recognition-bqfg", "in_review")]
    # in review: A 30, B 60, C 14 and 78 (around its 7 days awaiting documents), D 120, E 31, F 30
    # sorted [14, 30, 30, 31, 60, 78, 120]: median 31, p90 at 5.4 = 78 + 0.4·42 = 94.8
    assert (review.spans, review.median, round(review.p90, 1)) == (7, 31, 94.8)
    # Without suspended time: C's pause (17.02. up to the deadline set, 03.03.) takes 7 days of its second stay
    # (24.02.–03.03.): [14, 30, 30, 31, 60, 71, 120]: median 31, p90 = 71 + 0.4·49 = 90.6
    assert (review.net_median, round(review.net_p90, 1)) == (31, 90.6)
    awaiting = stages[("recognition-bqfg", "review_awaiting_documents")]
    # C awaited the documents 17.02.–24.02.: 7 days, all of them inside the pause
    assert (awaiting.median, awaiting.net_median) == (7, 0)
    incomplete = stages[("recognition-bqfg", "incomplete")]
    # F: 10.02. to 10.03.; the decision period had not started, so nothing of it was suspended
    assert (incomplete.median, incomplete.net_median) == (28, 28)


def test_a_free_period_reads_whole_months_from_the_histogram_and_the_edges_from_the_stays(year):
    # 10.02. to 20.05.2025: whole months March and April from the histogram, the rest from the stays themselves.
    period = figures.Period(date(2025, 2, 10), date(2025, 5, 20))
    assert figures.whole_months(period) == (date(2025, 3, 1), date(2025, 4, 1))
    expected: dict[tuple[str, str], list[int]] = {}
    net_expected: dict[tuple[str, str], list[int]] = {}
    for span in db.session.scalars(select(StageSpan).where(StageSpan.left_on.between(period.start, period.end))):
        expected.setdefault((span.procedure_id, span.stage), []).append(span.days)
        net_expected.setdefault((span.procedure_id, span.stage), []).append(span.days - span.suspended_days)
    got = {(stage.procedure_id, stage.stage): stage for stage in figures.stages(EVERYTHING, period)}
    assert set(got) == set(expected)
    for key, values in expected.items():
        assert got[key].spans == len(values)
        assert (got[key].median, got[key].p90) == (figures.percentile(values, 0.5), figures.percentile(values, 0.9))
        net = net_expected[key]
        assert (got[key].net_median, got[key].net_p90) == (figures.percentile(net, 0.5), figures.percentile(net, 0.9))
    # in review, ended 10.02.–20.05.: A left 05.02. (outside), B 60, C 14 and 78, E 31, F 30
    assert sorted(expected[("recognition-bqfg", "in_review")]) == [14, 30, 31, 60, 78]


def test_open_warned_and_breached_today(year):
    _, offices = year
    clock.travel_to(date(2026, 3, 2))
    rows = {row.office_id: row for row in figures.snapshot(EVERYTHING, clock.today())}
    # H: open, its decision period ended 03.02.2026; W: open, warned on 24.02. of its end on 10.03.
    ihk = rows[offices["IHK"].id]
    assert (ihk.open, ihk.warned, ihk.breached) == (2, 1, 1)
    assert offices["HWK"].id not in rows


def test_the_rebuild_derives_what_the_verbs_kept(year):
    kept = {row.case_id: {column.key: getattr(row, column.key) for column in CaseFacts.__table__.columns}
            for row in db.session.scalars(select(CaseFacts))}
    spans = sorted((span.case_id, span.stage, span.entered_on, span.left_on, span.days, span.suspended_days)
                   for span in db.session.scalars(select(StageSpan)))
    histogram = histogram_rows()
    assert histogram == dict(histogram_of(db.session.scalars(select(StageSpan))))
    rebuild_batch(list(db.session.scalars(select(Case.id))))
    db.session.commit()
    db.session.expire_all()
    rebuilt = {row.case_id: {column.key: getattr(row, column.key) for column in CaseFacts.__table__.columns}
               for row in db.session.scalars(select(CaseFacts))}
    assert rebuilt == kept
    assert sorted((span.case_id, span.stage, span.entered_on, span.left_on, span.days, span.suspended_days)
                  for span in db.session.scalars(select(StageSpan))) == spans
    assert histogram_rows() == histogram


def histogram_rows() -> dict[tuple, int]:
    return {(row.month, row.office_id, row.procedure_id, row.stage, row.days, row.net_days): row.spans
            for row in db.session.scalars(select(StageMonth)) if row.spans}


def test_the_rebuild_command(year, runner):
    db.session.execute(CaseFacts.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "9 case(s) rebuilt" in result.output
    assert len(facts_by_received()) == 9


# --- the page and its exports ---------------------------------------------------------------------------------

YEAR_ARGS = "start=2025-01-01&end=2025-12-31"


def test_the_report_page_shows_the_year_with_charts_and_tables(year, people, client, login):
    login(people["admin"])
    response = client.get(f"/reports?{YEAR_ARGS}&by=outcome")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in page and 'role="img"' in page and "<desc" in page
    assert "111,6" in page and "67,8" in page and "80,0 %" in page
    assert "Volle Gleichwertigkeit" in page and "Teilweise Gleichwertigkeit" in page


def test_csv_export_of_a_table(year, people, client, login):
    login(people["admin"])
    response = client.get(f"/reports/summary.csv?{YEAR_ARGS}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Verfahren" and rows[0][1] == "Erledigt"
    # decimal commas, as a German spreadsheet reads them (a point made "12.5" the 12th of May)
    assert rows[1][1:] == ["6", "5", "60,0", "111,6", "60,0", "106,0", "60,0", "67,8", "80,0", "60,0"]


def test_the_stage_table_with_and_without_suspended_time_as_csv(year, people, client, login):
    login(people["admin"])
    response = client.get(f"/reports/stages.csv?{YEAR_ARGS}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][2:] == ["Abgeschlossene Abschnitte", "Median (Tage)", "90. Perzentil (Tage)",
                           "Ohne Hemmung, Median (Tage)", "Ohne Hemmung, 90. Perzentil (Tage)"]
    by_stage = {row[1]: row[2:] for row in rows[1:]}
    # worked out in test_time_per_stage: C's pause takes 7 days of its second review and all of its 7 days
    # awaiting the documents
    assert by_stage["Gleichwertigkeitsprüfung"] == ["7", "31,0", "94,8", "31,0", "90,6"]
    assert by_stage["Prüfung – Unterlagen nachgefordert (Frist gehemmt)"][1:] == ["7,0", "7,0", "0,0", "0,0"]


def test_xlsx_export_of_every_table(year, people, client, login):
    login(people["admin"])
    response = client.get(f"/reports/report.xlsx?{YEAR_ARGS}&by=office")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["summary", "breakdown", "stages", "open"]
    sheet = workbook["breakdown"]
    values = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["IHK Erfurt"][:4] == (5, 4, 79.5, 113.7)
    assert values["HWK Erfurt"][:3] == (1, 1, 58)


def test_a_period_that_ends_before_it_begins_is_refused_with_a_message(year, people, client, login):
    login(people["admin"])
    response = client.get("/reports?start=2025-12-31&end=2025-01-01")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Das Ende des Zeitraums liegt vor seinem Beginn." in page and 'value="2025-12-31"' in page
    assert client.get("/reports?start=kein-datum&end=2025-01-01").status_code == 422


def test_a_case_from_before_the_facts_gets_them_derived_at_its_next_step(app, make):
    """Cases opened before migration 0016 have no facts row until ``reports rebuild``; their next step derives it
    from their events instead of leaving them out."""
    from tests.timers import act, complete_documents

    office = make.office()
    clerk = make.user(office=office)
    case = make.case(office=office, actor=clerk, received_on=date(2026, 2, 2))
    complete_documents(case, clerk)
    db.session.execute(StageSpan.__table__.delete())
    db.session.execute(CaseFacts.__table__.delete())
    db.session.commit()
    act(case, "confirm_receipt_complete", clerk)
    facts = db.session.get(CaseFacts, case.id)
    assert (facts.received_on, facts.office_id, facts.settled_on) == (date(2026, 2, 2), office.id, None)
    stays = sorted((span.stage, span.left_on) for span in db.session.scalars(select(StageSpan)))
    assert stays == [("in_review", None), ("received", date(2026, 3, 2))]


def test_the_charts_say_their_figures_as_the_table_does_with_whole_labels(year, people, client, login):
    """The value beside a bar and the text alternative use the page's decimal comma, and the text alternative names
    each bar in full (the drawing may shorten a long label to fit)."""
    login(people["admin"])
    page = client.get(f"/reports?{YEAR_ARGS}&by=outcome").get_data(as_text=True)

    title = "Anerkennung eines ausländischen Berufsabschlusses (BQFG, nicht reglementierter Beruf)"
    described = re.findall(r"<desc [^>]*>(.*?)</desc>", page, re.S)
    captions = re.findall(r"<figcaption [^>]*>(.*?)</figcaption>", page, re.S)
    assert f"{title}: 60,0" in described[0] and f"Als Text: {title}: 60,0" in captions[0]
    assert "Gleichwertigkeitsprüfung: 31,0" in described[2] and "IHK Erfurt: 2" in described[3]
    assert not any("…" in text for text in [*described, *captions])
    values = re.findall(r'class="chart-value"[^>]*>([^<]*)</text>', page)
    assert values[:4] == ["60,0", "30,0", "120,0", "60,0"]


@pytest.mark.parametrize("language, expected", [("de", "68,5"), ("en", "68.5")])
def test_a_chart_value_is_written_in_the_page_s_language(app, language, expected):
    from flask_babel import force_locale

    from tracker.reports.charts import bar_chart, summary
    from tracker.reports.tables import Column, Table

    label = "Anerkennung eines ausländischen Berufsabschlusses"
    table = Table("t", "T", [Column("procedure", "Verfahren"), Column("median", "Median (Tage)", "days"),
                             Column("open", "Offen", "count")], [[label, 68.5, 1200]], chart_value=1)
    with app.test_request_context(), force_locale(language):
        chart = bar_chart(table)
        assert chart.bars[0].text == expected and summary(chart) == f"{label}: {expected}"
        table.chart_value = 2
        assert bar_chart(table).bars[0].text == "1200"  # a count as the table shows it


def test_a_report_plans_its_scans_at_postgresql_s_page_cost_and_then_returns_to_the_app_s(year, app):
    """The figures read a large share of the facts: their statement plans random reads at PostgreSQL's default cost
    (a year of cases is read through, not a page at a time in index order); the statements after it, and the
    connection back in the pool, keep the app's setting."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("random_page_cost is PostgreSQL's")
    configured = float(app.config["DATABASE_RANDOM_PAGE_COST"])
    seen = []

    def setting_at(connection, _cursor, statement, *_args):
        if "percentile_cont" in statement:
            seen.append(float(connection.exec_driver_sql("SHOW random_page_cost").scalar()))

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", setting_at)
    try:
        (group,) = figures.groups(EVERYTHING, YEAR_2025, "procedure")
    finally:
        event.remove(db.engine, "before_cursor_execute", setting_at)
    assert group.settled == 6
    assert seen == [4.0]
    assert float(db.session.scalar(text("SHOW random_page_cost"))) == configured  # the snapshot's joins, say
    db.session.commit()
    assert float(db.session.scalar(text("SHOW random_page_cost"))) == configured


def test_the_month_breakdown_runs_through_the_months_in_order_and_names_them(year, people, client, login):
    """Browser review: the months came largest first (April before February) and as "2025-04" on the page."""
    login(people["admin"])
    response = client.get(f"/reports/breakdown.csv?{YEAR_ARGS}&by=month")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["Februar 2025", "März 2025", "April 2025", "Mai 2025", "Juli 2025"]
    assert rows[3][1] == "2"  # April: two cases settled
    people["admin"].locale = "en"
    db.session.commit()
    page = client.get(f"/reports?{YEAR_ARGS}&by=month").get_data(as_text=True)
    months = [page.index(month) for month in ("February 2025", "March 2025", "April 2025", "May 2025", "July 2025")]
    assert months == sorted(months) and "2025-04" not in page
