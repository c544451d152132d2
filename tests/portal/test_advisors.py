"""ThAFF advisors: an employer administrator grants an advisor access to the organisation's cases with a recorded
consent and revokes it at once; the advisor sees exactly those cases, read-only, only while the grant holds, and has
an overview across every employer that granted it access."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.locking import second_request_behind_the_first
from tracker import clock
from tracker.audit.models import Event, EventKind
from tracker.auth.grants import AdvisorGrant
from tracker.auth.models import User
from tracker.cases import service
from tracker.extensions import db


@pytest.fixture
def world(make):
    office = make.office()
    clerk = make.user(office=office, name="Clara Clerk")
    ours, theirs = make.employer(name="Unsere GmbH"), make.employer(name="Fremde GmbH")
    own = make.case(office=office, actor=clerk, employer=ours)
    foreign = make.case(office=office, actor=clerk, employer=theirs)
    make.authorisation(own, actor=clerk)
    make.authorisation(foreign, actor=clerk)
    admin = make.user(role="employer", employer=ours, name="Petra Personal")
    admin.employer_admin = True
    db.session.commit()
    advisor = make.user(role="advisor", name="Lena Hoffmann")
    return {"clerk": clerk, "ours": ours, "theirs": theirs, "own": own, "foreign": foreign, "admin": admin,
            "advisor": advisor}


def grant_form(chosen, **changes):
    data = {"advisor": str(chosen.id), "valid_from": "2026-03-02", "valid_until": "", "consent": "y"}
    data.update(changes)
    return data


def test_an_administrator_grants_access_with_the_consent_recorded_and_audited(client, login, world):
    login(world["admin"])
    page = client.get("/portal/advisors").get_data(as_text=True)
    assert "Lena Hoffmann" in page and "Wir willigen ein" in page  # the advisor to choose, the consent to read

    response = client.post("/portal/advisors/grant", data=grant_form(world["advisor"], valid_until="2026-06-30"))

    assert response.status_code == 302
    grant = db.session.scalar(select(AdvisorGrant))
    assert (grant.advisor_id, grant.employer_id, grant.granted_by_id) == (
        world["advisor"].id, world["ours"].id, world["admin"].id)
    assert (grant.valid_from, grant.valid_until, grant.revoked_at) == (date(2026, 3, 2), date(2026, 6, 30), None)
    assert "Lena Hoffmann" in grant.consent_text and "Unsere GmbH" in grant.consent_text
    assert "02.03.2026" in grant.consent_text and "30.06.2026" in grant.consent_text
    # The organisation's case carries the grant in its audit trail (and its timeline); the foreign one does not.
    events = db.session.scalars(select(Event).where(Event.kind == EventKind.ADVISOR_GRANTED)).all()
    assert [event.case_id for event in events] == [world["own"].id]
    assert events[0].actor_id == world["admin"].id and events[0].data["advisor"] == "Lena Hoffmann"
    timeline = client.get(f"/portal/cases/{world['own'].id}").get_data(as_text=True)
    assert "gibt der Beratung Lena Hoffmann Einblick" in timeline


@pytest.mark.parametrize("changes, message, field", [
    ({"consent": ""}, "Bitte bestätigen Sie die Einwilligung.", "consent"),
    ({"valid_from": "2026-03-01"}, "Der Zugang kann frühestens heute beginnen.", "valid_from"),
    ({"valid_until": "2026-03-01", "valid_from": "2026-03-05"}, "Das Ende der Gültigkeit liegt vor ihrem Beginn.",
     "valid_until"),
    ({"valid_from": "31.02.2026"}, "Kein gültiges Datum.", "valid_from"),
    ({"valid_from": ""}, "Bitte geben Sie ein Datum an.", "valid_from"),
    ({"advisor": "0"}, "Bitte wählen Sie eine Beratung der ThAFF aus der Liste.", "advisor"),
    ({"advisor": "999999"}, "Not a valid choice.", "advisor"),
])
def test_a_refused_grant_shows_why_at_the_field_it_concerns_and_keeps_the_input(client, login, world, changes,
                                                                                message, field):
    login(world["admin"])

    response = client.post("/portal/advisors/grant", data=grant_form(world["advisor"], **changes))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    message = message if message in page else message.replace("Not a valid choice.", "Keine gültige Auswahl")
    # The summary's link leads to the input the message is about, and the message stands at that input.
    links = dict(re.findall(r'<a href="#grant-(\w+)">[^<]*?: ([^<]*)</a>', page))
    assert message in links.get(field, ""), links
    error = re.search(rf'<p class="error-message" id="grant-{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1)
    for name, value in changes.items():
        if name.startswith("valid_") and value:
            assert f'value="{value}"' in page  # the typed input is shown again
    assert db.session.scalar(select(AdvisorGrant)) is None


def test_a_second_grant_to_the_same_advisor_is_refused_while_one_holds(client, login, world):
    login(world["admin"])
    assert client.post("/portal/advisors/grant", data=grant_form(world["advisor"])).status_code == 302

    response = client.post("/portal/advisors/grant", data=grant_form(world["advisor"]))

    assert response.status_code == 422 and "hat bereits Zugang" in response.get_data(as_text=True)


def test_a_user_who_is_not_an_administrator_sees_the_grants_but_cannot_grant_or_revoke(client, login, make, world):
    grant = make.grant(world["ours"], world["advisor"])
    login(make.user(role="employer", employer=world["ours"]))

    page = client.get("/portal/advisors").get_data(as_text=True)
    assert "Lena Hoffmann" in page and "grant-heading" not in page and "Zugang widerrufen" not in page
    assert client.post("/portal/advisors/grant", data=grant_form(world["advisor"])).status_code == 403
    assert client.post(f"/portal/advisors/{grant.id}/revoke").status_code == 403
    assert db.session.get(AdvisorGrant, grant.id).revoked_at is None


def test_another_employer_s_administrator_cannot_revoke_our_grant(client, login, make, world):
    grant = make.grant(world["ours"], world["advisor"])
    foreign_admin = make.user(role="employer", employer=world["theirs"])
    foreign_admin.employer_admin = True
    db.session.commit()
    login(foreign_admin)

    assert client.post(f"/portal/advisors/{grant.id}/revoke").status_code == 404
    grants = client.get("/portal/advisors").get_data(as_text=True).split('id="grants-heading"')[1].split("<section")[0]
    assert "Lena Hoffmann" not in grants  # (the advisor is still one to choose in their own form)
    db.session.expire_all()
    assert db.session.get(AdvisorGrant, grant.id).revoked_at is None


def test_the_advisor_sees_exactly_the_granted_cases_read_only_and_a_revocation_ends_it_at_once(app, world):
    advisor_client, admin_client = app.test_client(), app.test_client()
    for client, user in ((advisor_client, world["advisor"]), (admin_client, world["admin"])):
        assert client.post("/login", data={"email": user.email, "password": "correct horse battery"}
                           ).status_code == 302
    own, foreign = world["own"], world["foreign"]
    assert advisor_client.get(f"/portal/cases/{own.id}").status_code == 404  # nothing granted yet

    assert admin_client.post("/portal/advisors/grant", data=grant_form(world["advisor"])).status_code == 302

    case_page = advisor_client.get(f"/portal/cases/{own.id}")
    assert case_page.status_code == 200
    assert "Vom Arbeitgeber benötigt" in case_page.get_data(as_text=True)
    # The state's text speaks to the employer ("Sie"); the advisor is told whose words they read.
    assert "<dt>Stand, wie ihn der Arbeitgeber liest</dt>" in case_page.get_data(as_text=True)
    own_view = admin_client.get(f"/portal/cases/{own.id}").get_data(as_text=True)
    assert "<dt>Stand</dt>" in own_view and "wie ihn der Arbeitgeber liest" not in own_view
    # Read-only but for the message thread: the one form on the page is the message to the office.
    forms = re.findall(r'<form[^>]*action="([^"]+)"', case_page.get_data(as_text=True).split("<main", 1)[1])
    assert forms == [f"/portal/cases/{own.id}/messages"]
    assert "hier hochladen" not in case_page.get_data(as_text=True)  # no upload offered, so none promised
    assert admin_client.post(f"/portal/cases/{own.id}/messages", data={"body": "Frage zum Stand"}).status_code == 302
    thread = advisor_client.get(f"/portal/cases/{own.id}").get_data(as_text=True).split('id="messages"', 1)[1]
    assert "Arbeitgeber" in thread and "Ihr Unternehmen" not in thread  # the employer, as in the history below
    assert advisor_client.get(f"/portal/cases/{foreign.id}").status_code == 404
    overview = advisor_client.get("/portal/overview").get_data(as_text=True)
    assert "Unsere GmbH" in overview and "Fremde GmbH" not in overview
    stage = advisor_client.get(f"/portal/overview/cases?procedure={own.procedure_id}&state={own.state}")
    assert own.reference in stage.get_data(as_text=True) and foreign.reference not in stage.get_data(as_text=True)
    # Read-only: the advisor changes nothing, neither through the clerks' forms nor the employer's.
    version = own.version
    assert advisor_client.post(f"/cases/{own.id}/transitions/withdraw",
                               data={"date": "2026-03-02", "version": version}).status_code == 403
    assert advisor_client.post("/portal/advisors/grant", data=grant_form(world["advisor"])).status_code == 403

    grant = db.session.scalar(select(AdvisorGrant))
    assert admin_client.post(f"/portal/advisors/{grant.id}/revoke").status_code == 200  # first the confirmation
    assert admin_client.post(f"/portal/advisors/{grant.id}/revoke", data={"confirm": "yes"}).status_code == 302

    assert advisor_client.get(f"/portal/cases/{own.id}").status_code == 404  # the open session sees it no more
    assert "Unsere GmbH" not in advisor_client.get("/portal/overview").get_data(as_text=True)
    stage = advisor_client.get(f"/portal/overview/cases?procedure={own.procedure_id}&state={own.state}")
    assert own.reference not in stage.get_data(as_text=True)
    revoked = db.session.scalars(select(Event).where(Event.kind == EventKind.ADVISOR_REVOKED)).all()
    assert [event.case_id for event in revoked] == [own.id]
    assert admin_client.post(f"/portal/advisors/{grant.id}/revoke").status_code == 404  # revoked already


def test_a_grant_holds_from_its_first_to_its_last_day_only(client, login, make, world):
    own = world["own"]
    make.grant(world["ours"], world["advisor"], valid_from=date(2026, 3, 4), valid_until=date(2026, 3, 6))
    login(world["advisor"])

    def visible() -> bool:
        status = client.get(f"/portal/cases/{own.id}").status_code
        listed = own.reference in client.get(
            f"/portal/overview/cases?procedure={own.procedure_id}&state={own.state}").get_data(as_text=True)
        assert (status == 200) == listed
        return status == 200

    assert not visible()  # Mon 2 Mar: before valid_from
    clock.travel_to(date(2026, 3, 4))
    assert visible()
    clock.travel_to(date(2026, 3, 6))
    assert visible()  # its last day
    clock.travel_to(date(2026, 3, 7))
    assert not visible()


def test_the_advisor_sees_no_case_the_employer_itself_may_not_see(client, login, make, world):
    """The grant passes on what the employer sees: a case of the employer without (or with an ended)
    authorisation stays hidden from its advisor too."""
    unauthorised = make.case(office=world["own"].office, actor=world["clerk"], employer=world["ours"])
    make.grant(world["ours"], world["advisor"])
    login(world["advisor"])

    assert client.get(f"/portal/cases/{unauthorised.id}").status_code == 404
    service.revoke_authorisation(world["own"], world["own"].authorisations[0].id, world["clerk"], "widerrufen")
    db.session.commit()
    assert client.get(f"/portal/cases/{world['own'].id}").status_code == 404


def test_the_overview_counts_stages_lists_stalled_cases_and_upcoming_deadlines(client, login, make, world):
    office, clerk, ours = world["own"].office, world["clerk"], world["ours"]
    make.grant(ours, world["advisor"])
    other = make.employer(name="Zweite GmbH")
    make.grant(other, world["advisor"])
    second = make.case(office=office, actor=clerk, employer=other)
    make.authorisation(second, actor=clerk)
    service.apply_transition(second, "confirm_receipt_incomplete", clerk, {"documents": "diploma"})
    db.session.commit()
    clock.travel_to(date(2026, 3, 20))  # own: opened 18 days ago, no step since; second: a step 18 days ago
    login(world["advisor"])

    page = client.get("/", follow_redirects=True)
    assert page.request.path == "/portal/overview"
    text = page.get_data(as_text=True)
    assert "Unsere GmbH" in text and "Zweite GmbH" in text and "Fremde GmbH" not in text
    stages = text.split('id="stages-heading"', 1)[1].split("</section>", 1)[0]
    assert "2 offene Fälle" in stages
    stalled = text.split('id="stalled-heading"', 1)[1].split("</section>", 1)[0]
    assert world["own"].reference in stalled and second.reference in stalled
    assert world["foreign"].reference not in text

    fresh = client.get("/portal/overview?days=30").get_data(as_text=True)
    stalled = fresh.split('id="stalled-heading"', 1)[1].split("</section>", 1)[0]
    assert world["own"].reference not in stalled and 'value="30"' in stalled
    upcoming = text.split('id="upcoming-heading"', 1)[1].split("</section>", 1)[0]
    # each case's next deadline is listed if it is overdue or due within 14 days (overdue ones first)
    for case in (world["own"], second):
        due = db.session.get(type(case), case.id).next_due_on
        assert (case.reference in upcoming) == (due is not None and (due - date(2026, 3, 20)).days <= 14)


@pytest.mark.parametrize("days", ["0", "366", "abc", "-3", "1e3"])
def test_an_invalid_number_of_days_is_explained_and_kept(client, login, make, world, days):
    make.grant(world["ours"], world["advisor"])
    login(world["advisor"])

    response = client.get(f"/portal/overview?days={days}")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in page and f'value="{days}"' in page
    assert "14 Tagen" in page  # the lists still show, with the default
    field_error = page.split('id="stalled-days-error">', 1)[1].split("</p>", 1)[0]
    assert field_error.count(".") == 1, field_error  # one message: "abc" is no number, not also out of range


def test_the_overview_and_the_grants_page_in_english(client, login, make, world):
    make.grant(world["ours"], world["advisor"])
    world["advisor"].locale = "en"
    world["admin"].locale = "en"
    db.session.commit()
    login(world["advisor"])
    page = client.get("/portal/overview").get_data(as_text=True)
    assert "Open cases by stage" in page and "Cases without progress" in page and "Overdue deadlines and those of the next 14 days" in page
    assert "Offene Fälle nach Stand" not in page
    client.post("/logout")
    login(world["admin"])
    page = client.get("/portal/advisors").get_data(as_text=True)
    assert "Advice from ThAFF" in page and "We consent to" in page and "Lena Hoffmann" in page


def test_the_overview_lists_are_bounded(client, login, make, world):
    from tracker.advisors import overview

    make.grant(world["ours"], world["advisor"])
    for _ in range(3):
        case = make.case(office=world["own"].office, actor=world["clerk"], employer=world["ours"])
        make.authorisation(case, actor=world["clerk"])
    clock.travel_to(date(2026, 3, 2) + timedelta(days=30))
    limit, overview.LIST_LIMIT = overview.LIST_LIMIT, 2
    try:
        login(world["advisor"])
        page = client.get("/portal/overview").get_data(as_text=True)
        stalled = page.split('id="stalled-heading"', 1)[1].split("</section>", 1)[0]
        assert stalled.count("/portal/cases/") == 2 and "4 Fälle" in stalled
        first = client.get(f"/portal/overview/cases?procedure={world['own'].procedure_id}&state=received")
        assert first.get_data(as_text=True).count("/portal/cases/") == 2 and "after=" in first.get_data(as_text=True)
    finally:
        overview.LIST_LIMIT = limit


def test_granting_and_revoking_need_the_form_s_csrf_token(app, world):
    """With CSRF protection on (as in production), a grant or revocation posted from another site is refused and
    changes nothing; the page's own form works."""
    from tests.auth.test_login_and_access import csrf_token
    from tracker import create_app

    protected = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                            "WTF_CSRF_ENABLED": True, "REDIS_URL": None, "SECRET_KEY": "test-secret",
                            "SERVER_NAME": "tracker.test"})
    client = protected.test_client()
    try:
        token = csrf_token(client.get("/login"))
        assert client.post("/login", data={"email": world["admin"].email, "password": "correct horse battery",
                                           "csrf_token": token}).status_code == 302

        assert client.post("/portal/advisors/grant", data=grant_form(world["advisor"])).status_code == 400
        assert db.session.scalar(select(AdvisorGrant)) is None
        page = client.get("/portal/advisors")
        assert client.post("/portal/advisors/grant", data={**grant_form(world["advisor"]),
                                                           "csrf_token": csrf_token(page)}).status_code == 302
        db.session.expire_all()
        grant = db.session.scalar(select(AdvisorGrant))
        assert grant is not None

        assert client.post(f"/portal/advisors/{grant.id}/revoke").status_code == 400
        db.session.expire_all()
        assert db.session.get(AdvisorGrant, grant.id).revoked_at is None
        page = client.get("/portal/advisors")
        token = re.search(rf'id="revoke-csrf-{grant.id}"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="revoke-csrf-'
                          rf'{grant.id}"', page.get_data(as_text=True))
        assert client.post(f"/portal/advisors/{grant.id}/revoke",
                           data={"csrf_token": token.group(1) or token.group(2), "confirm": "yes"}).status_code == 302
        db.session.expire_all()
        assert db.session.get(AdvisorGrant, grant.id).revoked_at is not None
    finally:
        with protected.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("query", ["", "?procedure=recognition-bqfg", "?procedure=x%00&state=received",
                                   "?procedure=" + "p" * 65 + "&state=received", "?procedure=a&state=b&after=abc"])
