"""The access matrix of the portal: every portal route × every kind of user × the user's own case and a foreign
one. Own case: authorised to "Unsere GmbH", whose administrator granted advisors access (one grant valid, one
expired, one not yet valid, one revoked); foreign case: authorised to "Fremde GmbH", which granted nobody.

Routes are read from the app's URL map: a route added later is checked against the rules every route must keep
(anonymous users go to the login, staff get 403, nobody outside the grant reaches the own case); the expected answer
of each known route is spelled out below."""
from __future__ import annotations

from datetime import date

import pytest

from tests.factories import PASSWORD
from tracker.extensions import db

#: Values for the route arguments other than the case (none of them names anything that exists).
VALUES = {"user_id": 999_999, "token": "not-a-token", "grant_id": 999_999}
#: Query strings some routes need to do their work.
QUERIES = {"portal.advisor_stage": "?procedure=recognition-bqfg&state=received"}
PUBLIC = {"invitation.accept"}

EMPLOYERS = ("employer admin", "employer user", "foreign employer admin")
ADVISORS = ("advisor granted", "advisor expired", "advisor future", "advisor revoked")
STAFF = ("clerk", "admin")
USERS = (*EMPLOYERS, *ADVISORS, *STAFF)

#: The expected status per route and user (on both cases, unless the route is about a case: see ``CASE_ROUTES``).
EXPECTED = {
    ("portal.home", "GET"): {**dict.fromkeys(EMPLOYERS, 200)},
    ("portal.team", "GET"): {**dict.fromkeys(EMPLOYERS, 200)},
    ("portal.invite", "POST"): {"employer admin": 422, "foreign employer admin": 422},  # empty form: re-shown
    ("portal.remove", "POST"): {"employer admin": 404, "foreign employer admin": 404},  # nobody of theirs
    ("portal.advisors", "GET"): {**dict.fromkeys(EMPLOYERS, 200)},
    ("portal.grant_advisor", "POST"): {"employer admin": 422, "foreign employer admin": 422},
    ("portal.revoke_advisor", "POST"): {"employer admin": 404, "foreign employer admin": 404},
    ("portal.advisor_home", "GET"): {**dict.fromkeys(ADVISORS, 200)},
    ("portal.advisor_stage", "GET"): {**dict.fromkeys(ADVISORS, 200)},
}
#: Which case each user may see ("own": Unsere GmbH's, "foreign": Fremde GmbH's): the rest answers 404 on a case
#: route (403 for staff, who have no portal) and never shows in a list.
SEES = {"employer admin": {"own"}, "employer user": {"own"}, "advisor granted": {"own"},
        "foreign employer admin": {"foreign"}}
#: Routes about one case: reached for the cases in ``SEES``.
CASE_ROUTES = {("portal.case", "GET")}


def portal_routes(app, case_id: int):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("portal.", "invitation.")):
            continue
        url = rule.build({name: case_id if name == "case_id" else VALUES.get(name, 999_999)
                          for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, url + QUERIES.get(rule.endpoint, ""), "case_id" in rule.arguments


@pytest.fixture
def world(make):
    office = make.office()
    clerk = make.user(office=office, name="Clara Clerk")
    ours, theirs = make.employer(name="Unsere GmbH"), make.employer(name="Fremde GmbH")
    own = make.case(office=office, actor=clerk, employer=ours)
    foreign = make.case(office=office, actor=clerk, employer=theirs)
    make.authorisation(own, actor=clerk)
    make.authorisation(foreign, actor=clerk)
    admin = make.user(role="employer", employer=ours)
    foreign_admin = make.user(role="employer", employer=theirs)
    admin.employer_admin = foreign_admin.employer_admin = True
    db.session.commit()
    users = {"employer admin": admin, "employer user": make.user(role="employer", employer=ours),
             "foreign employer admin": foreign_admin, "clerk": clerk, "admin": make.user(role="admin")}
    for name, begins, ends, revoked in (("granted", date(2026, 3, 1), None, False),
                                        ("expired", date(2026, 2, 1), date(2026, 3, 1), False),
                                        ("future", date(2026, 3, 3), None, False),
                                        ("revoked", date(2026, 2, 1), None, True)):
        users[f"advisor {name}"] = make.user(role="advisor", name=f"Advisor {name}")
        make.grant(ours, users[f"advisor {name}"], valid_from=begins, valid_until=ends, revoked=revoked, by=admin)
    return users, own, foreign


def expected_status(user: str, endpoint: str, method: str, which: str) -> int:
    if (endpoint, method) in CASE_ROUTES:
        if user in STAFF:
            return 403
        return 200 if which in SEES.get(user, set()) else 404
    return EXPECTED[(endpoint, method)].get(user, 403)


def test_the_matrix_covers_the_portal_routes(app, world):
    endpoints = {(endpoint, method) for endpoint, method, _url, _case in portal_routes(app, 1)}
    assert endpoints >= set(EXPECTED) | set(CASE_ROUTES)


def test_anonymous_users_reach_no_portal_page(app, world):
    _users, own, foreign = world
    client = app.test_client()
    for case in (own, foreign):
        for endpoint, method, url, _about_case in portal_routes(app, case.id):
            response = client.open(url, method=method)
            if endpoint in PUBLIC:
                assert response.status_code == 404, (endpoint, method)  # an unknown token opens nothing
            else:
                assert response.status_code == 302 and response.location.startswith("/login"), (endpoint, method)


@pytest.mark.parametrize("user", USERS)
def test_every_portal_route_answers_each_user_as_the_access_rule_says(app, world, user):
    users, own, foreign = world
    client = app.test_client()
    assert client.post("/login", data={"email": users[user].email, "password": PASSWORD}).status_code == 302
    sees = SEES.get(user, set())
    hidden = [case.reference for case, which in ((own, "own"), (foreign, "foreign")) if which not in sees]
    for case, which in ((own, "own"), (foreign, "foreign")):
        for endpoint, method, url, about_case in portal_routes(app, case.id):
            if endpoint in PUBLIC:
                continue
            response = client.open(url, method=method)
            if (endpoint, method) in EXPECTED or (endpoint, method) in CASE_ROUTES:
                assert response.status_code == expected_status(user, endpoint, method, which), (
                    user, endpoint, method, which)
            else:  # a route this matrix does not know yet: the rules every route keeps
                if user in STAFF:
                    assert response.status_code == 403, (user, endpoint, method)
                if about_case and which not in sees:
                    assert response.status_code in (403, 404), (user, endpoint, method, which)
            if response.status_code == 200:
                page = response.get_data(as_text=True)
                assert not [reference for reference in hidden if reference in page], (user, endpoint, method)
    # The lists show exactly the cases the user may see.
    for endpoint in ("/portal", "/portal/overview/cases" + QUERIES["portal.advisor_stage"]):
        response = client.get(endpoint)
        if response.status_code == 200:
            page = response.get_data(as_text=True)
            shown = {which for case, which in ((own, "own"), (foreign, "foreign")) if case.reference in page}
            assert shown == sees, (user, endpoint)
