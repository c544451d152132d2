"""An employer requests the accelerated skilled-worker procedure (§ 81a AufenthG) from the portal: the case opens at
the chosen immigration office, the declared power of attorney lets the employer follow it at once, the office hears
of it; bad input comes back with what was typed; only an employer's user may, for its own organisation."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.auth.test_login_and_access import csrf_client, csrf_token  # noqa: F401 (a fixture)
from tests.factories import PASSWORD
from tracker.audit.service import case_events
from tracker.cases.models import Authorisation, Case
from tracker.extensions import db
from tracker.notifications.models import OutboxMessage

URL = "/portal/cases/new"


def filled(at, **changes) -> dict:
    """The request form as an employer fills it in, for the immigration office ``at``."""
    form = {"office": str(at.id), "given_names": "Thi Lan", "family_name": "Pham", "date_of_birth": "1996-04-12",
            "nationality": "Vietnam", "email": "lan.pham@example.org", "phone": "", "preferred_language": "en",
            "street": "12 Tran Hung Dao", "postcode": "", "city": "Hanoi", "country": "Vietnam",
            "profession": "Bachelor of Nursing", "reference_occupation": "Pflegefachfrau",
            "training_country": "VN", "granted_on": "2026-02-20", "power_of_attorney": "y",
            "submission": "request-form-key-0001"}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


@pytest.fixture
def scene(make):
    office = make.office("immigration_office", name="Ausländerbehörde Erfurt")
    lead = make.user("team_lead", office, name="Lea Leitung")
    clerk = make.user("immigration_clerk", office)
    employer = make.employer("Stadtwerke Erfurt")
    user = make.user("employer", employer=employer, name="Petra Personal")
    return office, lead, clerk, employer, user


def test_the_request_opens_the_case_at_the_office_and_the_employer_follows_it(client, login, make, scene):
    office, lead, clerk, employer, user = scene
    login(user)
    form = client.get(URL).get_data(as_text=True)
    assert "Ausländerbehörde Erfurt" in form and 'name="submission"' in form

    response = client.post(URL, data=filled(office))

    assert response.status_code == 302
    case = db.session.scalar(select(Case).where(Case.employer_id == employer.id))
    assert response.headers["Location"].endswith(f"/portal/cases/{case.id}")
    assert (case.procedure_id, case.state, case.office_id) == ("skilled-worker-81a", "agreement_pending", office.id)
    assert case.received_on.isoformat() == "2026-03-02"  # received today (the app's clock)
    assert case.assignee_id is None
    assert (case.applicant.full_name, case.applicant.nationality, case.training_country) == (
        "Thi Lan Pham", "Vietnam", "Vietnam")  # the ISO code kept as the state's one name
    (authorisation,) = case.authorisations
    assert (authorisation.kind, authorisation.employer_id, authorisation.grantor) == (
        "power_of_attorney_81a", employer.id, "Thi Lan Pham")
    assert (authorisation.valid_from.isoformat(), authorisation.recorded_by_id) == ("2026-02-20", user.id)
    assert [(event.kind, event.actor_id) for event in case_events(case.id)][:1] == [("opened", user.id)]

    page = client.get(f"/portal/cases/{case.id}").get_data(as_text=True)
    assert case.reference in page and "Ihr Antrag ist eingegangen" in page
    assert case.reference in client.get("/portal").get_data(as_text=True)
    # The office: the case in its queue, unassigned; its team lead told at once (nobody is assigned yet).
    client.post("/logout")
    login(clerk)
    assert case.reference in client.get("/cases?assignee=unassigned").get_data(as_text=True)
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    assert [message.address for message in told] == [lead.email]
    assert "Stadtwerke Erfurt" in told[0].body and "Pham" not in told[0].body + told[0].subject


def test_bad_input_comes_back_with_what_was_typed_and_opens_nothing(client, login, make, scene):
    office, _lead, _clerk, _employer, user = scene
    login(user)

    response = client.post(URL, data=filled(office, family_name="", nationality="Atlantis", granted_on="2026-03-09",
                                            power_of_attorney=None))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Diesen Staat finden wir nicht" in page
    assert "Das Datum darf nicht in der Zukunft liegen." in page
    assert "Bitte bestätigen Sie, dass die Vollmacht der Fachkraft vorliegt." in page
    assert 'value="Thi Lan"' in page and 'value="Atlantis"' in page and 'value="Bachelor of Nursing"' in page
    assert db.session.scalar(select(func.count(Case.id))) == 0


def test_only_an_immigration_office_takes_the_request(client, login, make, scene):
    office, _lead, _clerk, _employer, user = scene
    body = make.office("recognition_body", name="IHK FOSA")
    login(user)

    response = client.post(URL, data=filled(office, office=str(body.id)))

    assert response.status_code == 422
    assert "Bitte wählen Sie einen Eintrag aus der Liste." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Case.id))) == 0


def test_the_same_form_sent_twice_opens_one_case(client, login, make, scene):
    office, *_, user = scene
    login(user)
    first = client.post(URL, data=filled(office))
    second = client.post(URL, data=filled(office))

    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Case.id))) == 1
    assert "Dieses Formular wurde bereits gesendet" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_an_organisation_requests_at_most_the_day_s_limit(app, client, login, make, scene):
    office, *_, user = scene
    app.config["PORTAL_REQUESTS_PER_DAY"] = 2
    login(user)
    for number in range(2):
        assert client.post(URL, data=filled(office, submission=f"request-form-key-000{number}")).status_code == 302

    refused = client.post(URL, data=filled(office, submission="request-form-key-0009", family_name="Nguyen"))

    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "schon 2 Verfahren beantragt" in page and 'value="Nguyen"' in page
    assert db.session.scalar(select(func.count(Case.id))) == 2


@pytest.mark.parametrize("role", ["advisor", "immigration_clerk", "recognition_clerk", "team_lead", "admin"])
def test_nobody_but_an_employer_s_user_requests(client, login, make, scene, role):
    office = scene[0]
    login(make.user(role, office if role in ("immigration_clerk", "team_lead") else None))

    assert client.get(URL).status_code == 403
    assert client.post(URL, data=filled(office)).status_code == 403
    assert db.session.scalar(select(func.count(Case.id))) == 0


def test_the_request_needs_the_form_s_csrf_token(csrf_client, make, scene):  # noqa: F811
    office, *_, user = scene
    token = csrf_token(csrf_client.get("/login"))
    csrf_client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})

    assert csrf_client.post(URL, data=filled(office)).status_code == 400
    assert db.session.scalar(select(func.count(Case.id))) == 0
    form = csrf_client.get(URL)
    assert csrf_client.post(URL, data=filled(office) | {"csrf_token": csrf_token(form)}).status_code == 302


def test_the_english_form_speaks_english(client, login, make, scene):
    office, *_, user = scene
    user.locale = "en"
    db.session.commit()
    login(user)

    page = client.get(URL).get_data(as_text=True)

    assert "Request the accelerated skilled-worker procedure" in page
    assert re.search(r"<label[^>]*>\s*Date the power of attorney was given", page)
