"""The request's unit of work: a change hit by a colleague's concurrent change answers with the conflict message and
the form kept, and an error page renders even after a failed flush."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.timers import act, complete_documents, timer_of
from tracker import create_app
from tracker.extensions import db
from tracker.parties.models import Office


def bump_version_before_the_next_flush(case_id: int, url: str):
    """A colleague's change lands between the moment the view loaded the case and the moment it writes: another
    connection bumps the case's version, once."""
    done = []

    def colleague(session, flush_context, instances):
        if done:
            return
        done.append(True)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case_id})
        engine.dispose()

    event.listen(Session, "before_flush", colleague)
    return colleague


def test_a_timer_action_hit_by_a_concurrent_change_gets_the_conflict_message(app, client, make, office, clerk,
                                                                            login):
    case = make.case("recognition-bqfg", office=office, actor=clerk)
    complete_documents(case, clerk)
    act(case, "confirm_receipt_complete", clerk)
    timer = timer_of(case, "decision")
    login(clerk)

    colleague = bump_version_before_the_next_flush(case.id, app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        response = client.post(f"/cases/{case.id}/timers/{timer.id}/pause",
                               data={"version": case.version, "reason": "Gutachten der ZAB angefordert"})
    finally:
        event.remove(Session, "before_flush", colleague)

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Der Fall wurde inzwischen von jemand anderem geändert." in page
    assert "Gutachten der ZAB angefordert" in page  # what the clerk typed is kept
    db.session.expire_all()
    assert timer_of(case, "decision").status == "running"  # nothing of the refused change was written


def test_the_error_page_renders_after_a_failed_flush(database_url, app, make, clerk):
    broken = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SQLALCHEMY_DATABASE_URI": database_url,
                         "WTF_CSRF_ENABLED": False, "REDIS_URL": None, "SECRET_KEY": "test-secret",
                         "SERVER_NAME": "tracker.test"})

    @broken.route("/duplicate-office")
    def duplicate_office():
        db.session.add(Office(code=clerk.office.code, name="Twice", kind=clerk.office.kind))
        db.session.flush()  # violates the unique office code: the session is now in a failed transaction
        return "unreachable"

    client = broken.test_client()
    with broken.app_context():
        assert client.post("/login", data={"email": clerk.email, "password": "correct horse battery"}).status_code == 302
        response = client.get("/duplicate-office")
        assert response.status_code == 500
        assert "Ein unerwarteter Fehler ist aufgetreten." in response.get_data(as_text=True)
        assert clerk.name in response.get_data(as_text=True)  # the page still knows who is logged in
        db.session.remove()
