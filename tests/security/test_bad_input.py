"""Malformed input never gives a 500: ids out of range, forged cursors, broken versions, control characters and
implausible dates are refused at the edge (404, 400 or 422 with the form re-shown) and change nothing."""
from __future__ import annotations

import base64

import pytest

from tracker.cases.models import Case, Note
from tracker.extensions import db
from tracker.timers.models import Timer

HUGE = "99999999999999999999"


@pytest.fixture
def clerk(make, login):
    office = make.office()
    return login(make.user(office=office))


@pytest.fixture
def case(make, clerk):
    return make.case(office=clerk.office, actor=clerk)


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("url", [
    f"/cases/{HUGE}", f"/cases/{HUGE}/letters/receipt", f"/cases/{HUGE}/letters/receipt.pdf",
    "/cases/2147483648", "/cases/0",
])
def test_an_id_out_of_range_in_the_url_is_not_found(client, case, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("query", [
    f"office={HUGE}", f"assignee={HUGE}", f"size={HUGE}", "size=-5", "size=abc", "office=²",
    "after=" + cursor("[true,null,1e400]"), "after=" + cursor(f"[false,null,{HUGE}]"),
    "after=" + cursor('[false,"0001-01-01",1]'), "after=" + cursor('[1,"2026-13-45",1]'),
    "after=" + cursor('"just a string"'), "after=" + cursor("[" * 5000), "after=%%%", "after=" + cursor("[[],{},[]]"),
])
def test_a_malformed_query_shows_the_queue(client, case, query):
    response = client.get(f"/cases?{query}")
    assert response.status_code == 200, query


@pytest.mark.parametrize("query", ["q=a%00b", "state=%00", "procedure=x%01"])
def test_control_characters_in_the_query_are_refused(client, case, query):
    assert client.get(f"/cases?{query}").status_code == 400


def test_an_id_out_of_range_in_a_form_is_refused(client, case, clerk):
    response = client.post("/cases/assign", data={"case_ids": [HUGE], "assignee": str(clerk.id)})
    assert response.status_code == 302  # back to the queue with a message
    assert client.post(f"/cases/{case.id}/assign", data={"assignee": HUGE, "version": str(case.version)}
                       ).status_code == 422


@pytest.mark.parametrize("version", ["abc", "", None, HUGE, "-1", "1.5"])
def test_a_transition_without_a_valid_version_is_refused_and_nothing_applied(client, case, version):
    data = {"effective_on": "2026-03-02"}
    if version is not None:
        data["version"] = version

    response = client.post(f"/cases/{case.id}/transitions/withdraw", data=data)

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Das Formular ist unvollständig oder beschädigt; es wurde nichts geändert." in text
    assert 'value="2026-03-02"' in text  # the form is shown again as typed
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "received"


@pytest.mark.parametrize("path,data", [
    ("notes", {"body": "Rückruf\x00vereinbart"}),
    ("transitions/withdraw", {"effective_on": "2026-03-02\x00", "version": "VERSION"}),
    ("timers/TIMER/pause", {"reason": "weil\x00", "version": "VERSION"}),
    ("documents/passport", {"status": "rejected", "reason": "unleserlich\x07", "version": "VERSION"}),
    # A right-to-left override draws what follows backwards ("Trojan Source"): a note could show another text.
    ("notes", {"body": "Frist \u202etsiebegnelrev"}),
    ("documents/passport", {"status": "rejected", "reason": "\u2066unleserlich\u2069", "version": "VERSION"}),
])
def test_control_characters_in_a_form_are_refused_with_a_message(client, case, path, data):
    timer = db.session.query(Timer).filter_by(case_id=case.id).first()
    path = path.replace("TIMER", str(timer.id))
    data = {key: value.replace("VERSION", str(case.version)) for key, value in data.items()}
    version = case.version

    response = client.post(f"/cases/{case.id}/{path}", data=data)

    assert response.status_code == 422
    if "timers" not in path:  # this case's timer offers no pause form to show the message in
        assert "unzulässige Steuerzeichen" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Note).count() == 0
    assert db.session.get(Case, case.id).version == version


def new_case_form(clerk, **changes):
    data = {"procedure": "recognition-bqfg", "office": str(clerk.office_id), "received_on": "2026-02-27",
            "given_names": "Thi Anh", "family_name": "Tran", "date_of_birth": "1995-04-12", "nationality": "Vietnam",
            "preferred_language": "en", "profession": "Bachelor of Nursing (Vietnam)",
            "reference_occupation": "Pflegefachfrau", "training_country": "Vietnam", "employer": "0",
            "street": "15 Phố Huế", "postcode": "100000", "city": "Hà Nội", "country": "Vietnam"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes", [
    {"received_on": "0001-01-01"}, {"received_on": "1949-12-31"}, {"date_of_birth": "0001-01-01"},
    {"date_of_birth": "1899-12-31"}, {"family_name": "Tran\x00"}, {"office": HUGE}, {"employer": HUGE},
    {"received_on": "99999-01-01"},
])
def test_new_case_refuses_implausible_input_and_keeps_the_form(client, clerk, changes):
    response = client.post("/cases/new", data=new_case_form(clerk, **changes))

    assert response.status_code == 422, changes
    assert "Thi Anh" in response.get_data(as_text=True)
    assert db.session.query(Case).count() == 0


def test_a_plausible_receipt_date_is_accepted(client, clerk):
    assert client.post("/cases/new", data=new_case_form(clerk, received_on="1950-01-01")).status_code == 302


def test_a_transition_date_far_in_the_past_is_refused(client, case):
    response = client.post(f"/cases/{case.id}/transitions/withdraw",
                           data={"effective_on": "0001-01-01", "version": str(case.version)})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "received"


def test_a_checklist_item_altered_by_hand_is_named_in_the_user_s_words(client, case):
    response = client.post(f"/cases/{case.id}/transitions/confirm_receipt_incomplete",
                           data={"documents": ["diploma", "bogus"], "version": str(case.version)})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte wählen Sie nur Einträge aus der Liste." in page
    assert "not a valid choice" not in page
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "received"


@pytest.mark.parametrize("path", ["/logout", "/status/leave"])
def test_an_address_for_forms_only_opened_as_a_page_gets_the_apps_page_in_the_users_language(client, path):
    response = client.get(path)
    assert response.status_code == 405 and response.headers["Allow"]
    page = response.get_data(as_text=True)
    assert "<h1>Diese Adresse ist kein Seitenaufruf</h1>" in page and 'lang="de"' in page
    assert "Method Not Allowed" not in page

    english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This address only accepts a submitted form." in english


@pytest.mark.parametrize("body", ['{"body": "x"', "[1, 2]", "42", '{"body": {"nested": [1]}}', '{"body": null}'])
@pytest.mark.parametrize("route", ["notes", "new", "login", "language"])
def test_a_json_body_sent_to_a_form_is_an_empty_form_never_a_500(app, client, case, body, route):
    # Flask-WTF reads JSON bodies into forms; web forms take form data only (and the CSRF token lives there).
    url = {"notes": f"/cases/{case.id}/notes", "new": "/cases/new", "login": "/login", "language": "/language"}[route]
    notes = db.session.query(Note).count()

    response = client.post(url, data=body, content_type="application/json")

    assert response.status_code in (302, 422), response.status_code
    assert db.session.query(Note).count() == notes


def test_a_malformed_json_body_with_csrf_on_gets_the_expired_form_page(app, client, case):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/cases/{case.id}/notes", data='{"body": ', content_type="application/json")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "Formular abgelaufen" in response.get_data(as_text=True)
