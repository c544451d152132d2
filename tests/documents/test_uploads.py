"""Uploading a requested document through the employer's portal: a good file is stored under a random name with its
SHA-256, marks the checklist item received today and shows in the clerk's queue; every hostile file is refused with
a clear message and leaves nothing behind (no stored file, no row, no event, the checklist unchanged)."""
from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.documents import samples
from tracker import clock
from tracker.audit.models import Event, EventKind
from tracker.cases import service
from tracker.cases.models import CaseDocument
from tracker.documents.models import Upload
from tracker.documents.storage import LocalDirectoryStorage, document_storage
from tracker.documents.uploads import UploadRefused, receive_upload
from tracker.extensions import db


@pytest.fixture
def storage_dir(app, tmp_path):
    """Each test stores into its own directory, so "nothing stored" can be checked on disk."""
    previous = app.config["DOCUMENTS_DIR"]
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    yield tmp_path / "documents"
    app.config["DOCUMENTS_DIR"] = previous


@pytest.fixture
def world(make, storage_dir):
    office = make.office()
    clerk = make.user(office=office, name="Clara Clerk")
    employer = make.employer(name="Unsere GmbH")
    case = make.case(office=office, actor=clerk, employer=employer, received_on=date(2026, 2, 2))
    make.authorisation(case, actor=clerk)
    service.set_document_status(case, "diploma", "requested", clerk)
    db.session.commit()
    return case, clerk, make.user(role="employer", employer=employer)


def post_file(client, case, name: str, content: bytes, document_id: str = "diploma"):
    return client.post(f"/portal/cases/{case.id}/documents/{document_id}",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def counts(case) -> tuple[int, int, list[str]]:
    return (db.session.scalar(select(func.count()).select_from(Upload)),
            db.session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case.id)),
            LocalDirectoryStorage(current_app.config["DOCUMENTS_DIR"]).keys())


def item(case, document_id="diploma") -> CaseDocument:
    return db.session.scalar(select(CaseDocument).where(CaseDocument.case_id == case.id,
                                                        CaseDocument.document_id == document_id))


@pytest.mark.parametrize("name, content, reason", [pytest.param(*row[1:], id=row[0])
                                                   for row in samples.hostile_files()])
def test_a_hostile_file_is_refused_with_a_clear_message_and_nothing_is_stored(client, login, world, name, content,
                                                                              reason):
    case, _clerk, employer_user = world
    before = counts(case)
    login(employer_user)

    response = post_file(client, case, name, content)

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in page.replace("&#34;", '"')
    assert counts(case) == before == (0, before[1], [])
    db.session.expire_all()
    assert item(case).status == "requested" and item(case).received_on is None


def test_a_file_above_the_upload_limit_is_refused_and_nothing_is_stored(app, client, login, world):
    case, _clerk, employer_user = world
    login(employer_user)
    limit, app.config["UPLOAD_MAX_BYTES"] = app.config["UPLOAD_MAX_BYTES"], 50_000
    try:
        response = post_file(client, case, "zeugnis.pdf", samples.good_pdf() + b"\n" * 60_000)
    finally:
        app.config["UPLOAD_MAX_BYTES"] = limit
    assert response.status_code == 422 and "zu groß" in response.get_data(as_text=True)
    assert counts(case)[0] == 0 and counts(case)[2] == []


