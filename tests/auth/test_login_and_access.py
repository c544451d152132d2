"""Login, deny by default, object-level access on every case route, CSRF and the login redirect."""
from __future__ import annotations

import re
from datetime import date

import pytest
from werkzeug.security import check_password_hash

from tracker import create_app
from tracker.audit.models import Event
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.models import Case, Note
from tracker.extensions import db
from tracker.letters.models import LetterRecord
from tracker.timers.models import Timer

#: The only endpoints reachable without login. Anything added to this list must be meant for the public.
PUBLIC_ENDPOINTS = {"auth.login", "auth.second_factor", "auth.set_language", "static",
                    "invitation.accept",  # the one-time link that sets an invited user's first password
                    # the applicant's status page: no account, reference and access code or the signed link; sending
                    # documents and messages from it needs the applicant's session (tests/applicant/test_sending.py)
                    "applicant.status", "applicant.link", "applicant.leave", "applicant.left", "applicant.upload",
                    "applicant.message",
                    # renews the applicant's session, 401 without one (tests/applicant/test_session_clock.py)
                    "applicant.renew",
                    # probes and metrics (tracker/operations): no account; /metrics has its own host/token check
                    "operations_health.healthz", "operations_health.readyz", "operations_metrics.metrics",
                    # the public statistics page: anonymised aggregates, no figure under 10 cases (issue 11)
                    "reports.public_statistics",
                    # the API's OpenAPI document and reference page: documentation, no data
                    "api.openapi", "api.docs"}
GENERIC_LOGIN_ERROR = "E-Mail-Adresse oder Passwort ist falsch."


def login_error(response) -> str:
    return re.search(r'<p class="error-message" id="password-error">([^<]*)</p>',
                     response.get_data(as_text=True)).group(1).strip()


# --- login ------------------------------------------------------------------------------------------------

def test_wrong_email_and_wrong_password_get_the_same_message(client, make):
    user = make.user()

    wrong_email = client.post("/login", data={"email": "nobody@example.org", "password": "correct horse battery"})
    wrong_password = client.post("/login", data={"email": user.email, "password": "incorrect horse"})

    assert wrong_email.status_code == wrong_password.status_code == 422
    assert login_error(wrong_email) == login_error(wrong_password) == GENERIC_LOGIN_ERROR
    assert 'id="email-error"' not in wrong_email.get_data(as_text=True)  # nothing hints at the address
    assert client.get("/cases").status_code == 302  # still not logged in


def test_an_inactive_account_cannot_log_in_and_is_not_told_apart(client, make):
    user = make.user()
    user.active = False
    db.session.commit()

    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})

    assert response.status_code == 422
    assert login_error(response) == GENERIC_LOGIN_ERROR


def test_the_email_is_matched_without_regard_to_case(client, make):
    user = make.user()

    response = client.post("/login", data={"email": user.email.upper(), "password": "correct horse battery"})

    assert response.status_code == 302


def test_passwords_are_stored_hashed(client, make):
    user = make.user()
    user.set_password("Tr0ub4dor&3 lange Passphrase")
    db.session.commit()

    stored = db.session.execute(db.select(User.password_hash).where(User.id == user.id)).scalar_one()
    assert "Tr0ub4dor" not in stored
    assert stored.split(":")[0] in ("scrypt", "pbkdf2")
    assert check_password_hash(stored, "Tr0ub4dor&3 lange Passphrase")
    assert client.post("/login", data={"email": user.email, "password": "Tr0ub4dor&3 lange Passphrase"}
                       ).status_code == 302


def test_logout_ends_the_session(client, login, make):
    login(make.user(office=make.office()))
    assert client.get("/cases").status_code == 200

    client.post("/logout")

    assert client.get("/cases").status_code == 302


# --- deny by default --------------------------------------------------------------------------------------

