"""Demo data for `make run`, and the procedure pages."""
import re

from email_validator import validate_email
from sqlalchemy import func, select

from tracker.cases.models import Case
from tracker.cases.queries import verify_audit_trail
from tracker.cli.demo import DEMO_PASSWORD, load_demo
from tracker.extensions import db
from tracker.parties.models import Person
from tracker.procedures.labels import legal_basis
from tracker.registry import registry


def test_demo_loads_once_through_the_engine_with_intact_audit_chains(app):
    assert load_demo() is True
    count = db.session.scalar(select(func.count(Case.id)))
    assert load_demo() is False  # a second `make run` must not duplicate it
    assert db.session.scalar(select(func.count(Case.id))) == count
    procedures = set(db.session.scalars(select(Case.procedure_id)))
    assert procedures == {"recognition-bqfg", "recognition-thuerbqfg", "skilled-worker-81a"}
    assert len(set(db.session.scalars(select(Case.state)))) >= 6
    assert list(verify_audit_trail()) == []


def test_every_demo_person_has_a_valid_e_mail_address(app):
    """The status page's code goes out by e-mail: a demo address with a space could not be sent to."""
    load_demo()
    addresses = list(db.session.scalars(select(Person.email)))
    assert "nguyen.thi.lan@example.org" in addresses
    for address in addresses:
        validate_email(address, check_deliverability=False)  # raises EmailNotValidError


def test_demo_applies_the_ba_fiction_as_the_system(app):
    load_demo()
    from tracker.audit.models import Event

    fiction = db.session.scalar(select(Event).where(Event.subject == "deem_ba_approval_granted"))
    assert fiction is not None and fiction.actor_id is None and "§ 36(2) BeschV" in fiction.basis


def test_the_fictions_reason_reads_in_the_pages_language(app, client):
    load_demo()
    from tracker.audit.models import Event

    fiction = db.session.scalar(select(Event).where(Event.subject == "deem_ba_approval_granted"))
    assert fiction.reason.startswith("Fristablauf am ")  # the file's record, in German
    client.post("/login", data={"email": "sachbearbeitung@abh-erfurt.demo", "password": DEMO_PASSWORD})
    german = client.get(f"/cases/{fiction.case_id}").get_data(as_text=True)
    english = client.get(f"/cases/{fiction.case_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert fiction.reason in german
    assert "passed without an answer (§ 36(2) BeschV)" in english and "Fristablauf" not in english


def test_demo_logins_work(app, client):
    load_demo()
    response = client.post("/login", data={"email": "anerkennung@hwk-erfurt.demo", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/cases").status_code == 200


def test_each_procedure_is_shown_as_a_diagram_with_every_state(app, client, make, login):
    login(make.user(role="recognition_clerk", office=make.office()))
    for workflow in registry().all():
        page = client.get(f"/procedures/{workflow.id}").get_data(as_text=True)
        assert "<svg" in page
        for state in workflow.states.values():
            assert state.title.de in page
        for timer in workflow.timers.values():
            assert legal_basis(timer.basis, "de") in page  # the ThürBQFG reading note in German


#: German words a legal basis in English must not show (the definitions write some of their bases' words in German).
GERMAN_WORDS = re.compile(r"[äöüß]|\b(des|der|die|und|Antrag\w*|Gebühr|Vereinbarung|Zustimmungsfiktion|"
                          r"Zeugnisbewertung|unverzüglich|entspricht|prüfen)\b")


def test_each_legal_basis_reads_in_the_page_s_language(app, client, make, login):
    login(make.user(role="recognition_clerk", office=make.office()))
    for workflow in registry().all():
        bases = [*(t.basis for t in workflow.transitions.values()), *(t.basis for t in workflow.timers.values())]
        english = client.get(f"/procedures/{workflow.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
        german = client.get(f"/procedures/{workflow.id}").get_data(as_text=True)
        for basis in bases:
            assert not GERMAN_WORDS.search(legal_basis(basis, "en").replace("ThürBQFG", "")), basis  # a law's name
            assert legal_basis(basis, "en") in english.replace("&#39;", "'")
            assert "verify" not in legal_basis(basis, "de")
            assert legal_basis(basis, "de") in german.replace("&#39;", "'")
    withdrawal = "§ 81a(2) AufenthG (Vereinbarung); Rücknahme des Antrags (§ 22 VwVfG)"
    assert legal_basis(withdrawal, "en") == "§ 81a(2) AufenthG (agreement); withdrawal of the application (§ 22 VwVfG)"
    assert legal_basis(withdrawal, "de") == withdrawal


def test_the_demo_prints_an_access_code_that_opens_an_applicant_s_status_page(app, client):
    output = app.test_cli_runner().invoke(args=["demo"]).stdout
    found = re.search(r"reference (\S+) and access code (\S+) ", output)
    assert found, output
    response = client.post("/status", data={"reference": found.group(1), "code": found.group(2)})
    assert response.status_code == 302 and response.location.endswith("/status")
    assert found.group(1) in client.get("/status").get_data(as_text=True)
    # A second run loads nothing and issues no new code (the first one keeps working).
    assert "access code" not in app.test_cli_runner().invoke(args=["demo"]).stdout
