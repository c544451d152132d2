"""Security of the portal's doors: every portal route, for every role and for anonymous users, against the user's own
case and a foreign one. An employer reaches a case only through a valid authorisation of its organisation: another
employer's case, an expired and a revoked authorisation all answer 404, exactly like a case that does not exist."""
from __future__ import annotations

from datetime import date

import pytest

from tracker import clock
from tracker.cases import service
from tracker.extensions import db
from tracker.procedures.vocabulary import Role

#: Values for the portal routes' arguments other than the case.
VALUES = {"user_id": 999_999, "token": "not-a-token", "grant_id": 999_999, "document_id": "diploma", "upload_id": 999_999}
PUBLIC = {"invitation.accept"}


def portal_routes(app, case_id: int):
    """(endpoint, method, url) of every portal route, with ``case_id`` for the case routes: a new route is checked
    without touching this test."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("portal.", "invitation.")):
            continue
        url = rule.build({name: case_id if name == "case_id" else VALUES[name] for name in rule.arguments},
                         append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, url


@pytest.fixture
def world(make):
    office = make.office()
    clerk = make.user(office=office, name="Clara Clerk")
    ours, theirs = make.employer(name="Unsere GmbH"), make.employer(name="Fremde GmbH")
    own = make.case(office=office, actor=clerk, employer=ours)
    foreign = make.case(office=office, actor=clerk, employer=theirs)
    make.authorisation(own, actor=clerk)
    make.authorisation(foreign, actor=clerk)
    return office, clerk, ours, own, foreign


def test_there_are_portal_routes_to_check(app, world):
    assert {endpoint for endpoint, _, _ in portal_routes(app, 1)} >= {
        "portal.home", "portal.case", "portal.team", "portal.invite", "portal.remove", "invitation.accept"}


def test_anonymous_users_reach_no_portal_page_but_the_invitation_link(app, client, world):
    *_, own, foreign = world
    for case in (own, foreign):
        for endpoint, method, url in portal_routes(app, case.id):
            response = client.open(url, method=method)
            if endpoint in PUBLIC:
                assert response.status_code == 404, (endpoint, method)  # an unknown token opens nothing
            else:
                assert response.status_code == 302 and response.location.startswith("/login"), (endpoint, method)


@pytest.mark.parametrize("role", [role for role in Role.people() if role not in (Role.EMPLOYER, Role.ADVISOR)])
def test_staff_get_no_portal_page(app, client, login, make, world, role):
    office, _clerk, ours, own, foreign = world
    user = make.user(role=role, office=office if Role(role).is_staff else None)
    login(user)
    for case in (own, foreign):
        for endpoint, method, url in portal_routes(app, case.id):
            if endpoint in PUBLIC:
                continue
            assert client.open(url, method=method).status_code == 403, (role, endpoint, method)


def test_an_employer_reaches_its_own_case_and_never_another_employer_s(client, login, make, world):
    _office, _clerk, ours, own, foreign = world
    login(make.user(role="employer", employer=ours))

    assert client.get(f"/portal/cases/{own.id}").status_code == 200
    foreign_page = client.get(f"/portal/cases/{foreign.id}")
    unknown = client.get("/portal/cases/999999")
    assert foreign_page.status_code == unknown.status_code == 404
    assert foreign.reference not in foreign_page.get_data(as_text=True)
    home = client.get("/portal").get_data(as_text=True)
    assert own.reference in home and foreign.reference not in home
    # The clerks' case file and the work queue are no way round.
    assert client.get(f"/cases/{foreign.id}").status_code == 404
    queue = client.get("/cases?q=" + foreign.reference, follow_redirects=True)  # to the own home, no search
    assert queue.request.path == "/portal" and foreign.reference not in queue.get_data(as_text=True)


def test_an_employer_without_an_authorisation_sees_nothing_of_its_own_employer_s_case(client, login, make):
    office = make.office()
    clerk = make.user(office=office)
    ours = make.employer()
    case = make.case(office=office, actor=clerk, employer=ours)  # named as employer, but not authorised
    login(make.user(role="employer", employer=ours))

    assert client.get(f"/portal/cases/{case.id}").status_code == 404
    assert case.reference not in client.get("/portal").get_data(as_text=True)


def test_an_expired_authorisation_ends_access_the_day_after_its_last_day(client, login, make):
    office = make.office()
    clerk = make.user(office=office)
    ours = make.employer()
    case = make.case(office=office, actor=clerk, employer=ours, received_on=date(2026, 2, 2))
    make.authorisation(case, actor=clerk, valid_from=date(2026, 2, 2), valid_until=date(2026, 3, 3))
    login(make.user(role="employer", employer=ours))

    assert client.get(f"/portal/cases/{case.id}").status_code == 200  # Mon 2 Mar
    clock.travel_to(date(2026, 3, 3))
    assert client.get(f"/portal/cases/{case.id}").status_code == 200  # its last day
    clock.travel_to(date(2026, 3, 4))
    assert client.get(f"/portal/cases/{case.id}").status_code == 404
    assert case.reference not in client.get("/portal").get_data(as_text=True)


def test_an_authorisation_not_yet_valid_admits_nothing(client, login, make):
    office = make.office()
    clerk = make.user(office=office)
    ours = make.employer()
    case = make.case(office=office, actor=clerk, employer=ours)
    make.authorisation(case, actor=clerk, valid_from=date(2026, 3, 9))
    login(make.user(role="employer", employer=ours))

    assert client.get(f"/portal/cases/{case.id}").status_code == 404


def test_a_revocation_ends_access_at_once_even_for_an_open_session(client, login, make, world):
    _office, clerk, ours, own, _foreign = world
    login(make.user(role="employer", employer=ours))
    assert client.get(f"/portal/cases/{own.id}").status_code == 200

    service.revoke_authorisation(own, own.authorisations[0].id, clerk, "Vollmacht von der Fachkraft widerrufen")
    db.session.commit()

    assert client.get(f"/portal/cases/{own.id}").status_code == 404
    assert client.get(f"/cases/{own.id}").status_code == 404
    assert own.reference not in client.get("/portal").get_data(as_text=True)


def test_an_employer_who_is_not_an_administrator_cannot_invite_or_remove(client, login, make, world):
    _office, _clerk, ours, _own, _foreign = world
    colleague = make.user(role="employer", employer=ours)
    login(make.user(role="employer", employer=ours))

    assert client.get("/portal/team").status_code == 200
    assert client.post("/portal/team/invite", data={"name": "X", "email": "x@example.org"}).status_code == 403
    assert client.post(f"/portal/team/{colleague.id}/remove").status_code == 403
    assert db.session.get(type(colleague), colleague.id).active


@pytest.mark.parametrize("role, home", [("recognition_clerk", "/cases"), ("team_lead", "/cases"), ("admin", "/cases"),
                                        ("employer", "/portal"), ("advisor", "/portal/overview"),
                                        ("data_protection", "/privacy/")])
def test_every_role_lands_on_its_own_home_at_the_root(client, login, make, role, home):
    office = make.office()
    login(make.user(role=role, office=office if Role(role).is_staff and role != "admin" else None,
                    employer=make.employer() if role == "employer" else None))

    response = client.get("/", follow_redirects=True)

    assert response.status_code == 200 and response.request.path == home
