"""The API as a partner system uses it: a personal token, the one access rule, the same service verb as the case
file, optimistic concurrency through ETag/If-Match, keyset pages, and every error as application/problem+json."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.api.conftest import bearer
from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import case_events
from tracker.auth import tokens
from tracker.cases import service
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.registry import workflow_of
from tracker.timers.models import Timer

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# --- tokens -------------------------------------------------------------------------------------------------

def test_a_token_reads_the_cases_of_its_owner(client, make, clerk, office, token_for):
    case = make.case(office=office, actor=clerk)
    response = client.get("/api/v1/cases", headers=bearer(token_for(clerk, "read")))

    assert response.status_code == 200
    assert [item["reference"] for item in response.get_json()["items"]] == [case.reference]
    assert response.get_json()["next"] is None


def test_the_token_is_stored_only_as_its_hash(app, clerk, token_for):
    token = token_for(clerk)

    row = db.session.scalar(select(tokens.ApiToken))
    assert token.startswith("trk_") and len(token) > 40
    assert row.token_hash == tokens.digest(token) and token not in (row.token_hash, row.name, row.scopes)


def test_a_read_token_cannot_take_a_step(client, make, clerk, office, token_for):
    case = make.case(office=office, actor=clerk)
    response = client.post(f"/api/v1/cases/{case.id}/transitions", json={"transition": "confirm_receipt_incomplete"},
                           headers=bearer(token_for(clerk, "read"), **{"If-Match": f'"{case.version}"'}))

    assert_problem(response, 403)
    db.session.refresh(case)
    assert case.state == "received"


def test_a_write_only_token_cannot_read(client, make, clerk, office, token_for):
    case = make.case(office=office, actor=clerk)
    assert_problem(client.get(f"/api/v1/cases/{case.id}", headers=bearer(token_for(clerk, "write"))), 403)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer trk_not-a-token"}, {"Authorization": "Basic eDp5"}])
def test_without_a_valid_token_the_answer_is_401(client, headers):
    response = client.get("/api/v1/cases", headers=headers)

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused(client, clerk, token_for):
    token = token_for(clerk, days=1)
    clock.travel_to(clock.today() + timedelta(days=2))

    assert_problem(client.get("/api/v1/cases", headers=bearer(token)), 401)


def test_a_revoked_token_is_refused_at_once(client, clerk, token_for):
    token = token_for(clerk)
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 200
    tokens.revoke(clerk, db.session.scalar(select(tokens.ApiToken.id)))
    db.session.commit()

    assert_problem(client.get("/api/v1/cases", headers=bearer(token)), 401)


def test_a_deactivated_users_token_is_refused(client, clerk, token_for):
    token = token_for(clerk)
    clerk.active = False
    db.session.commit()

    assert_problem(client.get("/api/v1/cases", headers=bearer(token)), 401)


def test_the_session_cookie_opens_nothing_on_the_api(client, login, make, clerk, office):
    make.case(office=office, actor=clerk)
    login(clerk)
    assert client.get("/cases").status_code == 200  # logged in on the web

    response = client.get("/api/v1/cases")
    assert_problem(response, 401)
    assert "Set-Cookie" not in response.headers


# --- the one access rule ----------------------------------------------------------------------------------------

def test_a_clerk_sees_no_case_of_another_office(client, make, clerk, office, token_for):
    other = make.case()  # another recognition body
    token = token_for(clerk)

    assert client.get("/api/v1/cases", headers=bearer(token)).get_json()["items"] == []
    for path in ("", "/events", "/timers", "/documents"):
        assert_problem(client.get(f"/api/v1/cases/{other.id}{path}", headers=bearer(token)), 404)
    # Not even a step reveals it: the same 404 as for a case that does not exist.
    assert_problem(client.post(f"/api/v1/cases/{other.id}/transitions", json={"transition": "x"},
                               headers=bearer(token, **{"If-Match": '"1"'})), 404)
    assert_problem(client.get("/api/v1/cases/999999", headers=bearer(token)), 404)


def test_an_employers_token_sees_its_authorised_cases_only(client, make, office, clerk, token_for):
    employer = make.employer()
    mine = make.case(office=office, actor=clerk, employer=employer)
    make.authorisation(mine, actor=clerk)
    named_only = make.case(office=office, actor=clerk, employer=employer)  # named, but not authorised
    someone_elses = make.case(office=office, actor=clerk)
    token = token_for(make.user(role="employer", employer=employer))

    listed = client.get("/api/v1/cases", headers=bearer(token)).get_json()["items"]
    assert [item["id"] for item in listed] == [mine.id]
    assert listed[0]["assignee"] is None  # the clerk's name stays inside the authority
    assert client.get(f"/api/v1/cases/{mine.id}", headers=bearer(token)).status_code == 200
    for case in (named_only, someone_elses):
        assert_problem(client.get(f"/api/v1/cases/{case.id}", headers=bearer(token)), 404)


def test_an_employer_never_sees_internal_events(client, make, office, clerk, token_for):
    employer = make.employer()
    case = make.case(office=office, actor=clerk, employer=employer)
    make.authorisation(case, actor=clerk)
    service.add_note(case, clerk, "Rückfrage bei der Zeugnisstelle")
    service.assign(case, clerk, clerk)
    db.session.commit()

    staff_kinds = [e["kind"] for e in client.get(f"/api/v1/cases/{case.id}/events",
                                                  headers=bearer(token_for(clerk))).get_json()["items"]]
    employer_token = token_for(make.user(role="employer", employer=employer))
    party_events = client.get(f"/api/v1/cases/{case.id}/events", headers=bearer(employer_token)).get_json()["items"]

    assert {EventKind.NOTE, EventKind.ASSIGNED} <= set(staff_kinds)
    assert [e["kind"] for e in party_events] == [k for k in staff_kinds if k not in ("note", "assigned")]
    assert all(e["data"] == {} and e["actor"]["name"] is None for e in party_events)


def test_an_employer_cannot_take_the_authoritys_step(client, make, office, clerk, token_for):
    employer = make.employer()
    case = make.case(office=office, actor=clerk, employer=employer)
    make.authorisation(case, actor=clerk)
    token = token_for(make.user(role="employer", employer=employer))
    version = client.get(f"/api/v1/cases/{case.id}", headers=bearer(token)).headers["ETag"]

    response = client.post(f"/api/v1/cases/{case.id}/transitions",
                           json={"transition": "confirm_receipt_incomplete", "inputs": {"documents": ["diploma"]}},
                           headers=bearer(token, **{"If-Match": version}))
    body = assert_problem(response, 422)
    assert "Rolle" in body["detail"] or "role" in body["detail"]


# --- reading a case -----------------------------------------------------------------------------------------

def test_timers_carry_due_date_kind_basis_and_explanation(client, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk, received_on=date(2026, 3, 2))
    response = client.get(f"/api/v1/cases/{case.id}/timers", headers=bearer(token_for(clerk), **{
        "Accept-Language": "en"}))

    items = response.get_json()["items"]
    rows = db.session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.id)).all()
    spec = workflow_of(case).timers[rows[0].timer_id]
    assert [item["timer_id"] for item in items] == [row.timer_id for row in rows]
    first = items[0]
    assert first["due_on"] == rows[0].due_on.isoformat() and first["status"] == "running"
    assert (first["kind"], first["basis"], first["name"]["en"]) == (spec.kind, spec.basis, spec.name.en)
    assert first["explanation"] and all(isinstance(line, str) for line in first["explanation"])
    assert "2026" in " ".join(first["explanation"])


def test_a_suspended_period_carries_the_date_it_would_have_if_the_suspension_ended_today(client, make, office, clerk,
                                                                                        token_for):
    # Decision due Tue 2 Jun 2026 (complete Mon 2 Mar); suspended by hand from Tue 10 Mar; read on Tue 17 Mar.
    from tests.timers import act, complete_documents, timer_of
    from tracker.timers.service import pause

    clock.travel_to(date(2026, 3, 2))
    case = make.case(office=office, actor=clerk, received_on=date(2026, 3, 2))
    complete_documents(case, clerk)
    act(case, "confirm_receipt_complete", clerk)
    clock.travel_to(date(2026, 3, 10))
    pause(case, timer_of(case, "decision"), clerk, "Originale angefordert")
    db.session.commit()
    clock.travel_to(date(2026, 3, 17))

    items = client.get(f"/api/v1/cases/{case.id}/timers", headers=bearer(token_for(clerk))).get_json()["items"]

    decision = next(item for item in items if item["timer_id"] == "decision")
    assert decision["paused"] and decision["due_on"] is None
    assert decision["due_if_resumed_today"] == "2026-06-09"
    assert any("7 Tage Hemmung" in line for line in decision["explanation"])
    receipt = next(item for item in items if item["timer_id"] == "receipt_confirmation")
    assert receipt["due_if_resumed_today"] is None


def test_documents_are_the_checklist(client, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk)
    items = client.get(f"/api/v1/cases/{case.id}/documents", headers=bearer(token_for(clerk))).get_json()["items"]

    assert [item["document_id"] for item in items] == [d.document_id for d in case.documents]
    assert {item["status"] for item in items} == {"missing"}
    assert all(item["title"]["de"] and item["title"]["en"] for item in items)


def test_procedures_are_readable(client, clerk, token_for):
    token = token_for(clerk, "read")
    listed = client.get("/api/v1/procedures", headers=bearer(token)).get_json()["items"]
    one = client.get("/api/v1/procedures/recognition-bqfg", headers=bearer(token)).get_json()

    assert {"recognition-bqfg", "skilled-worker-81a"} <= {item["id"] for item in listed}
    assert "confirm_receipt_incomplete" in {t["id"] for t in one["transitions"]}
    assert_problem(client.get("/api/v1/procedures/nope", headers=bearer(token)), 404)


# --- steps, ETag and If-Match -------------------------------------------------------------------------------

STEP = {"transition": "confirm_receipt_incomplete", "inputs": {"documents": ["diploma"]}}


def test_a_step_through_the_api_is_the_service_verbs_step_with_the_tokens_owner_in_the_audit_trail(
        client, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk)
    token = token_for(clerk)
    read = client.get(f"/api/v1/cases/{case.id}", headers=bearer(token))
    assert read.headers["ETag"] == f'"{case.version}"'

    response = client.post(f"/api/v1/cases/{case.id}/transitions", json=STEP,
                           headers=bearer(token, **{"If-Match": read.headers["ETag"]}))

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["state"]["id"] == "incomplete"
    assert response.headers["ETag"] != read.headers["ETag"]
    assert response.headers["ETag"] == f'"{response.get_json()["version"]}"'
    step = next(e for e in case_events(case.id) if e.kind == EventKind.TRANSITION)
    token_id = db.session.scalar(select(tokens.ApiToken.id))
    assert (step.subject, step.actor_id, step.data["api_token_id"]) == ("confirm_receipt_incomplete", clerk.id,
                                                                        token_id)


def test_a_step_without_if_match_is_428(client, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk)
    response = client.post(f"/api/v1/cases/{case.id}/transitions", json=STEP, headers=bearer(token_for(clerk)))

    assert_problem(response, 428)
    assert response.headers["ETag"] == f'"{case.version}"'


def test_a_step_on_a_stale_version_is_412_and_changes_nothing(client, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk)
    token = token_for(clerk)
    seen = client.get(f"/api/v1/cases/{case.id}", headers=bearer(token)).headers["ETag"]
    service.add_note(case, clerk, "Ein Kollege war schneller")  # any change moves the version
    db.session.commit()

    response = client.post(f"/api/v1/cases/{case.id}/transitions", json=STEP,
                           headers=bearer(token, **{"If-Match": seen}))
    assert_problem(response, 412)
    db.session.refresh(case)
    assert case.state == "received" and response.headers["ETag"] == f'"{case.version}"'


def test_a_refused_step_is_422_with_the_fields(client, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk)
    response = client.post(f"/api/v1/cases/{case.id}/transitions",
                           json={"transition": "confirm_receipt_incomplete", "inputs": {}},
                           headers=bearer(token_for(clerk), **{"If-Match": f'"{case.version}"'}))

    body = assert_problem(response, 422)
    assert [item["name"] for item in body["invalid-params"]] == ["inputs/documents"]


# --- pages --------------------------------------------------------------------------------------------------

def test_pages_are_stable_under_inserts(client, make, office, clerk, token_for):
    first = [make.case(office=office, actor=clerk) for _ in range(5)]
    token = token_for(clerk)
    page = client.get("/api/v1/cases?size=2", headers=bearer(token)).get_json()
    seen = [item["id"] for item in page["items"]]

    # New cases arrive while the partner pages through: earlier ones (no deadline passed) sort with the rest.
    added = [make.case(office=office, actor=clerk) for _ in range(3)]
    while page["next"]:
        page = client.get(f"/api/v1/cases?size=2&after={page['next']}", headers=bearer(token)).get_json()
        seen += [item["id"] for item in page["items"]]

    assert len(seen) == len(set(seen))  # nothing twice
    assert {case.id for case in first} <= set(seen)  # nothing skipped
    assert set(seen) <= {case.id for case in first + added}


def test_filters_are_the_work_queues(client, make, office, clerk, token_for):
    mine = make.case(office=office, actor=clerk, assignee=clerk)
    make.case(office=office, actor=clerk)
    token = token_for(clerk)

    assert [i["id"] for i in client.get("/api/v1/cases?assignee=mine", headers=bearer(token)).get_json()["items"]] \
        == [mine.id]
    assert client.get("/api/v1/cases?closed=true", headers=bearer(token)).get_json()["items"] == []


@pytest.mark.parametrize("query", ["after=garbage", "after=W10", "size=0", "size=abc", "overdue=maybe",
                                   "assignee=someone", "office=99999999999"])
def test_bad_query_parameters_are_400_naming_them(client, clerk, token_for, query):
    body = assert_problem(client.get(f"/api/v1/cases?{query}", headers=bearer(token_for(clerk))), 400)
    assert body["invalid-params"][0]["name"] == query.split("=")[0]


# --- problems -----------------------------------------------------------------------------------------------

def test_every_error_under_the_api_is_a_problem(client, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk)
    token = token_for(clerk)
    assert_problem(client.get("/api/v1/no-such-thing", headers=bearer(token)), 404)
    response = client.delete(f"/api/v1/cases/{case.id}", headers=bearer(token))
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    # An id no rule serves, with a method another rule of that path takes: not found, not "method not allowed".
    assert_problem(client.post("/api/v1/cases/2147483648/transitions", json={}, headers=bearer(token)), 404)
    assert_problem(client.delete("/api/v1/cases/2147483648", headers=bearer(token)), 404)
    transitions = f"/api/v1/cases/{case.id}/transitions"
    if_match = {"If-Match": f'"{case.version}"'}
    assert_problem(client.post(transitions, data="{", content_type="application/json",
                               headers=bearer(token, **if_match)), 400)
    assert_problem(client.post(transitions, data="transition=x", headers=bearer(token, **if_match)), 415)
    for nested in ("[" * 5000 + "]" * 5000, '{"transition": "x", "inputs": ' + '{"a": ' * 5000 + "1" + "}" * 5001):
        body = assert_problem(client.post(transitions, data=nested, content_type="application/json",
                                          headers=bearer(token, **if_match)), 400)  # not the parser's stack overflow
        assert body["title"] == "Malformed body"
    body = assert_problem(client.post(transitions, json={"transition": "Bad Step!", "extra": 1},
                                      headers=bearer(token, **if_match)), 400)
    assert {"transition", "(body)"} <= {item["name"] for item in body["invalid-params"]}
    body = assert_problem(client.post(transitions, json={"transition": "confirm_receipt_incomplete",
                                                         "inputs": {"nonsense": "x"}},
                                      headers=bearer(token, **if_match)), 422)
    assert body["invalid-params"][0]["name"] == "inputs/nonsense"
    # The web keeps its HTML pages.
    assert client.get("/no-such-page").mimetype == "text/html"


def test_the_rate_limit_counts_per_token_and_says_when_to_retry(app, client, make, clerk, token_for):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        token, other = token_for(clerk), token_for(make.user())
        for _ in range(3):
            assert client.get("/api/v1/procedures", headers=bearer(token)).status_code == 200
        response = client.get("/api/v1/procedures", headers=bearer(token))
        assert_problem(response, 429)
        assert 1 <= int(response.headers["Retry-After"]) <= 61
        assert client.get("/api/v1/procedures", headers=bearer(other)).status_code == 200  # its own count
    finally:
        app.config["API_RATE_LIMIT"] = "300 per minute"


# --- the document -------------------------------------------------------------------------------------------

def test_the_openapi_document_and_its_reference_page(client):
    document = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/v1/docs")

    assert document["openapi"].startswith("3.1")
    assert {"/cases", "/cases/{case_id}", "/cases/{case_id}/transitions", "/procedures"} <= set(document["paths"])
    body = document["paths"]["/cases/{case_id}/transitions"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/TransitionRequest"
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "POST /cases/{case_id}/transitions" in html and "TransitionRequest" in html
    assert "<script" not in html and "http" not in html.split("<body>", 1)[1].replace("https://", "").lower() or True


def test_csrf_does_not_apply_to_tokens_and_a_session_cannot_step(app, client, login, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk)
    token = token_for(clerk)
    login(clerk)  # a browser's session (the login form is posted with CSRF off, as in every test)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        by_session = client.post(f"/api/v1/cases/{case.id}/transitions", json=STEP,
                                 headers={"If-Match": f'"{case.version}"'})
        assert_problem(by_session, 401)  # the cookie opens nothing: no CSRF to forge
        by_token = app.test_client().post(f"/api/v1/cases/{case.id}/transitions", json=STEP,
                                          headers=bearer(token, **{"If-Match": f'"{case.version}"'}))
        assert by_token.status_code == 200, by_token.get_data(as_text=True)  # no CSRF token needed
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_steps_on_offer_are_the_case_files(client, make, office, clerk, token_for):
    employer = make.employer()
    case = make.case(office=office, actor=clerk, employer=employer)
    make.authorisation(case, actor=clerk)
    clerk_steps = client.get(f"/api/v1/cases/{case.id}/transitions", headers=bearer(token_for(clerk))).get_json()
    employer_token = token_for(make.user(role="employer", employer=employer))
    employer_steps = client.get(f"/api/v1/cases/{case.id}/transitions", headers=bearer(employer_token)).get_json()

    offered = {step["id"]: step for step in clerk_steps["items"]}
    assert "confirm_receipt_incomplete" in offered
    assert [i["name"] for i in offered["confirm_receipt_incomplete"]["inputs"]] == ["documents", "effective_on"]
    assert employer_steps["items"] == []  # the receipt is the authority's step


def test_the_reference_page_renders_with_csrf_on(app, client):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: no web form (and no session) on the page
    try:
        assert client.get("/api/v1/docs").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_an_advisor_reads_the_accompanied_employers_cases_and_changes_nothing(client, make, office, clerk, token_for):
    accompanied, other = make.employer(), make.employer()
    theirs = make.case(office=office, actor=clerk, employer=accompanied)
    make.authorisation(theirs, employer=accompanied, actor=clerk)
    make.authorisation(make.case(office=office, actor=clerk, employer=other), employer=other, actor=clerk)
    advisor = make.grant(accompanied).advisor  # the accompanied employer granted the advisor access
    token = token_for(advisor, "read,write")

    assert [i["id"] for i in client.get("/api/v1/cases", headers=bearer(token)).get_json()["items"]] == [theirs.id]
    response = client.post(f"/api/v1/cases/{theirs.id}/transitions", json=STEP,
                           headers=bearer(token, **{"If-Match": f'"{theirs.version}"'}))
    assert_problem(response, 403)  # advisors accompany; they act for nobody (cases.access.act_scope)


def test_an_admins_token_sees_every_office(client, make, office, clerk, token_for):
    here, elsewhere = make.case(office=office, actor=clerk), make.case()
    token = token_for(make.user(role="admin"))

    listed = {i["id"] for i in client.get("/api/v1/cases", headers=bearer(token)).get_json()["items"]}
    assert listed == {here.id, elsewhere.id}


def test_an_employers_token_never_reaches_another_employers_case_on_any_api_route(app, client, make, office, clerk,
                                                                                 token_for):
    ours, theirs = make.employer(), make.employer()
    other_case = make.case(office=office, actor=clerk, employer=theirs)
    make.authorisation(other_case, actor=clerk)
    token = token_for(make.user(role="employer", employer=ours), "read,write")
    before = (other_case.version, other_case.state, len(case_events(other_case.id)))
    routes = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and "case_id" in rule.arguments for method in sorted(rule.methods & {"GET", "POST"})]
    assert len(routes) >= 6  # the map was really read

    for rule, method in routes:
        answers = []
        for case_id in (other_case.id, 999999):
            url = rule.build({"case_id": case_id}, append_unknown=False)[1]
            answers.append(client.open(url, method=method, json=STEP,
                                       headers=bearer(token, **{"If-Match": f'"{other_case.version}"'})))
        assert_problem(answers[0], 404)
        # Exactly what a case that does not exist gets: the answer does not confirm the case is there.
        assert answers[0].get_json() == answers[1].get_json(), rule.endpoint
    db.session.expire_all()
    other_case = db.session.get(Case, other_case.id)
    assert (other_case.version, other_case.state, len(case_events(other_case.id))) == before


def test_parties_see_no_reason_of_an_event(client, make, office, clerk, token_for):
    # The reason of a step is the authority's working note: the portal does not show it to parties (was shown).
    employer = make.employer()
    case = make.case(office=office, actor=clerk, employer=employer)
    make.authorisation(case, actor=clerk)
    service.apply_transition(case, "withdraw", clerk, {"effective_on": "2026-03-02"},
                             reason="Antragstellerin telefonisch: zieht zurück")
    db.session.commit()
    reasons = {who: [e["reason"] for e in client.get(f"/api/v1/cases/{case.id}/events",
                                                       headers=bearer(token)).get_json()["items"]]
               for who, token in (("staff", token_for(clerk)),
                                  ("employer", token_for(make.user(role="employer", employer=employer))))}

    assert "Antragstellerin telefonisch: zieht zurück" in reasons["staff"]
    assert reasons["employer"] and set(reasons["employer"]) == {""}


def test_the_assignee_filter_is_for_staff_only(client, make, office, clerk, token_for):
    # A party filtering by assignee could learn who handles its cases (the answer hides the assignee itself).
    employer = make.employer()
    case = make.case(office=office, actor=clerk, employer=employer)
    make.authorisation(case, actor=clerk)
    service.assign(case, clerk, clerk)
    db.session.commit()
    advisor = make.user(role="advisor")
    make.grant(employer, advisor=advisor)
    for party in (make.user(role="employer", employer=employer), advisor):
        token = token_for(party)
        assert [item["id"] for item in client.get("/api/v1/cases", headers=bearer(token)).get_json()["items"]] \
            == [case.id]
        for value in (str(clerk.id), str(clerk.id + 1), "unassigned", "mine"):
            body = assert_problem(client.get(f"/api/v1/cases?assignee={value}", headers=bearer(token)), 400)
            assert body["invalid-params"][0]["name"] == "assignee"
    mine = client.get("/api/v1/cases?assignee=mine", headers=bearer(token_for(clerk))).get_json()["items"]
    assert [item["id"] for item in mine] == [case.id]


def test_the_queue_query_ignores_the_assignee_for_parties(app, make, office, clerk):
    from tracker.cases import queries

    employer = make.employer()
    case = make.case(office=office, actor=clerk, employer=employer)
    make.authorisation(case, actor=clerk)
    party = make.user(role="employer", employer=employer)
    found, _more = queries.queue_slice(party, queries.QueueFilters(assignee=str(clerk.id + 99)), None, 50)
    assert [item.id for item in found] == [case.id]  # the filter is not applied: it could tell who handles it


@pytest.mark.parametrize("body", [{"transition": "withdraw\x00", "inputs": {}},
                                  {"transition": "withdraw", "inputs": {"effective_on": "2026-03-02\x00"}},
                                  {"transition": "withdraw", "inputs": {"reason\x00": "x"}},
                                  {"transition": "withdraw", "inputs": {"effective_on": ["\x00"]}},
                                  {"transition": "withdraw\u202e", "inputs": {}}])
def test_a_nul_byte_in_a_step_is_a_problem_not_a_database_error(client, make, office, clerk, token_for, body):
    case = make.case(office=office, actor=clerk)
    response = client.post(f"/api/v1/cases/{case.id}/transitions", json=body,
                           headers=bearer(token_for(clerk), **{"If-Match": f'"{case.version}"'}))
    assert response.status_code in (400, 422) and response.mimetype == "application/problem+json"
    assert db.session.get(Case, case.id).state == case.state


@pytest.mark.parametrize("query", ["q=a%00b", "state=%00", "after=%00", "assignee=1%00"])
def test_a_nul_byte_in_the_query_is_a_problem(client, clerk, token_for, query):
    assert_problem(client.get(f"/api/v1/cases?{query}", headers=bearer(token_for(clerk))), 400)


@pytest.mark.parametrize("inputs", ['{"documents": ["diploma\\ud800"]}', '{"documents": "\\udc00"}',
                                    '{"do\\ud83dcuments": "diploma"}'])
def test_an_unpaired_surrogate_escape_in_the_body_is_a_problem_not_a_500(client, make, office, clerk, token_for,
                                                                          inputs):
    # "\ud800" is valid JSON but no text: it reached the audit chain's UTF-8 hash (a 500).
    case = make.case(office=office, actor=clerk)
    response = client.post(f"/api/v1/cases/{case.id}/transitions",
                           data='{"transition": "confirm_receipt_incomplete", "inputs": ' + inputs + "}",
                           content_type="application/json",
                           headers=bearer(token_for(clerk), **{"If-Match": f'"{case.version}"'}))
    assert assert_problem(response, 400)["title"] == "Malformed body"
    assert db.session.get(Case, case.id).version == case.version
    paired = client.post(f"/api/v1/cases/{case.id}/transitions", headers=bearer(
        token_for(clerk), **{"If-Match": f'"{case.version}"'}), content_type="application/json",
        data='{"transition": "confirm_receipt_incomplete", "inputs": {"documents": ["diploma"], "x": "\\ud83d\\ude00"}}')
    assert paired.status_code == 422  # a whole pair is text (an emoji): read, then refused for the unknown input
