"""The new case form: clear messages, nothing typed is lost, and a valid form opens the case through the engine."""
from __future__ import annotations

import html
import re

import pytest

from tracker.audit.service import case_events
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.parties.models import Person
from tracker.timers.service import open_timers


@pytest.fixture
def office(make):
    return make.office(name="Anerkennungsstelle Erfurt")


@pytest.fixture
def clerk(make, office, login):
    return login(make.user(office=office, name="Clara Clerk"))


@pytest.fixture
def employer(make):
    return make.employer(name="Pflege Erfurt GmbH")


@pytest.fixture
def complete(office, employer):
    return {
        "procedure": "recognition-bqfg", "office": str(office.id), "received_on": "2026-02-27",
        "given_names": "Thi Anh", "family_name": "Tran", "date_of_birth": "1995-04-12", "nationality": "Vietnam",
        "email": "anh.tran@example.org", "phone": "+84 90 1234567", "preferred_language": "en",
        "profession": "Bachelor of Nursing (Vietnam)", "reference_occupation": "Pflegefachfrau", "training_country": "Vietnam",
        "employer": str(employer.id),
        "street": "15 Phố Huế", "postcode": "100000", "city": "Hà Nội", "country": "Vietnam",
    }


def input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input [^>]*name="{name}"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    return html.unescape(value.group(1)) if value else None


def selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select [^>]*name="{name}"[^>]*>.*?</select>', page, re.S).group(0)
    option = re.search(r'<option selected value="([^"]*)">', select)
    return option.group(1) if option else None


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="error-message" id="{name}-error">([^<]*)</p>', page)
    return found.group(1).strip() if found else ""


def test_the_form_starts_with_today_and_the_clerk_s_office(client, clerk, office):
    page = client.get("/cases/new").get_data(as_text=True)

    assert input_value(page, "received_on") == "2026-03-02"
    assert selected(page, "office") == str(office.id)
    # A recognition body is offered recognition procedures only.
    assert 'value="recognition-bqfg"' in page and 'value="skilled-worker-81a"' not in page


def test_required_dates_are_marked_required_like_every_other_required_field(client, clerk):
    page = client.get("/cases/new").get_data(as_text=True)

    for name, label in (("received_on", "Eingang des Antrags"), ("date_of_birth", "Geburtsdatum")):
        assert re.search(rf'<label for="{name}">{label} <span class="required">\(Pflichtfeld\)</span></label>', page)
        assert re.search(rf'<input[^>]*id="{name}"[^>]*required', page)


def test_missing_fields_are_named_and_everything_typed_is_shown_again(client, clerk, complete):
    typed = dict(complete, family_name="", nationality="", reference_occupation="")

    response = client.post("/cases/new", data=typed)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("family_name", "nationality", "reference_occupation"):
        assert field_error(page, name) == "Dieses Feld wird benötigt.", name
    summary = page[page.index('id="error-summary"'):page.index("</ul>", page.index('id="error-summary"'))]
    assert "Familienname" in summary and "Staatsangehörigkeit" in summary and "Deutscher Referenzberuf" in summary
    for name in ("received_on", "given_names", "date_of_birth", "email", "phone", "profession"):
        assert input_value(page, name) == complete[name], name
    for name in ("procedure", "office", "preferred_language", "employer"):
        assert selected(page, name) == complete[name], name
    assert db.session.query(Case).count() == 0
    assert db.session.query(Person).count() == 0


def test_a_receipt_date_in_the_future_is_refused(client, clerk, complete):
    response = client.post("/cases/new", data=dict(complete, received_on="2026-03-03"))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "received_on") == "Das Datum darf nicht in der Zukunft liegen."
    assert input_value(page, "received_on") == "2026-03-03"
    assert input_value(page, "family_name") == "Tran"
    assert db.session.query(Case).count() == 0


@pytest.mark.parametrize("typed", ["1990-02-31", "31.02.1990", "99999-12-31", "gestern"])
def test_a_date_that_does_not_exist_is_called_so_and_kept_as_typed(client, clerk, complete, typed):
    response = client.post("/cases/new", data=dict(complete, date_of_birth=typed))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "date_of_birth") == "Kein gültiges Datum."  # not "required": it was given
    assert input_value(page, "date_of_birth") == typed
    # A browser's date field would show such a value empty: it comes back in a text field, visible as typed.
    assert re.search(r'<input [^>]*name="date_of_birth"[^>]*type="text"', page)
    assert db.session.query(Case).count() == 0


def test_a_date_the_browser_could_not_read_is_named_not_asked_for(client, clerk, complete):
    """Chromium sends a date field holding 31.02. empty; the page's script marks it (static/date-check.js)."""
    response = client.post("/cases/new", data=dict(complete, date_of_birth="", date_of_birth__unreadable="1"))

    assert field_error(response.get_data(as_text=True), "date_of_birth") == (
        "Dieses Datum gibt es nicht. Bitte prüfen Sie Tag, Monat und Jahr.")
    assert db.session.query(Case).count() == 0


