"""Linked cases (a § 81a case holds its recognition case; each shows the other's state) and definition versions
(a case keeps the version it was opened under; a new version applies to new cases only)."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.cases.test_transitions import (
    TODAY,
    open_skilled_worker_case,
    refused,
    start_linked_recognition,
    step,
)
from tests.factories import PASSWORD, Factory
from tracker import clock, create_app
from tracker.audit.chain import verify_events
from tracker.audit.service import audit_keyring, case_events
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.models import Case
from tracker.config import ROOT
from tracker.extensions import db
from tracker.parties.models import Office
from tracker.registry import registry, workflow_of
from tracker.timers.service import case_timers, open_timers


def login_as(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def state_words(case: Case, lang: str = "de") -> str:
    return workflow_of(case).state(case.state).title.get(lang)


# --- linked cases -------------------------------------------------------------------------------------------

def test_starting_recognition_opens_an_accelerated_case_at_the_chosen_body(make):
    worker = open_skilled_worker_case(make)

    recognition_case = start_linked_recognition(worker)

    assert worker.case.state == "recognition_running"
    assert recognition_case.parent is worker.case
    assert (recognition_case.procedure_id, recognition_case.state) == ("recognition-bqfg", "received")
    assert recognition_case.office_id == worker.body.id
    assert recognition_case.accelerated is True
    assert recognition_case.applicant_id == worker.case.applicant_id
    assert recognition_case.employer_id == worker.case.employer_id
    assert recognition_case.reference.startswith("ANR-BQ-2026-")
    # § 14a(2) BQFG: receipt confirmed within two weeks (Mon 2 March + 2 weeks), not the standard month.
    assert {t.timer_id: t.due_on for t in open_timers(recognition_case)} == {
        "receipt_confirmation_accelerated": date(2026, 3, 16)}
    opened = case_events(recognition_case.id)[0]
    assert (opened.kind, opened.data["parent"]) == ("opened", worker.case.reference)


def test_the_recognition_cannot_be_sent_to_an_immigration_office(make):
    worker = open_skilled_worker_case(make)
    step(worker.case, "conclude_agreement", worker.clerk, date=TODAY, fee_paid_on=TODAY)

    refusal = refused(worker.case, "start_recognition", worker.clerk, procedure="recognition-bqfg",
                      recognition_office=str(worker.case.office_id))

    assert refusal.text("en") == "Please choose a recognition body."
    assert worker.case.state == "agreement_concluded" and worker.case.children == []
    assert db.session.query(Case).count() == 1


def test_each_linked_case_page_shows_the_other_cases_reference_and_state(app, make):
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)
    step(recognition_case, "confirm_receipt_incomplete", worker.body_clerk, documents="diploma")

    skilled_worker_page = login_as(app, worker.clerk).get(f"/cases/{worker.case.id}").get_data(as_text=True)
    recognition_page = login_as(app, worker.body_clerk).get(f"/cases/{recognition_case.id}").get_data(as_text=True)

    assert recognition_case.reference in skilled_worker_page
    assert state_words(recognition_case) == "Eingang bestätigt – Unterlagen unvollständig"
    assert state_words(recognition_case) in skilled_worker_page
    assert worker.case.reference in recognition_page
    assert state_words(worker.case) == "Anerkennungsverfahren läuft"
    assert state_words(worker.case) in recognition_page
    assert "recognition_running" not in recognition_page


def test_the_recognition_body_sees_the_linked_case_but_cannot_act_on_it(app, make):
    worker = open_skilled_worker_case(make)
    start_linked_recognition(worker)
    client = login_as(app, worker.body_clerk)

    page = client.get(f"/cases/{worker.case.id}")
    assert page.status_code == 200
    assert worker.case.reference in page.get_data(as_text=True)

    response = client.post(f"/cases/{worker.case.id}/transitions/request_ba_approval",
                           data={"version": worker.case.version})
    assert response.status_code == 403
    refused(worker.case, "request_ba_approval", worker.body_clerk, service.AccessDenied)
    assert worker.case.state == "recognition_running"


def test_the_immigration_office_sees_the_recognition_but_the_body_decides(app, make):
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)

    assert login_as(app, worker.clerk).get(f"/cases/{recognition_case.id}").status_code == 200
    refused(recognition_case, "confirm_receipt_incomplete", worker.clerk, service.AccessDenied, documents="diploma")


def test_a_clerk_of_an_unrelated_body_does_not_see_linked_cases(app, make):
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)
    stranger = make.user("recognition_clerk", make.office("recognition_body"))
    db.session.commit()
    client = login_as(app, stranger)

    assert client.get(f"/cases/{worker.case.id}").status_code == 404
    assert client.get(f"/cases/{recognition_case.id}").status_code == 404


def test_a_withdrawn_skilled_worker_procedure_is_told_in_the_open_recognition_case(app, make):
    """§ 81a ends, the recognition it started runs on: the body reads it in its case file (an event in the chain,
    a notice on the page, in the reader's language); the recognition itself, its deadlines included, is unchanged:
    whether the applicant's application goes on is for the body to clarify."""
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)
    step(recognition_case, "confirm_receipt_incomplete", worker.body_clerk, documents="diploma")
    deadlines = {timer.timer_id: (timer.status, timer.due_on) for timer in case_timers(recognition_case)}
    clock.travel_to(date(2026, 3, 9))

    step(worker.case, "withdraw", worker.clerk, effective_on="2026-03-05")  # received on the 5th, recorded on the 9th

    db.session.expire_all()
    assert (worker.case.state, recognition_case.state) == ("withdrawn", "incomplete")
    assert {timer.timer_id: (timer.status, timer.due_on) for timer in case_timers(recognition_case)} == deadlines
    told = case_events(recognition_case.id)[-1]
    assert (told.kind, told.subject, told.actor_id) == ("parent_case_ended", worker.case.reference, worker.clerk.id)
    assert told.data["ended_as"] == {"de": "Verfahren zurückgenommen", "en": "Procedure withdrawn"}
    assert told.data["ended_on"] == "2026-03-05"
    assert verify_events(case_events(recognition_case.id), audit_keyring()) is None

    page = login_as(app, worker.body_clerk).get(f"/cases/{recognition_case.id}").get_data(as_text=True)
    assert (f"Das beschleunigte Fachkräfteverfahren {worker.case.reference} ist beendet: Verfahren zurückgenommen, "
            "wirksam am 05.03.2026.") in page
    assert f"Beschleunigtes Fachkräfteverfahren {worker.case.reference} beendet: Verfahren zurückgenommen" in page
    worker.body_clerk.locale = "en"
    db.session.commit()
    page = login_as(app, worker.body_clerk).get(f"/cases/{recognition_case.id}").get_data(as_text=True)
    assert (f"The accelerated skilled-worker procedure {worker.case.reference} has ended: Procedure withdrawn, "
            "effective 5 Mar 2026.") in page


