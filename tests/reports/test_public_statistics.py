"""The public statistics page: no login, German and English, and no figure resting on fewer than 10 cases — not
even one that could be worked out from the total of its procedure (secondary suppression)."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import update

from tracker.cases.facts import CaseFacts
from tracker.extensions import db
from tracker.reports.figures import Group
from tracker.reports.statistics import line, protect

ROW = re.compile(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", re.S)


def rows(page: str) -> dict[str, tuple[str, str, str]]:
    return {label.strip(): tuple(value.strip() for value in values) for label, *values in ROW.findall(page)}


def decided_cases(make, office, count: int, days: int, in_deadline: bool = True) -> None:
    """``count`` cases of ``office`` decided on 15.01.2026, ``days`` after complete documents."""
    ids = [make.case(office=office, received_on=date(2025, 9, 1), commit=False).id for _ in range(count)]
    db.session.execute(update(CaseFacts).where(CaseFacts.case_id.in_(ids)).values(
        first_decision_on=date(2026, 1, 15), settled_on=date(2026, 1, 15), category="full_equivalence",
        documents_complete_on=date(2025, 9, 1), decision_days=days, lead_days=days, in_deadline=in_deadline,
        within_three_months=in_deadline))
    db.session.commit()


def test_small_offices_are_suppressed_and_cannot_be_worked_out_from_the_total(app, make, client):
    small, medium, large = (make.office(name=name) for name in ("Stelle Klein", "Stelle Mittel", "Stelle Groß"))
    decided_cases(make, small, 3, 40)
    decided_cases(make, medium, 12, 50)
    decided_cases(make, large, 15, 60, in_deadline=False)

    response = client.get("/statistics")  # no login
    assert response.status_code == 200
    table = rows(response.get_data(as_text=True))
    assert table["Stelle Klein"] == ("unter 10", "unter 10", "unter 10")
    # 12 would give away the small office's 3 (30 − 12 − 15): hidden too
    assert table["Stelle Mittel"] == ("ausgeblendet", "ausgeblendet", "ausgeblendet")
    assert table["Stelle Groß"] == ("15", "60,0", "0,0")  # in the page's language
    english = rows(client.get("/statistics", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert english["Stelle Groß"] == ("15", "60.0", "0.0")
    assert table["Alle Behörden"][0] == "30"
    for label, (count, _median, _share) in table.items():
        assert not count.isdigit() or int(count) >= 10, (label, count)


def test_the_hand_computed_year_is_all_under_ten(year, client):
    page = client.get("/statistics?year=2025").get_data(as_text=True)
    table = rows(page)
    assert table["IHK Erfurt"][0] == "unter 10" and table["HWK Erfurt"][0] == "unter 10"
    assert table["Alle Behörden"][0] in ("unter 10", "ausgeblendet")
    assert "Zum Schutz der Antragstellenden" in page


def test_the_page_speaks_english(year, client):
    page = client.get("/statistics?year=2025", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in page and "How long do the procedures take?" in page and "under 10" in page


def test_a_bad_year_falls_back_to_the_last_twelve_months(year, client):
    response = client.get("/statistics?year=1800x")
    assert response.status_code == 200
    assert "Letzte 12 Monate" in response.get_data(as_text=True)


def test_one_office_alone_under_ten_hides_the_total_too():
    lines = [line("Stelle", Group("x", settled=4, decided=4, timed=4, decision_median=20.0)),
             line("", Group("t", settled=4, decided=4, timed=4, decision_median=20.0), is_total=True)]
    protect(lines)
    assert all(figure.value is None for item in lines for figure in (item.decided, item.median, item.in_deadline))