def test_a_missing_date_is_asked_for(client, clerk, complete):
    response = client.post("/cases/new", data=dict(complete, date_of_birth=" "))

    assert field_error(response.get_data(as_text=True), "date_of_birth") == "Bitte geben Sie ein Datum an."


def test_a_birth_date_in_the_future_and_a_broken_email_are_refused(client, clerk, complete):
    response = client.post("/cases/new", data=dict(complete, date_of_birth="2030-01-01", email="anh.tran@"))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "date_of_birth") == "Das Datum darf nicht in der Zukunft liegen."
    assert field_error(page, "email") != ""
    assert input_value(page, "email") == "anh.tran@"


def test_a_birth_date_of_this_year_is_taken_for_a_typing_error(client, clerk, complete):
    # The app's clock stands on 2 Mar 2026: a person born in Nov 2025 holds no qualification to recognise.
    response = client.post("/cases/new", data=dict(complete, date_of_birth="2025-11-01"))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "date_of_birth") == ("Bitte prüfen Sie das Geburtsdatum: Die Person wäre jünger als "
                                                  "15 Jahre.")
    assert input_value(page, "date_of_birth") == "2025-11-01"
    assert client.post("/cases/new", data=dict(complete, date_of_birth="2011-02-28")).status_code == 302


def test_a_procedure_of_another_kind_of_office_cannot_be_chosen(client, clerk, complete):
    response = client.post("/cases/new", data=dict(complete, procedure="skilled-worker-81a"))

    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "procedure") != ""
    assert db.session.query(Case).count() == 0


def test_a_valid_form_opens_the_case_through_the_engine_and_shows_it(client, clerk, complete, employer):
    response = client.post("/cases/new", data=complete)

    assert response.status_code == 302
    case = db.session.query(Case).one()
    assert response.location.endswith(f"/cases/{case.id}")
    assert (case.procedure_id, case.procedure_version, case.state) == ("recognition-bqfg", 1, "received")
    assert case.reference.startswith("ANR-BQ-2026-")
    assert case.applicant.full_name == "Thi Anh Tran"
    assert (case.applicant.nationality, case.applicant.preferred_language) == ("Vietnam", "en")
    assert (case.profession, case.reference_occupation) == ("Bachelor of Nursing (Vietnam)", "Pflegefachfrau")
    assert case.employer_id == employer.id
    assert case.assignee_id == clerk.id
    assert [e.kind for e in case_events(case.id)][:1] == ["opened"]
    assert [t.timer_id for t in open_timers(case)] == ["receipt_confirmation"]
    assert open_timers(case)[0].started_on.isoformat() == "2026-02-27"
    assert len(case.documents) == 7  # the procedure's checklist
    page = client.get(response.location).get_data(as_text=True)
    assert f"Fall {case.reference} angelegt." in page


def test_no_employer_is_a_valid_choice(client, clerk, complete):
    response = client.post("/cases/new", data=dict(complete, employer="0"))

    assert response.status_code == 302
    assert db.session.query(Case).one().employer_id is None


def test_only_staff_may_open_cases(client, login, make, complete):
    login(make.user(role="employer", employer=make.employer()))

    assert client.get("/cases/new").status_code == 403
    assert client.post("/cases/new", data=complete).status_code == 403


