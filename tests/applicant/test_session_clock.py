"""The status page's session clock (WCAG 2.2.1): the page says how long the applicant's session has left, "stay on
the page" renews its idle minutes (never the two hours since entry), and an ended session renews nothing."""
from __future__ import annotations

from tests.applicant.conftest import enter, issue
from tests.security.test_session_clock import clock_of
from tracker import clock
from tracker.applicant import session as applicant_session


def test_the_status_page_carries_the_applicants_clock_not_a_staff_one(client, app, case, clerk, login):
    login(clerk)  # a clerk logged in in the same browser: the status page's session is the applicant's
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    clock.advance(minutes=5)

    page_clock = clock_of(client.get("/status"))

    idle = app.config["STATUS_SESSION_MINUTES"] * 60
    assert page_clock["kind"] == "applicant" and int(page_clock["idle"]) == idle
    assert int(page_clock["hard-left"]) == applicant_session.MAX_MINUTES * 60 - 300
    assert page_clock["page"] == "/status" and page_clock["renew-url"] == "/status/renew"
    assert page_clock["owner"] == f"applicant:{case.id}"
    assert clock_of(client.get("/cases"))["kind"] == "staff"  # the clerk's own pages keep the clerk's clock


def test_staying_renews_the_idle_minutes(client, app, case, clerk):
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    idle = app.config["STATUS_SESSION_MINUTES"]
    clock.advance(minutes=idle - 1)

    response = client.post("/status/renew")
    clock.advance(minutes=idle - 1)  # 2 × (idle − 1) since the last page: alive only through the renewal

    assert response.status_code == 200 and response.json["idle_left"] == idle * 60
    assert "so steht Ihr Verfahren" in client.get("/status").get_data(as_text=True)


def test_staying_never_outlasts_two_hours_after_entry(client, app, case, clerk):
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    step_minutes = app.config["STATUS_SESSION_MINUTES"] - 1
    for _ in range(applicant_session.MAX_MINUTES // step_minutes):
        clock.advance(minutes=step_minutes)
        assert client.post("/status/renew").status_code == 200
    clock.advance(minutes=step_minutes)

    assert client.post("/status/renew").status_code == 401
    assert "so steht Ihr Verfahren" not in client.get("/status").get_data(as_text=True)


def test_an_ended_session_is_not_renewed(client, app, case, clerk):
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    clock.advance(minutes=app.config["STATUS_SESSION_MINUTES"] + 1)

    response = client.post("/status/renew")

    assert response.status_code == 401 and response.json == {"ended": True}
    assert client.post("/status/renew").status_code == 401