def test_a_stage_list_with_a_broken_query_names_nothing_and_never_fails(client, login, make, world, query):
    make.grant(world["ours"], world["advisor"])
    login(world["advisor"])

    response = client.get(f"/portal/overview/cases{query}")

    assert response.status_code in (200, 400, 404)  # 400: the edge refuses a NUL in the query
    assert world["own"].reference not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["?procedure=x&state=y", "?procedure=recognition-bqfg&state=y",
                                   "?procedure=x&state=received"])
def test_a_stage_no_definition_has_is_not_found(client, login, make, world, query):
    """Not a page titled "x: y" that pretends the stage exists; a real stage with no case of the advisor's is."""
    make.grant(world["ours"], world["advisor"])
    login(world["advisor"])

    response = client.get(f"/portal/overview/cases{query}")

    assert response.status_code == 404 and "x: y" not in response.get_data(as_text=True)
    assert client.get("/portal/overview/cases?procedure=recognition-bqfg&state=in_review").status_code == 200


def test_one_day_without_progress_is_said_in_the_singular_in_both_languages(client, login, make, world):
    make.grant(world["ours"], world["advisor"])
    login(world["advisor"])

    def stalled(query):
        page = client.get(f"/portal/overview{query}").get_data(as_text=True)
        return " ".join(page.split('id="stalled-heading"', 1)[1].split("</section>", 1)[0].split())

    quiet = stalled("?days=1")  # the case was opened today: a step within the day
    assert "innerhalb von 1 Tag einen" in quiet and "1 Tagen" not in quiet
    clock.travel_to(clock.today() + timedelta(days=3))
    late = stalled("?days=1")
    assert "Seit mindestens 1 Tag kein Verfahrensschritt: 1 Fall" in late and "1 Tagen" not in late
    assert "Seit mindestens 2 Tagen kein" in stalled("?days=2")

    world["advisor"].locale = "en"
    db.session.commit()
    client.post("/logout")
    login(world["advisor"])
    assert "for at least 1 day: 1 case" in stalled("?days=1") and "1 days" not in stalled("?days=1")


