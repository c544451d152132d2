"""Who may read which office's report: team leads their own office, the ministry (admins) every office; clerks,
employers and advisors none. An office outside one's scope answers 404, as a case would."""
from __future__ import annotations

YEAR_ARGS = "start=2025-01-01&end=2025-12-31"


def test_a_team_lead_sees_their_own_office_only(year, people, client, login):
    _, offices = year
    login(people["lead_hwk"])
    page = client.get(f"/reports?{YEAR_ARGS}&by=office").get_data(as_text=True)
    assert "HWK Erfurt" in page and "IHK Erfurt" not in page
    # the office filter offers their office only, and another office's id is not theirs to ask about
    assert client.get(f"/reports?{YEAR_ARGS}&office={offices['IHK'].id}").status_code == 404
    assert client.get(f"/reports/summary.csv?{YEAR_ARGS}&office={offices['IHK'].id}").status_code == 404
    rows = client.get(f"/reports/breakdown.csv?{YEAR_ARGS}&by=office").get_data(as_text=True)
    assert "HWK Erfurt" in rows and "IHK Erfurt" not in rows


def test_the_ministry_sees_every_office_and_may_narrow_to_one(year, people, client, login):
    _, offices = year
    login(people["admin"])
    page = client.get(f"/reports?{YEAR_ARGS}&by=office").get_data(as_text=True)
    assert "HWK Erfurt" in page and "IHK Erfurt" in page
    narrowed = client.get(f"/reports/breakdown.csv?{YEAR_ARGS}&by=office&office={offices['IHK'].id}")
    assert "IHK Erfurt" in narrowed.get_data(as_text=True)
    assert "HWK Erfurt" not in narrowed.get_data(as_text=True)


def test_clerks_employers_and_advisors_may_not_read_reports(year, people, client, login, make):
    for user in (people["clerk_ihk"], make.user(role="employer", office=None, employer=make.employer()),
                 make.user(role="advisor", office=None)):
        login(user)
        assert client.get(f"/reports?{YEAR_ARGS}").status_code == 403
        assert client.get(f"/reports/summary.csv?{YEAR_ARGS}").status_code == 403
        client.post("/logout")


def test_reports_need_a_login(year, client):
    response = client.get(f"/reports?{YEAR_ARGS}")
    assert response.status_code in (302, 401)


def test_an_address_changed_by_hand_is_answered_in_words_on_the_page(year, people, client, login):
    login(people["admin"])
    page = client.get(f"/reports?{YEAR_ARGS}&office=abc&by=bogus").get_data(as_text=True)
    assert "Bitte wählen Sie eine Behörde aus der Liste." in page
    assert "Bitte wählen Sie eine Aufschlüsselung aus der Liste." in page
    assert "Konnte nicht umwandeln" not in page and "Invalid Choice" not in page
    # A table's download with a period that is none leads to the page that says so, not to a "not found".
    response = client.get("/reports/breakdown.csv?start=2025-12-31&end=2025-01-01")
    assert response.status_code == 303
    assert "Das Ende des Zeitraums liegt vor seinem Beginn." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    client.post("/language", data={"lang": "en"})
    english = client.get(f"/reports?{YEAR_ARGS}&office=abc").get_data(as_text=True)
    assert "Please choose an office from the list." in english
