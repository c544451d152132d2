"""An upload, a message and a clerk's note on the same case at the same moment: all three are kept, in one intact
audit chain, never a conflict or a 500. Runs on PostgreSQL with real threads (see tests/cases/test_concurrency)."""
from __future__ import annotations

import io

from tests.cases.test_concurrency import postgres_app, race, run_concurrently  # noqa: F401 - fixtures
from tests.documents import samples
from tracker.audit.service import case_events
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.queries import verify_audit_trail
from tracker.documents.models import Upload
from tracker.documents.uploads import receive_upload
from tracker.extensions import db
from tracker.messages.models import Message
from tracker.messages.service import post_message


def test_an_upload_a_message_and_a_note_at_once_are_all_kept(race, tmp_path):
    app, case_id, first_id, _second_id = race
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")

    def upload(case):
        file = io.BytesIO(samples.good_png())
        file.filename = "pass.png"
        receive_upload(case, "passport", file, uploaded_by_applicant=True)

    def message(case):
        post_message(case, "Ich habe den Pass hochgeladen.", from_applicant=True)

    def note(case):
        service.add_note(case, db.session.get(User, first_id), "Pass kommt heute")

    for _round in range(3):
        results = run_concurrently(app, case_id, {"upload": upload, "message": message, "note": note})
        assert results == {"upload": "committed", "message": "committed", "note": "committed"}, results

    db.session.expire_all()
    assert db.session.query(Upload).filter_by(case_id=case_id).count() == 3
    assert db.session.query(Message).filter_by(case_id=case_id).count() == 3
    kinds = [event.kind for event in case_events(case_id)]
    assert kinds.count("document_uploaded") == kinds.count("message") == kinds.count("note") == 3
    assert list(verify_audit_trail()) == []