def test_two_grants_to_the_same_advisor_at_once_record_one(app, world):
    """Two administrators granting at the same moment: the second waits for the first one's commit (the
    organisation's row is locked), then finds its grant running and is refused. Without the lock both found none."""
    from tracker.advisors import service as advisor_service

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite writes one transaction at a time)")
    admin_id, advisor_id = world["admin"].id, world["advisor"].id
    options = dict(advisor_id=advisor_id, valid_from=date(2026, 3, 2), valid_until=None, consented=True, lang="de")
    advisor_service.grant_access(world["admin"], **options)  # flushed, not committed yet

    second = second_request_behind_the_first(
        app, lambda: advisor_service.grant_access(db.session.get(User, admin_id), **options), advisor_service.GrantError)

    assert second == "refused"
    assert db.session.query(AdvisorGrant).filter_by(advisor_id=advisor_id).count() == 1


def test_the_error_summary_names_a_field_whose_label_is_a_sentence_without_a_stray_full_stop(client, login, world):
    login(world["admin"])
    page = client.post("/portal/advisors/grant", data=grant_form(world["advisor"], consent=""))
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "ein.: " not in text and "Wir willigen wie oben beschrieben ein: " in text


def test_the_consent_promises_nothing_the_advisor_cannot_see(app):
    """Advisors read neither the authority's letters nor the uploaded papers (cases.access): the consent the
    administrator ticks does not name them."""
    from tracker.advisors.service import CONSENT

    assert "Schreiben" not in CONSENT.de and "letters" not in CONSENT.en
    assert "Unterlagen" not in CONSENT.de and "documents" not in CONSENT.en
