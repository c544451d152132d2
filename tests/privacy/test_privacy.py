"""Privacy (GDPR): the read log of staff reads, the data-protection role's pages, erasure on request and by the
retention job (statistics and a verifiable audit chain kept), and the export of everything about one person."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from tests.audit.test_audit_chain import tamper, verify, walk_recognition
from tests.documents import samples
from tracker import clock
from tracker.audit.models import Event, EventKind, EventPersonal
from tracker.audit.service import case_events
from tracker.cases import service
from tracker.cases.models import Case, Note
from tracker.documents.models import Upload
from tracker.documents.storage import LocalDirectoryStorage
from tracker.documents.uploads import receive_upload
from tracker.extensions import db
from tracker.letters.models import LetterRecord
from tracker.messages.models import Message
from tracker.messages.service import post_message
from tracker.notifications.models import OutboxMessage
from tracker.privacy.erasure import erase_case
from tracker.privacy.models import CaseRead
from tracker.privacy.retention import keep_until
from tracker.registry import registry


def officer(make):
    return make.user(role="data_protection", name="Dana Datenschutz")


def clerk_of(case):
    return next(event.actor for event in case_events(case.id) if event.actor is not None
                and event.actor.role == "recognition_clerk")


def test_staff_reads_of_case_files_and_letters_are_logged_and_shown_to_the_data_protection_role(
        client, login, make):
    case = walk_recognition(make)
    clerk = clerk_of(case)
    letter = db.session.scalar(select(LetterRecord).where(LetterRecord.case_id == case.id).limit(1))
    login(clerk)
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.get(f"/cases/{case.id}/letters/{letter.id}").status_code == 200
    assert client.get(f"/cases/{case.id}/letters/{letter.id}.pdf").status_code == 200
    reads = list(db.session.scalars(select(CaseRead).where(CaseRead.case_id == case.id).order_by(CaseRead.id)))
    assert [(r.user_id, r.what) for r in reads] == [
        (clerk.id, "case_file"), (clerk.id, f"letter:{letter.id}"), (clerk.id, f"letter:{letter.id}.pdf")]
    # Reads are not changes: the case's chain and version do not move.
    events_before = len(case_events(case.id))
    client.get(f"/cases/{case.id}")
    assert len(case_events(case.id)) == events_before
    # The clerk may not see the read log; the data-protection officer sees who read what.
    assert client.get(f"/privacy/cases/{case.id}/reads").status_code == 404
    assert client.get("/privacy/").status_code == 403
    client.post("/logout")
    login(officer(make))
    page = client.get(f"/privacy/cases/{case.id}/reads").get_data(as_text=True)
    assert clerk.name in page and f"Schreiben {letter.id}.pdf" in page and "Fallakte" in page
    assert "case_file" not in page and clerk.role not in page  # in words, not the stored keys


def test_the_data_protection_role_sees_no_case_file_and_finds_cases_by_reference(client, login, make):
    case = walk_recognition(make)
    login(officer(make))
    assert client.get("/", follow_redirects=False).headers["Location"].endswith("/privacy/")
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get(f"/cases/{case.id}/letters/decision").status_code == 404
    assert client.get("/cases", follow_redirects=True).request.path == "/privacy/"  # no work queue: the own home
    page = client.get("/privacy/", query_string={"reference": case.reference})
    assert page.status_code == 200 and case.applicant.full_name in page.get_data(as_text=True)
    missing = client.get("/privacy/", query_string={"reference": "NOPE-1"})
    assert missing.status_code == 422 and "NOPE-1" in missing.get_data(as_text=True)


def test_erasure_on_request_keeps_statistics_and_a_verifiable_chain(client, login, make, runner):
    case = walk_recognition(make)
    person, reference = case.applicant, case.reference
    name = person.family_name
    assert not case.is_open
    refusal = next(e for e in case_events(case.id) if e.subject == "refuse")
    assert refusal.reason == "Training differs substantially." and refusal.stored_reason == ""
    mailed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    login(officer(make))
    refused = client.post(f"/privacy/persons/{person.id}/erase", data={"reason": "", "confirm": "y"})
    assert refused.status_code == 422 and "Grund der Löschung" in refused.get_data(as_text=True)
    response = client.post(f"/privacy/persons/{person.id}/erase",
                           data={"reason": "Antrag auf Löschung vom 01.03.2026", "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    # The person is pseudonymised; the statistical facts remain.
    assert case.applicant.family_name == "(gelöscht)" and case.applicant.date_of_birth is None
    assert case.applicant.email == "" and case.applicant.nationality == "Vietnam"
    assert (case.reference, case.procedure_id, case.outcome, case.state) == (reference, "recognition-bqfg",
                                                                             "negative", "refused")
    assert case.erased_at is not None
    # Notes, reasons, letters' text and the case's e-mails (addresses, first names) are gone.
    assert mailed and db.session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all() == []
    assert db.session.scalars(select(Note).where(Note.case_id == case.id)).all() == []
    assert all(letter.content == {} for letter in db.session.scalars(
        select(LetterRecord).where(LetterRecord.case_id == case.id)))
    refusal = next(e for e in case_events(case.id) if e.subject == "refuse")
    assert refusal.reason == "" and refusal.personal.erased_at is not None
    erased = case_events(case.id)[-1]
    assert erased.kind == EventKind.PERSONAL_DATA_ERASED and erased.actor.role == "data_protection"
    # The chain still verifies, and nothing of the person is left in any event.
    result = verify(runner)
    assert result.exit_code == 0, result.output
    dump = json.dumps([[e.stored_reason, e.data] for e in db.session.scalars(select(Event))], ensure_ascii=False)
    assert name not in dump and "Training differs" not in dump
    # The clerk still opens the case file (its facts); the letter's text is gone (410), its record stays.
    clerk = clerk_of(case)
    client.post("/logout")
    login(clerk)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and name not in page.get_data(as_text=True)
    letter = db.session.scalar(select(LetterRecord).where(LetterRecord.case_id == case.id).limit(1))
    assert client.get(f"/cases/{case.id}/letters/{letter.id}").status_code == 410
    assert client.get(f"/cases/{case.id}/letters/{letter.id}.pdf").status_code == 410


def test_erasure_is_refused_while_a_case_is_open(client, login, make):
    case = make.case("recognition-bqfg")
    login(officer(make))
    page = client.get("/privacy/", query_string={"reference": case.reference}).get_data(as_text=True)
    assert "erst möglich" in page
    response = client.post(f"/privacy/persons/{case.applicant_id}/erase",
                           data={"reason": "Antrag", "confirm": "y"})
    assert response.status_code == 422 and "noch offen" in response.get_data(as_text=True)
    assert db.session.get(Case, case.id).applicant.erased_at is None


def test_an_altered_personal_part_breaks_the_chain_an_erased_one_does_not(make, runner):
    case = walk_recognition(make)
    refusal = next(e for e in case_events(case.id) if e.subject == "refuse")
    db.session.execute(EventPersonal.__table__.update().where(EventPersonal.event_id == refusal.id)
                       .values(content={"reason": "Something else entirely."}))
    db.session.commit()
    result = verify(runner)
    assert result.exit_code != 0 and "personal part was altered" in result.output
    tamper("DELETE FROM event_personal WHERE event_id = :id", id=refusal.id)
    assert "personal part is missing" in verify(runner).output


def test_retention_periods_are_declared_per_procedure_and_outcome(app):
    for workflow in registry().all():
        assert workflow.retention is not None, workflow.id
        assert set(workflow.retention.after_closing) == {"positive", "partial", "negative", "withdrawn"}


def test_the_retention_job_erases_closed_cases_whose_period_ran_out(make, runner):
    case = walk_recognition(make)
    other = make.case("recognition-bqfg")  # open: never due
    until = keep_until(case)
    assert until == date(2031, 3, 2)  # refused on 2 March 2026: negative keeps 5 years (P60M)
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0 and "0 case(s) due" in dry.output
    clock.travel_to(date(2031, 3, 3))
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert f"{case.reference}: kept until 2031-03-02" in dry.output and "1 case(s) due" in dry.output
    assert db.session.get(Case, case.id).erased_at is None  # a dry run erases nothing
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "1 case(s) erased" in result.output
    assert case.applicant.family_name not in result.output
    db.session.expire_all()
    erased = db.session.get(Case, case.id)
    assert erased.erased_at is not None and erased.applicant.erased_at is not None
    assert case_events(case.id)[-1].actor_role == "system"
    assert db.session.get(Case, other.id).erased_at is None
    assert verify(runner).exit_code == 0
    assert "0 case(s) erased" in runner.invoke(args=["retention", "run"]).output  # idempotent


def test_export_of_everything_about_a_person_is_audited(client, login, make):
    case = walk_recognition(make)
    person = case.applicant
    login(officer(make))
    response = client.post(f"/privacy/persons/{person.id}/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.get_data(as_text=True))
    assert document["person"]["family_name"] == person.family_name
    [exported] = document["cases"]
    assert exported["reference"] == case.reference
    assert "Applicant phoned: diploma is on its way." in [note["text"] for note in exported["notes"]]
    assert any(event["reason"] == "Training differs substantially." for event in exported["events"])
    assert exported["letters"] and exported["letters"][0]["content"]
    last = case_events(case.id)[-1]
    assert last.kind == EventKind.PERSONAL_DATA_EXPORTED and last.actor.role == "data_protection"


@pytest.fixture
def sent_by_the_applicant(app, make, tmp_path):
    """A case whose applicant sent a file for the requested diploma and wrote to the office, in a document store of
    its own: (case, clerk, upload, message)."""
    previous, app.config["DOCUMENTS_DIR"] = app.config["DOCUMENTS_DIR"], str(tmp_path / "documents")
    office = make.office()
    clerk = make.user(office=office)
    case = make.case(office=office, actor=clerk)
    service.set_document_status(case, "diploma", "requested", clerk)
    db.session.commit()
    file = io.BytesIO(samples.good_pdf())
    file.filename = "Zeugnis Universität Hanoi.pdf"
    upload = receive_upload(case, "diploma", file, uploaded_by_applicant=True)
    message = post_message(case, "Mein Zeugnis der Universität Hanoi kommt per Post.", from_applicant=True)
    db.session.commit()
    yield case, clerk, upload, message
    app.config["DOCUMENTS_DIR"] = previous


def test_the_export_holds_the_messages_and_the_files_sent(client, login, make, sent_by_the_applicant):
    """Browser review: the Art. 15 export left out the thread with the office and the list of files sent."""
    case, clerk, _upload, _message = sent_by_the_applicant
    post_message(case, "Danke, wir warten darauf.", author_user=clerk)
    db.session.commit()
    login(officer(make))

    document = json.loads(client.post(f"/privacy/persons/{case.applicant.id}/export").get_data(as_text=True))

    [exported] = document["cases"]
    assert [(m["from"], m["text"]) for m in exported["messages"]] == [
        ("applicant", "Mein Zeugnis der Universität Hanoi kommt per Post."), ("office", "Danke, wir warten darauf.")]
    [sent] = exported["uploads"]
    assert (sent["file_name"], sent["checklist_item"], sent["from_applicant"]) == (
        "Zeugnis Universität Hanoi.pdf", "diploma", True)
    assert clerk.name not in json.dumps(exported["messages"])


def test_other_roles_cannot_export_or_erase(client, login, make):
    case = walk_recognition(make)
    login(make.user(role="admin"))
    assert client.post(f"/privacy/persons/{case.applicant_id}/export").status_code == 404
    assert client.post(f"/privacy/persons/{case.applicant_id}/erase",
                       data={"reason": "x", "confirm": "y"}).status_code == 404
    assert db.session.get(Case, case.id).erased_at is None


def test_erasure_removes_the_files_sent_and_the_message_texts(app, make, runner, sent_by_the_applicant):
    """What the parties sent is personal data too: the stored bytes and the message texts go; the rows stay as the
    record that something was received (size, type, SHA-256, who and when), and the chain still verifies."""
    case, _clerk, upload, message = sent_by_the_applicant
    assert LocalDirectoryStorage(app.config["DOCUMENTS_DIR"]).keys() == [upload.storage_key]

    erase_case(db.session.get(Case, case.id), officer(make), "Antrag auf Löschung")
    db.session.commit()

    db.session.expire_all()
    assert LocalDirectoryStorage(app.config["DOCUMENTS_DIR"]).keys() == []
    kept = db.session.get(Upload, upload.id)
    assert kept.file_name == "(gelöscht)" and kept.sha256 and kept.size > 0
    assert db.session.get(Message, message.id).body == "(gelöscht)"
    assert verify(runner).exit_code == 0


def test_the_read_log_names_downloads_api_reads_and_code_prints_in_words(client, login, make):
    case = walk_recognition(make)
    clerk = clerk_of(case)
    for what in ("upload:7", "api:case", "api:events", "letter:3:with_access_code"):
        db.session.add(CaseRead(user_id=clerk.id, case_id=case.id, what=what, occurred_at=clock.now()))
    db.session.commit()
    login(officer(make))

    page = client.get(f"/privacy/cases/{case.id}/reads").get_data(as_text=True)

    for words in ("Hochgeladene Unterlage 7 heruntergeladen", "Fall über die API", "Verlauf über die API",
                  "Schreiben 3 mit neuem Zugangscode gedruckt"):
        assert words in page
    assert "api:case" not in page and "upload:7" not in page


def test_an_erased_case_takes_no_new_note_message_or_access_code(client, login, make):
    """Browser review: after the erasure a clerk could still write a note, message the parties and issue a new
    access code on the case; the person is marked erased already, so nothing would ever erase that data."""
    from tracker.applicant.codes import issue_code
    from tracker.cases import service
    from tracker.messages.service import post_message
    from tracker.privacy.erasure import erase_person

    case = walk_recognition(make)
    clerk = clerk_of(case)
    erase_person(case.applicant, officer(make), "Antrag auf Löschung vom 01.03.2026")
    db.session.commit()

    for attempt in (lambda: service.add_note(case, clerk, "wohnt jetzt in Jena"),
                    lambda: post_message(case, "Bitte rufen Sie an", author_user=clerk),
                    lambda: issue_code(case, clerk)):
        with pytest.raises(service.CaseError, match="Art. 17"):
            attempt()
        db.session.rollback()
    login(clerk)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Text gelöscht (Datenschutz)" in page and "/letters/" not in page.split('id="letters"')[1].split("</section>")[0]
    response = client.post(f"/cases/{case.id}/notes", data={"version": case.version, "body": "wohnt jetzt in Jena"})
    assert "gelöscht (Art. 17 DSGVO)" in response.get_data(as_text=True)
    assert not db.session.scalars(select(Note).where(Note.case_id == case.id, Note.body.contains("Jena"))).all()