def test_the_notice_leaves_with_the_recognition_case_s_own_end_and_a_closed_one_is_not_told(app, make):
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)
    step(worker.case, "withdraw", worker.clerk)
    step(recognition_case, "withdraw", worker.body_clerk)  # the applicant withdrew the application as well

    page = login_as(app, worker.body_clerk).get(f"/cases/{recognition_case.id}").get_data(as_text=True)
    assert 'id="parent-ended"' not in page  # nothing left to clarify
    assert "Beschleunigtes Fachkräfteverfahren" in page  # the history still says it

    other = open_skilled_worker_case(make)
    decided = start_linked_recognition(other)
    step(decided, "withdraw", other.body_clerk)
    events_before = len(case_events(decided.id))
    step(other.case, "withdraw", other.clerk)
    assert len(case_events(decided.id)) == events_before


# --- definition versions ------------------------------------------------------------------------------------

V1_LABEL = "Confirm receipt – documents missing"
V2_LABEL = "Confirm receipt – documents still missing"


@pytest.fixture
def workflows_with_v2(tmp_path) -> Path:
    """The shipped definitions plus recognition-bqfg version 2, which renames one step."""
    for source in (ROOT / "workflows").glob("*.yaml"):
        shutil.copy(source, tmp_path / source.name)
    text = (ROOT / "workflows" / "recognition-bqfg.yaml").read_text(encoding="utf-8")
    assert "\nversion: 1\n" in text and f"en: {V1_LABEL}}}" in text
    text = text.replace("\nversion: 1\n", "\nversion: 2\n").replace(f"en: {V1_LABEL}}}", f"en: {V2_LABEL}}}")
    (tmp_path / "recognition-bqfg.v2.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def app_with_v2(app, workflows_with_v2):
    """The same database, served by an app that has loaded version 2 (a deployment of the new definition)."""
    settings = {key: app.config[key] for key in ("TESTING", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED",
                                                 "REDIS_URL", "SECRET_KEY", "SERVER_NAME")}
    new_app = create_app({**settings, "WORKFLOWS_DIR": str(workflows_with_v2)})
    yield new_app
    with new_app.app_context():
        db.engine.dispose()


def test_a_new_definition_version_applies_to_new_cases_only(app, make, app_with_v2):
    office = make.office("recognition_body")
    clerk = make.user("recognition_clerk", office)
    old_id = make.case("recognition-bqfg", office=office, actor=clerk).id
    office_id, clerk_id = office.id, clerk.id
    db.session.commit()

    with app_with_v2.app_context():
        assert registry().versions("recognition-bqfg") == [1, 2]
        office, clerk = db.session.get(Office, office_id), db.session.get(User, clerk_id)
        old = db.session.get(Case, old_id)
        new = Factory().case("recognition-bqfg", office=office, actor=clerk)

        assert (old.procedure_version, new.procedure_version) == (1, 2)
        assert workflow_of(old).transitions["confirm_receipt_incomplete"].label.en == V1_LABEL
        assert workflow_of(new).transitions["confirm_receipt_incomplete"].label.en == V2_LABEL

        client = login_as(app_with_v2, clerk)
        client.post("/language", data={"lang": "en"})
        old_page = client.get(f"/cases/{old_id}").get_data(as_text=True)
        new_page = client.get(f"/cases/{new.id}").get_data(as_text=True)
        assert V1_LABEL in old_page and V2_LABEL not in old_page
        assert V2_LABEL in new_page

        step(old, "confirm_receipt_incomplete", clerk, documents="passport")  # the old case keeps working on v1
        assert (old.state, old.procedure_version) == ("incomplete", 1)
        db.session.remove()