def test_an_81a_case_needs_its_employer_and_keeps_what_was_typed(client, make, login, complete, employer):
    immigration = make.office("immigration_office", name="Ausländerbehörde Erfurt")
    login(make.user("immigration_clerk", immigration))
    typed = dict(complete, procedure="skilled-worker-81a", office=str(immigration.id), employer="0")

    response = client.post("/cases/new", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "bitte den Arbeitgeber auswählen" in html.unescape(field_error(page, "employer"))
    assert input_value(page, "family_name") == "Tran" and selected(page, "procedure") == "skilled-worker-81a"
    assert db.session.query(Case).count() == 0

    response = client.post("/cases/new", data=dict(typed, employer=str(employer.id)))
    assert response.status_code == 302
    assert db.session.query(Case).one().employer_id == employer.id


def test_the_service_refuses_an_81a_case_without_employer_whoever_asks(make):
    # The rule lives in open_case, not in the form: every caller (the form, the CLI, a story) meets it.
    from tracker.cases.service import CaseError, open_case

    immigration = make.office("immigration_office", name="Ausländerbehörde Erfurt")
    clerk = make.user("immigration_clerk", immigration)

    with pytest.raises(CaseError) as refused:
        open_case(procedure_id="skilled-worker-81a", applicant=make.person(), office=immigration, actor=clerk)

    assert [refusal.field for refusal in refused.value.refusals] == ["employer"]
    assert "is the employer's" in refused.value.text("en")
    db.session.rollback()
    assert db.session.query(Case).count() == 0


def test_the_same_form_sent_twice_opens_one_case(client, clerk, complete):
    key = input_value(client.get("/cases/new").get_data(as_text=True), "submission")
    assert key and len(key) >= 16  # every form shown gets its own one-time key

    first = client.post("/cases/new", data=dict(complete, submission=key))
    again = client.post("/cases/new", data=dict(complete, submission=key))  # a reload, a double click

    [case] = db.session.query(Case).all()
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"] == f"/cases/{case.id}"
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert f"Dieses Formular wurde bereits gesendet: Fall {case.reference} ist angelegt." in page

    other = input_value(client.get("/cases/new").get_data(as_text=True), "submission")
    assert other != key
    assert client.post("/cases/new", data=dict(complete, submission=other)).status_code == 302
    assert db.session.query(Case).count() == 2  # a new form is a new case, even with the same contents


def test_the_same_form_sent_twice_at_once_opens_one_case(app, clerk, complete):
    """Two requests with one form's key, at the same moment (a double click on a slow server): whichever commits
    second finds the key taken, by the database's unique key if not before."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from tests.factories import PASSWORD

    clients = [app.test_client() for _ in range(2)]
    for each in clients:
        assert each.post("/login", data={"email": clerk.email, "password": PASSWORD}).status_code == 302
    db.session.remove()
    key = "k" * 32
    start = Barrier(2)

    def send(each):
        start.wait(timeout=10)
        return each.post("/cases/new", data=dict(complete, submission=key))

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(send, clients))
    [case] = db.session.query(Case).all()
    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer.headers["Location"] for answer in answers} == {f"/cases/{case.id}"}


def test_a_forged_submission_key_is_refused_as_a_broken_form(client, clerk, complete):
    response = client.post("/cases/new", data=dict(complete, submission="<script>"))
    assert response.status_code == 422
    assert db.session.query(Case).count() == 0


def test_a_state_is_kept_under_its_one_name_however_it_was_typed(client, clerk, complete):
    """Reports count each state once (§ 17 BQFG statistics): a name in other capitals, the English name or the ISO
    code are all kept as the German name the list offers."""
    response = client.post("/cases/new", data={**complete, "nationality": "  türkiye ", "training_country": "vn"})

    assert response.status_code == 302, field_error(response.get_data(as_text=True), "nationality")
    case = db.session.scalars(db.select(Case).order_by(Case.id.desc())).first()
    assert (case.applicant.nationality, case.training_country) == ("Türkei", "Vietnam")


def test_a_nationality_may_be_stateless_or_undetermined(client, clerk, complete):
    assert client.post("/cases/new", data={**complete, "nationality": "stateless"}).status_code == 302
    case = db.session.scalars(db.select(Case).order_by(Case.id.desc())).first()
    assert case.applicant.nationality == "staatenlos"


def test_a_name_that_is_no_state_is_refused_and_kept_as_typed(client, clerk, complete):
    before = db.session.scalar(db.select(db.func.count(Case.id)))

    response = client.post("/cases/new", data={**complete, "nationality": "Vietnamesisch",
                                               "training_country": "staatenlos"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "nationality").startswith("Diesen Staat finden wir nicht.")
    assert field_error(page, "training_country").startswith("Diesen Staat finden wir nicht.")  # a state, not a status
    assert input_value(page, "nationality") == "Vietnamesisch"
    assert db.session.scalar(db.select(db.func.count(Case.id))) == before


def test_the_state_fields_offer_the_states_in_the_page_s_language(client, clerk):
    german = client.get("/cases/new").get_data(as_text=True)
    assert re.search(r'<input [^>]*list="nationality-names"[^>]*name="nationality"', german)
    assert re.search(r'<input [^>]*list="state-names"[^>]*name="training_country"', german)
    states = re.search(r'<datalist id="state-names">(.*?)</datalist>', german, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)">', states)
    assert len(options) == len(set(options)) >= 240 and "Vietnam" in options  # every state once
    assert '<option value="Türkei">' in states and '<option value="staatenlos">' not in states
    assert '<option value="staatenlos">' in re.search(r'<datalist id="nationality-names">(.*?)</datalist>',
                                                      german, re.S).group(1)

    client.post("/language", data={"lang": "en"})
    english = client.get("/cases/new").get_data(as_text=True)
    assert '<option value="Türkiye">' in re.search(r'<datalist id="state-names">(.*?)</datalist>', english,
                                                   re.S).group(1)


def test_the_stored_name_reads_in_the_page_s_language(client, clerk, complete):
    client.post("/cases/new", data={**complete, "nationality": "TR"})
    case = db.session.scalars(db.select(Case).order_by(Case.id.desc())).first()
    assert ", Türkei</dd>" in html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))

    client.post("/language", data={"lang": "en"})

    assert ", Türkiye</dd>" in html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))


def test_a_report_breakdown_by_nationality_names_the_states_in_the_page_s_language(app):
    from tracker.reports.tables import group_labeller

    with app.test_request_context():
        english = group_labeller("nationality", [], "en")
        german = group_labeller("country", [], "de")

        assert (english("Türkei"), english("staatenlos"), english("Atlantis")) == ("Türkiye", "stateless", "Atlantis")
        assert german("Türkei") == "Türkei" and german("") == "nicht angegeben"
