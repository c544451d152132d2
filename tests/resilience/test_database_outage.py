"""PostgreSQL restarted while clerks work: requests during the outage fail cleanly (503 with a retry hint, no trace,
nothing half written), and the app recovers without a restart of its own (pool pre-ping)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import Factory
from tracker import create_app
from tracker.audit.models import Event
from tracker.auth import tokens
from tracker.cases.models import Case
from tracker.cases.queries import verify_audit_trail
from tracker.extensions import db

pytestmark = pytest.mark.resilience


def test_a_database_restart_answers_503_meanwhile_and_recovers_by_itself(private_postgres, caplog):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": private_postgres.url, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": None, "SECRET_KEY": "test-secret", "SERVER_NAME": "tracker.test"})
    with app.app_context():
        db.create_all()
        make = Factory()
        office = make.office()
        clerk = make.user(office=office)
        case = make.case(office=office, actor=clerk)
        case_id, email, version = case.id, clerk.email, case.version
        _token, secret = tokens.issue(clerk, name="outage probe", scopes="read")
        db.session.commit()
        events_before = db.session.scalar(select(func.count()).select_from(Event))
        db.session.remove()
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": "correct horse battery"}).status_code == 302
    assert client.get(f"/cases/{case_id}").status_code == 200
    change = {"version": version, "documents": "diploma"}

    private_postgres.stop()
    try:
        page = client.get(f"/cases/{case_id}")
        refused = client.post(f"/cases/{case_id}/transitions/confirm_receipt_incomplete", data=change)
        api = client.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {secret}"})
    finally:
        private_postgres.start()

    for response in (page, refused):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        text = response.get_data(as_text=True)
        assert "Vorübergehend nicht erreichbar" in text and "Temporarily unavailable" in text
        assert "Traceback" not in text and "psycopg" not in text
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert api.headers["Retry-After"] == "30"
    # The API's rate limit asks for the token before the guard does: no error with a trace from the limiter.
    assert not [record for record in caplog.records if record.levelname == "ERROR"]

    # Back without restarting the app: the pool notices its dead connections and replaces them.
    assert client.get(f"/cases/{case_id}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == events_before  # nothing half written
        db.session.remove()
    assert client.post(f"/cases/{case_id}/transitions/confirm_receipt_incomplete", data=change).status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).state == "incomplete"
        assert list(verify_audit_trail()) == []
        db.session.remove()
        db.engine.dispose()