def test_a_request_far_above_the_limit_gets_a_clear_413_page_not_a_500(app, client, login, world):
    case, _clerk, employer_user = world
    login(employer_user)
    limit, app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_CONTENT_LENGTH"], 100_000
    try:
        response = post_file(client, case, "zeugnis.pdf", b"%PDF-" + b"0" * 200_000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Datei zu groß" in page and "höchstens 10 MB" in page
    assert counts(case)[0] == 0 and counts(case)[2] == []


@pytest.mark.parametrize("name, content, media_type", [
    ("Zeugnis.pdf", samples.good_pdf(), "application/pdf"),
    ("Zeugnis Seite 1.jpg", samples.good_jpeg(), "image/jpeg"),
    ("Zeugnis.png", samples.good_png(), "image/png"),
])
def test_a_good_file_is_stored_with_its_hash_and_marks_the_item_received_today(client, login, world, name, content,
                                                                              media_type):
    case, _clerk, employer_user = world
    clock.travel_to(date(2026, 3, 4))
    login(employer_user)

    response = post_file(client, case, name, content)

    assert response.status_code == 302 and response.location.endswith("#documents")
    upload = db.session.scalar(select(Upload))
    assert (upload.file_name, upload.media_type, upload.size) == (name, media_type, len(content))
    assert upload.sha256 == hashlib.sha256(content).hexdigest()
    assert upload.uploaded_by_id == employer_user.id and not upload.from_applicant
    stored = document_storage()
    assert stored.read(upload.storage_key) == content
    assert name not in upload.storage_key and len(upload.storage_key) == 32  # a random name, not the sender's
    db.session.expire_all()
    assert item(case).status == "received" and item(case).received_on == date(2026, 3, 4)
    kinds = [event.kind for event in db.session.scalars(select(Event).where(Event.case_id == case.id)
                                                        .order_by(Event.seq))]
    assert kinds[-2:] == [EventKind.DOCUMENT, EventKind.DOCUMENT_UPLOADED]
    event = db.session.scalar(select(Event).where(Event.kind == EventKind.DOCUMENT_UPLOADED))
    assert event.data["sha256"] == upload.sha256 and event.actor_id == employer_user.id
    page = client.get(f"/portal/cases/{case.id}").get_data(as_text=True)
    assert name in page and "eingegangen am 04.03.2026" in page


def test_the_applicant_s_upload_goes_through_the_same_verb(app, world):
    case, _clerk, _employer_user = world
    file = io.BytesIO(samples.good_png())
    file.filename = "pass.png"

    upload = receive_upload(case, "passport", file, uploaded_by_applicant=True)
    db.session.commit()

    assert upload.from_applicant and upload.uploaded_by_id is None
    event = db.session.scalar(select(Event).where(Event.kind == EventKind.DOCUMENT_UPLOADED))
    assert event.actor_role == "applicant" and event.actor_id is None and not event.is_system
    assert item(case, "passport").status == "received"


def test_an_accepted_document_and_a_closed_case_take_no_upload(client, login, world):
    case, clerk, employer_user = world
    service.set_document_status(case, "diploma", "accepted", clerk)
    db.session.commit()
    login(employer_user)

    response = post_file(client, case, "zeugnis.pdf", samples.good_pdf())

    assert response.status_code == 422 and "bereits vor" in response.get_data(as_text=True)
    assert counts(case)[0] == 0 and counts(case)[2] == []


def test_a_clerk_cannot_use_the_upload_verb(world):
    case, clerk, _employer_user = world
    file = io.BytesIO(samples.good_pdf())
    file.filename = "zeugnis.pdf"
    with pytest.raises(service.AccessDenied):
        receive_upload(case, "diploma", file, uploaded_by_user=clerk)
    db.session.rollback()
    assert counts(case)[0] == 0 and counts(case)[2] == []


def test_an_unknown_checklist_item_is_refused(world):
    case, _clerk, employer_user = world
    file = io.BytesIO(samples.good_pdf())
    file.filename = "zeugnis.pdf"
    with pytest.raises(UploadRefused, match="Unbekanntes Dokument"):
        receive_upload(case, "no-such-item", file, uploaded_by_user=employer_user)


def test_a_file_stored_before_a_rollback_is_deleted_with_it(world):
    """The unit of work rolls back after the file was stored (a conflict at commit): the file goes too."""
    case, _clerk, employer_user = world
    file = io.BytesIO(samples.good_pdf())
    file.filename = "zeugnis.pdf"
    receive_upload(case, "diploma", file, uploaded_by_user=employer_user)
    assert len(counts(case)[2]) == 1

    db.session.rollback()

    assert counts(case)[0] == 0 and counts(case)[2] == []


def test_the_clerk_sees_new_documents_in_the_queue_until_accepting_or_rejecting(client, login, world):
    case, clerk, employer_user = world
    other = db.session.get(type(case), case.id)
    login(employer_user)
    assert post_file(client, case, "zeugnis.pdf", samples.good_pdf()).status_code == 302
    client.post("/logout")
    login(clerk)

    queue = client.get("/cases?docs=1").get_data(as_text=True)
    assert case.reference in queue and "neue Unterlagen" in queue
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "zeugnis.pdf" in page and "neu: bitte prüfen" in page

    response = client.post(f"/cases/{case.id}/documents/diploma",
                           data={"status": "accepted", "version": db.session.get(type(case), other.id).version})
    assert response.status_code == 302
    assert case.reference not in client.get("/cases?docs=1").get_data(as_text=True)
    assert case.reference in client.get("/cases").get_data(as_text=True)


def test_a_party_uploads_at_most_the_daily_number_of_files_on_a_case(app, client, login, make, world, monkeypatch):
    """Each file is stored and is one more for a clerk to open: past the limit the next one is refused at its form
    with why, and nothing is stored. A colleague, another case and the same case 24 hours later take files again."""
    monkeypatch.setitem(app.config, "UPLOADS_PER_DAY", 2)
    case, clerk, employer_user = world
    other_case = make.case(office=case.office, actor=clerk, employer=employer_user.employer,
                           received_on=date(2026, 2, 2))
    make.authorisation(other_case, actor=clerk)
    service.set_document_status(other_case, "diploma", "requested", clerk)
    db.session.commit()
    login(employer_user)  # Mon 2 Mar 2026, 12:00

    for name in ("seite-1.pdf", "seite-2.pdf"):  # the item stays open for a further page until it is judged
        assert post_file(client, case, name, samples.good_pdf()).status_code == 302
    before = counts(case)
    refused = post_file(client, case, "seite-3.pdf", samples.good_pdf())

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    at_the_form = page.split('id="upload-diploma-file-error">', 1)[1].split("</p>", 1)[0]
    assert "Sie haben zu diesem Fall in den letzten 24 Stunden schon 2 Dateien hochgeladen, die Höchstzahl." \
        in at_the_form
    assert counts(case) == before and len(before[2]) == 2  # no third row, event or stored file
    file = io.BytesIO(samples.good_pdf())
    file.filename = "seite-3.pdf"
    with pytest.raises(UploadRefused) as caught:
        receive_upload(case, "diploma", file, uploaded_by_user=employer_user)
    assert caught.value.text("en").startswith("You have uploaded 2 files on this case in the last 24 hours")
    db.session.rollback()

    assert post_file(client, other_case, "zeugnis.pdf", samples.good_pdf()).status_code == 302  # another case
    client.post("/logout")
    login(make.user(role="employer", employer=employer_user.employer))  # a colleague counts on their own
    assert post_file(client, case, "seite-3.pdf", samples.good_pdf()).status_code == 302
    client.post("/logout")

    login(employer_user)
    clock.travel_to(date(2026, 3, 3))  # Tue 3 Mar, 12:00 again: the first two were sent 24 hours ago
    clock.advance(minutes=-1)
    assert post_file(client, case, "seite-4.pdf", samples.good_pdf()).status_code == 422  # 23 h 59 min later
    clock.advance(minutes=1)
    assert post_file(client, case, "seite-4.pdf", samples.good_pdf()).status_code == 302
    names = db.session.scalars(select(Upload.file_name).where(Upload.case_id == case.id).order_by(Upload.id)).all()
    assert names == ["seite-1.pdf", "seite-2.pdf", "seite-3.pdf", "seite-4.pdf"]