def _every_route(app):
    for rule in app.url_map.iter_rules():
        url = rule.build({name: "1" for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, url


def test_every_view_needs_login_unless_it_is_explicitly_public(app, client, make):
    make.case()  # case 1 exists, so a route that forgot its login check would show something
    protected = [(endpoint, method, url) for endpoint, method, url in _every_route(app)
                 if endpoint not in PUBLIC_ENDPOINTS]
    assert len({endpoint for endpoint, _, _ in protected}) >= 12  # the map was really read

    for endpoint, method, url in protected:
        response = client.open(url, method=method)
        if endpoint.startswith("api."):  # the API's own guard: a token, never a login page (tests/api)
            assert (response.status_code, response.mimetype) == (401, "application/problem+json"), endpoint
            continue
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.location.startswith("/login"), (endpoint, method, response.location)


def test_the_public_pages_answer_without_login(client):
    assert client.get("/login").status_code == 200
    assert client.post("/language", data={"lang": "en"}).status_code == 302
    assert client.get("/static/app.css").status_code == 200


# --- object-level access ----------------------------------------------------------------------------------

ROUTE_VALUES = {"transition_id": "confirm_receipt_incomplete", "document_id": "passport", "action": "pause",
                "kind": "receipt", "authorisation_id": 1, "upload_id": 1}


def _case_routes(app, case):
    """Every route about one case, with real values: a new route is checked without touching this test."""
    timer = db.session.query(Timer).filter_by(case_id=case.id).first()
    for rule in app.url_map.iter_rules():
        if "case_id" not in rule.arguments:
            continue
        letter = db.session.query(LetterRecord).filter_by(case_id=case.id).first()
        values = {"case_id": case.id, "timer_pk": timer.id, "letter_id": letter.id if letter else 1, **ROUTE_VALUES}
        missing = rule.arguments - values.keys()
        assert not missing, f"{rule.endpoint}: give this test a value for {missing}"
        url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, url


POST_DATA = {"documents": ["passport"], "status": "accepted", "assignee": "0", "body": "Hallo", "reason": "weil",
             "date": "2026-03-02"}


@pytest.fixture
def two_employers(make):
    office = make.office()
    clerk = make.user(office=office)
    ours, theirs = make.employer(name="Unsere GmbH"), make.employer(name="Fremde GmbH")
    own_case = make.case(office=office, actor=clerk, employer=ours)
    other_case = make.case(office=office, actor=clerk, employer=theirs, received_on=date(2026, 2, 27))
    service.apply_transition(other_case, "confirm_receipt_incomplete", clerk, {"documents": "diploma"})
    db.session.commit()  # the other employer's case now has a letter too
    make.authorisation(own_case, actor=clerk)
    make.authorisation(other_case, actor=clerk)
    return ours, own_case, other_case


def _snapshot(case_id):
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return (case.version, case.state, case.assignee_id, db.session.query(Event).filter_by(case_id=case_id).count(),
            db.session.query(Note).filter_by(case_id=case_id).count())


def test_an_employer_never_reaches_another_employer_s_case(app, client, login, make, two_employers):
    ours, own_case, other_case = two_employers
    login(make.user(role="employer", employer=ours))
    before = _snapshot(other_case.id)
    checked = 0

    for endpoint, method, url in _case_routes(app, other_case):
        if endpoint.startswith("api."):
            continue  # a session opens nothing on the API; its tokens are checked per role in tests/api
        response = client.open(url, method=method, data=dict(POST_DATA, version=other_case.version))
        unknown = client.open(url.replace(f"/cases/{other_case.id}", "/cases/999999", 1), method=method,
                              data=dict(POST_DATA, version=other_case.version))
        if method == "GET":
            assert response.status_code == 404, (endpoint, response.status_code)
        else:
            assert response.status_code in (403, 404), (endpoint, response.status_code)
        # Exactly what a case that does not exist gets: the answer does not confirm the case is there.
        assert response.status_code == unknown.status_code, endpoint
        assert other_case.reference not in response.get_data(as_text=True)
        checked += 1

    assert checked >= 8
    assert _snapshot(other_case.id) == before
    # Its own case opens in the portal.
    assert client.get(f"/cases/{own_case.id}").location == f"/portal/cases/{own_case.id}"
    assert client.get(f"/portal/cases/{own_case.id}").status_code == 200


def test_an_employer_does_not_find_other_employers_cases_in_any_list(client, login, make, two_employers):
    ours, own_case, other_case = two_employers
    login(make.user(role="employer", employer=ours))

    assert client.get("/cases").location == "/"  # the work queue is for authority staff: to the own home
    assert client.get("/", follow_redirects=True).request.path == "/portal"
    assert client.get("/team").status_code == 403


def test_an_advisor_sees_the_cases_of_the_employers_that_granted_access_only(client, login, make, two_employers):
    ours, own_case, other_case = two_employers
    advisor = make.user(role="advisor", name="Beraterin")
    make.grant(ours, advisor)
    login(advisor)

    own_file = client.get(f"/cases/{own_case.id}")  # the clerks' case file sends the advisor to the portal's page
    assert own_file.status_code == 302 and own_file.location == f"/portal/cases/{own_case.id}"
    assert client.get(own_file.location).status_code == 200
    assert client.get(f"/cases/{other_case.id}").status_code == 404
    assert client.get(f"/cases/{other_case.id}/letters/receipt").status_code == 404
    before = _snapshot(own_case.id)
    response = client.post(f"/cases/{own_case.id}/transitions/withdraw",
                           data={"date": "2026-03-02", "version": own_case.version})
    assert response.status_code == 403  # advisors accompany; they do not act
    assert _snapshot(own_case.id) == before


def test_a_clerk_does_not_reach_another_office_s_case(client, login, make):
    clerk = make.user(office=make.office())
    foreign = make.case()
    login(clerk)

    assert client.get(f"/cases/{foreign.id}").status_code == 404
    response = client.post(f"/cases/{foreign.id}/transitions/withdraw",
                           data={"date": "2026-03-02", "version": foreign.version})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, foreign.id).state == "received"


# --- CSRF -------------------------------------------------------------------------------------------------

@pytest.fixture
def csrf_client(app):
    """A second app on the same database with CSRF protection on, as in production."""
    protected = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": True, "REDIS_URL": None, "SECRET_KEY": "test-secret", "SERVER_NAME": "tracker.test",
    })
    yield protected.test_client()
    with protected.app_context():
        db.session.remove()
        db.engine.dispose()


