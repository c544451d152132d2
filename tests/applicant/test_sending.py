"""From the status page the applicant sends the documents we asked for and writes to the office: through the same
verbs as the portal (content check, storage, checklist, audit), only for the one case the session opens."""
from __future__ import annotations

import io
import re

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.applicant.conftest import enter, fresh, issue, step, text
from tests.documents import samples
from tracker import clock
from tracker.audit.models import Event, EventKind
from tracker.cases import service
from tracker.documents.models import Upload
from tracker.documents.storage import LocalDirectoryStorage
from tracker.extensions import db
from tracker.messages import service as messages
from tracker.messages.models import Message


@pytest.fixture
def storage_dir(app, tmp_path):
    previous = app.config["DOCUMENTS_DIR"]
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    yield tmp_path / "documents"
    app.config["DOCUMENTS_DIR"] = previous


@pytest.fixture
def inside(client, case, clerk, storage_dir):
    """The applicant on the page of a case whose diploma we asked for."""
    service.set_document_status(fresh(case), "diploma", "requested", clerk)
    db.session.commit()
    assert enter(client, case.reference, issue(case, clerk).code).status_code == 302
    return case


def send(client, name: str, content: bytes, document_id: str = "diploma"):
    return client.post(f"/status/documents/{document_id}", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def stored() -> list[str]:
    return LocalDirectoryStorage(current_app.config["DOCUMENTS_DIR"]).keys()


def test_the_page_offers_to_send_what_we_asked_for(client, inside):
    page = text(client.get("/status"))
    assert "Unterlagen schicken" in page and "schicken" in page
    html = client.get("/status").get_data(as_text=True)
    assert 'action="/status/documents/diploma"' in html and 'enctype="multipart/form-data"' in html


def test_a_document_sent_from_the_page_is_received_and_listed(client, inside):
    response = send(client, "zeugnis.pdf", samples.good_pdf())

    assert response.status_code == 302 and response.headers["Location"].endswith("/status#send-documents")
    case = fresh(inside)
    diploma = next(d for d in case.documents if d.document_id == "diploma")
    assert diploma.status == "received" and diploma.received_on is not None
    (upload,) = db.session.scalars(select(Upload)).all()
    assert upload.from_applicant and upload.uploaded_by_id is None and len(stored()) == 1
    event = db.session.scalar(select(Event).where(Event.kind == EventKind.DOCUMENT_UPLOADED))
    assert event.actor_role == "applicant" and event.case_id == case.id
    page = text(client.get("/status"))
    assert "ist bei uns angekommen" in page and "zeugnis.pdf" in page


@pytest.mark.parametrize("name, content", [
    ("zeugnis.pdf", b"<html><script>alert(1)</script></html>"),
    ("zeugnis.pdf", samples.pdf_with_javascript()),
    ("bild.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("leer.pdf", b""),
])
def test_a_hostile_file_is_refused_with_why_and_nothing_is_stored(client, inside, name, content):
    response = send(client, name, content)

    assert response.status_code == 422
    assert 'id="upload-diploma-file-error"' in response.get_data(as_text=True) or "Datei" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0 and stored() == []
    assert next(d for d in fresh(inside).documents if d.document_id == "diploma").status == "requested"


def test_a_file_far_too_large_leads_back_to_the_status_page_not_to_the_staff_login(app, client, inside):
    """Browser review: the 413 page's only link led to "/", which sends a visitor without login to the staff login."""
    limit, app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"], 100_000
    try:
        response = send(client, "zeugnis.pdf", b"%PDF-" + b"0" * 200_000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "Datei zu groß" in page
    assert '<a href="/status">Zurück zu Ihrer Statusseite</a>' in page and "Zur Startseite" not in page


def test_without_the_applicant_s_session_nothing_is_received(client, case, clerk, storage_dir):
    service.set_document_status(fresh(case), "diploma", "requested", clerk)
    db.session.commit()
    response = send(client, "zeugnis.pdf", samples.good_pdf())
    assert response.status_code == 302 and response.headers["Location"].endswith("/status")
    assert client.post("/status/messages", data={"body": "Hallo"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0 and stored() == []
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_the_applicant_writes_to_the_office_and_reads_the_answer(client, inside, clerk):
    response = client.post("/status/messages", data={"body": "Ich schicke das Zeugnis nächste Woche."})
    assert response.status_code == 302 and response.headers["Location"].endswith("/status#messages")
    (message,) = db.session.scalars(select(Message)).all()
    assert message.author_role == "applicant" and not message.from_office and message.read_at is None

    messages.post_message(fresh(inside), "Danke, das passt.", author_user=clerk)
    db.session.commit()
    page = text(client.get("/status"))
    assert "Ich schicke das Zeugnis nächste Woche." in page and "Danke, das passt." in page
    assert "Sie" in page and "Clara" not in page  # the office answers as the authority, never by name


def test_an_empty_or_broken_message_is_refused_and_the_text_kept(client, inside):
    empty = client.post("/status/messages", data={"body": "   "})
    assert empty.status_code == 422 and "Bitte schreiben Sie eine Nachricht." in text(empty)
    typed = "Frage zum Termin\x00"
    broken = client.post("/status/messages", data={"body": typed})
    assert broken.status_code == 422 and "Frage zum Termin" in broken.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def offered(response) -> set[str]:
    """The documents the page has an upload form for."""
    return set(re.findall(r'action="/status/documents/(\w+)"', response.get_data(as_text=True)))


def needed(response) -> str:
    """The text of "Was wir von Ihnen brauchen"."""
    return text(response).split("Was wir von Ihnen brauchen", 1)[1].split("Bis wann wir entscheiden müssen", 1)[0]


@pytest.fixture
def skilled_worker_case(make, storage_dir):
    """A § 81a case after the agreement: the employer's agreement and fee receipt are in, the worker's papers are
    not, and it is the authority's turn (as the demo's ABH-EF-2026-000001)."""
    immigration = make.office(kind="immigration_office")
    clerk = make.user(role="immigration_clerk", office=immigration)
    case = make.case(procedure_id="skilled-worker-81a", office=immigration, actor=clerk)
    step(case, "conclude_agreement", clerk, date="2026-03-02", fee_paid_on="2026-03-02")
    return case, clerk


def test_a_page_that_needs_nothing_offers_nothing_to_send(client, skilled_worker_case):
    case, clerk = skilled_worker_case
    assert enter(client, case.reference, issue(case, clerk).code).status_code == 302

    response = client.get("/status")

    assert "Im Moment brauchen wir nichts von Ihnen." in needed(response)
    assert offered(response) == set()  # neither the employer's papers received nor the worker's not asked for
    assert "Unterlagen schicken" not in text(response)


def test_the_page_offers_exactly_the_applicant_s_documents_it_says_it_needs(client, skilled_worker_case):
    case, clerk = skilled_worker_case
    for document_id in ("diploma", "employment_contract"):  # the worker's and the employer's, both requested
        service.set_document_status(fresh(case), document_id, "requested", clerk)
    db.session.commit()
    assert enter(client, case.reference, issue(case, clerk).code).status_code == 302

    response = client.get("/status")

    assert offered(response) == {"diploma"}
    assert "Ausbildungsnachweis" in needed(response) and "Arbeitsvertrag" not in needed(response)
    # What the page does not offer, a crafted request does not send either.
    refused = send(client, "vertrag.pdf", samples.good_pdf(), "employment_contract")
    assert refused.status_code == 422 and "Diese Unterlage brauchen wir im Moment nicht von Ihnen." in text(refused)
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 0 and stored() == []
    assert send(client, "zeugnis.pdf", samples.good_pdf()).status_code == 302


def test_a_document_received_is_not_offered_again(client, case, clerk, storage_dir):
    service.set_document_status(fresh(case), "diploma", "requested", clerk)
    service.set_document_status(fresh(case), "passport", "received", clerk)
    db.session.commit()
    assert enter(client, case.reference, issue(case, clerk).code).status_code == 302

    response = client.get("/status")

    assert offered(response) == {"diploma"}
    assert "Ausbildungsnachweis" in needed(response) and "Identitätsnachweis" not in needed(response)


def test_the_page_states_the_working_day_a_deadline_set_on_a_holiday_ends(client, case, clerk, storage_dir):
    """The deadline entered is Good Friday, 3 Apr 2026: it ends on Tue 7 Apr after Easter (§ 31(3) s. 1 VwVfG), the
    day the letter states; the page says that day for the document and for the deadline alike."""
    step(fresh(case), "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-04-03", documents="diploma")
    assert enter(client, case.reference, issue(case, clerk).code).status_code == 302

    needs = needed(client.get("/status"))

    assert "Ausbildungsnachweis" in needs and "03.04.2026" not in needs
    assert needs.count("bis spätestens 07.04.2026") == 2  # the document, and the deadline the applicant owes


def test_the_applicant_uploads_at_most_the_daily_number_of_files(app, client, inside, make, clerk, monkeypatch):
    """The applicant counts as one party, whoever holds the code; past the limit the next file is refused at its form
    with why and nothing is stored; another applicant's case takes files, and so does this one a day later."""
    monkeypatch.setitem(app.config, "UPLOADS_PER_DAY", 2)
    for document_id in ("passport", "transcript"):
        service.set_document_status(fresh(inside), document_id, "requested", clerk)
    db.session.commit()
    assert send(client, "zeugnis.pdf", samples.good_pdf()).status_code == 302
    assert send(client, "pass.png", samples.good_png(), "passport").status_code == 302

    refused = send(client, "noten.pdf", samples.good_pdf(), "transcript")

    assert refused.status_code == 422
    at_the_form = refused.get_data(as_text=True).split('id="upload-transcript-file-error">', 1)[1]
    assert "Sie haben zu diesem Fall in den letzten 24 Stunden schon 2 Dateien hochgeladen, die Höchstzahl." \
        in at_the_form.split("</p>", 1)[0]
    assert db.session.scalar(select(func.count()).select_from(Upload)) == 2 and len(stored()) == 2
    other = make.case(office=inside.office, actor=clerk, received_on=inside.received_on)
    service.set_document_status(other, "diploma", "requested", clerk)
    db.session.commit()
    other_client = app.test_client()
    assert enter(other_client, other.reference, issue(other, clerk).code).status_code == 302
    assert send(other_client, "zeugnis.pdf", samples.good_pdf()).headers["Location"].endswith("#send-documents")
    clock.advance(days=1)  # the session has ended meanwhile: the applicant enters again
    assert enter(client, inside.reference, issue(inside, clerk).code).status_code == 302
    assert send(client, "noten.pdf", samples.good_pdf(), "transcript").headers["Location"].endswith("#send-documents")
    assert db.session.scalar(select(func.count()).select_from(Upload).where(Upload.case_id == inside.id)) == 3
