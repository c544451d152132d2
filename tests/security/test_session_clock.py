"""The session clock (WCAG 2.2.1): every page of a session says how long it has left, "stay logged in" renews the
idle time (with the CSRF token, never the longest life), and a session that ended leads back to the page it ended
on. The browser side (warning, renewal, what was typed kept and put back) is in tests/e2e/test_session_clock.py."""
from __future__ import annotations

import re
import time

import pytest

from tests.security.test_sessions import PASSWORD, csrf_token, idle_past_the_end

CLOCK = re.compile(r'<dialog id="session-clock"(?P<attributes>[^>]*)>', re.S)


def clock_of(response) -> dict[str, str] | None:
    found = CLOCK.search(response.get_data(as_text=True))
    if found is None:
        return None
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', found.group("attributes")))


@pytest.fixture
def staff(make):
    return make.user(office=make.office())


@pytest.fixture
def csrf_app(base_app):
    base_app.config["WTF_CSRF_ENABLED"] = True
    yield base_app
    base_app.config["WTF_CSRF_ENABLED"] = False


def test_a_page_tells_how_long_the_session_has_left(app, client, login, staff):
    login(staff)
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 600  # ten minutes without a request
        session["login_at"] = int(time.time()) - 3600

    clock = clock_of(client.get("/cases?mine=1"))

    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    assert clock["kind"] == "staff" and int(clock["idle"]) == idle
    # The page's own request renewed it: the full idle time is left again (up to the cookie's 30 s resolution).
    assert idle - 31 <= int(clock["idle-left"]) <= idle
    assert abs(int(clock["hard-left"]) - (app.config["SESSION_MAX_HOURS"] * 3600 - 3600)) <= 2
    assert clock["page"] == "/cases?mine=1"  # where what was typed is put back: this page, with its query
    assert clock["owner"] == f"user:{staff.id}"


def test_pages_without_a_session_carry_no_clock(client):
    assert clock_of(client.get("/login")) is None
    assert clock_of(client.get("/status")) is None


def test_stay_logged_in_renews_the_idle_time_but_not_the_longest_life(csrf_app, client, staff):
    token = csrf_token(client.get("/login"))
    client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    token = csrf_token(client.get("/cases/new"))
    login_at = int(time.time()) - 7200
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - csrf_app.config["SESSION_IDLE_MINUTES"] * 60 + 20  # 20 s left
        session["login_at"] = login_at

    response = client.post("/session/renew", headers={"X-CSRFToken": token})

    assert response.status_code == 200 and response.json["idle_left"] == csrf_app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        assert session["seen_at"] >= int(time.time()) - 1
        assert session["login_at"] == login_at


def test_renewing_needs_the_csrf_token(csrf_app, client, staff):
    token = csrf_token(client.get("/login"))
    client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    seen_at = int(time.time()) - 600
    with client.session_transaction() as session:
        session["seen_at"] = seen_at

    assert client.post("/session/renew").status_code == 400
    with client.session_transaction() as session:
        assert session["seen_at"] == seen_at  # refused before anything else: no renewal


def test_a_session_that_ended_is_not_renewed(app, client, login, staff):
    login(staff)
    idle_past_the_end(app, client)

    response = client.post("/session/renew")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/cases").status_code == 302


def test_after_the_end_the_login_leads_back_to_the_page_with_its_query(app, client, login, staff):
    login(staff)
    idle_past_the_end(app, client)

    ended = client.get("/cases?mine=1&sort=due")
    assert ended.status_code == 302
    login_page = ended.headers["Location"]
    assert "next=/cases?mine%3D1%26sort%3Ddue" in login_page or "next=%2Fcases%3Fmine%3D1%26sort%3Ddue" in login_page

    response = client.post(login_page, data={"email": staff.email, "password": PASSWORD})

    assert response.status_code == 302 and response.headers["Location"].endswith("/cases?mine=1&sort=due")


def test_a_form_sent_after_the_end_leads_back_to_the_page_it_was_sent_from(app, client, login, staff, make):
    case = make.case(office=staff.office)
    login(staff)
    idle_past_the_end(app, client)

    response = client.post(f"/cases/{case.id}/notes", data={"body": "typed"},
                           headers={"Referer": f"http://tracker.test/cases/{case.id}"})

    assert response.status_code == 302
    assert f"next=/cases/{case.id}" in response.headers["Location"] or \
        f"next=%2Fcases%2F{case.id}" in response.headers["Location"]


def test_the_login_page_of_a_logged_in_user_leads_on_to_next(client, login, staff):
    login(staff)

    response = client.get("/login?next=/cases/new")

    assert response.status_code == 302 and response.headers["Location"].endswith("/cases/new")