def csrf_token(response) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_form_without_csrf_token_is_rejected(csrf_client, make):
    office = make.office()
    clerk = make.user(office=office)
    case = make.case(office=office, actor=clerk)  # commits

    assert csrf_client.post("/login", data={"email": clerk.email, "password": "correct horse battery"}
                            ).status_code == 400
    token = csrf_token(csrf_client.get("/login"))
    assert csrf_client.post("/login", data={"email": clerk.email, "password": "correct horse battery",
                                            "csrf_token": token}).status_code == 302

    forged = csrf_client.post(f"/cases/{case.id}/notes", data={"body": "von einer fremden Seite"})
    assert forged.status_code == 400
    assert "Formular abgelaufen" in forged.get_data(as_text=True)
    assert csrf_client.post("/logout").status_code == 400

    page = csrf_client.get(f"/cases/{case.id}")
    genuine = csrf_client.post(f"/cases/{case.id}/notes", data={"body": "echt", "csrf_token": csrf_token(page)})
    assert genuine.status_code == 302
    db.session.expire_all()
    assert [note.body for note in db.session.query(Note).all()] == ["echt"]


# --- the login redirect -----------------------------------------------------------------------------------

def test_login_returns_to_the_page_asked_for(client, make):
    clerk = make.user(office=make.office())

    asked = client.get("/cases?state=incomplete")
    assert asked.status_code == 302 and asked.location.startswith("/login?next=")

    response = client.post(asked.location, data={"email": clerk.email, "password": "correct horse battery"})

    assert response.location == "/cases?state=incomplete"


@pytest.mark.parametrize("target", [
    "https://evil.example/cases", "//evil.example/cases", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "https:evil.example", "javascript:alert(1)",
])
def test_login_never_redirects_to_another_site(client, make, target):
    clerk = make.user(office=make.office())

    response = client.post("/login", query_string={"next": target},
                           data={"email": clerk.email, "password": "correct horse battery"})

    assert response.status_code == 302
    assert response.location == "/"  # every role's own home (clerks: on to the work queue)
