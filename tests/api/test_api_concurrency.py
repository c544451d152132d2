"""A colleague's change that commits while the API's step is under way: the step is refused with 409 and nothing
of it is kept; the colleague's change stands. A real second transaction in its own thread and session, committed
between the API's read of the case and its write (the moment the API's unit of work first flushes)."""
from __future__ import annotations

import threading

from sqlalchemy import event

from tests.api.conftest import bearer
from tests.locking import second_request_behind_the_first
from tracker.audit.models import EventKind
from tracker.audit.service import case_events
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.models import Case
from tracker.cases.queries import verify_audit_trail
from tracker.extensions import db


def colleague_assigns(app, case_id: int, colleague_id: int) -> None:
    """In another thread, app context and database session: assign the case and commit."""
    failures = []

    def work():
        with app.app_context():
            try:
                colleague = db.session.get(User, colleague_id)
                service.assign(db.session.get(Case, case_id), colleague, colleague)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the test below
                failures.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive() and not failures, failures


def test_a_concurrent_change_makes_the_step_a_409(app, client, make, office, clerk, token_for):
    case = make.case(office=office, actor=clerk)
    colleague = make.user(office=office)
    token = token_for(clerk)
    case_id, colleague_id = case.id, colleague.id
    seen = client.get(f"/api/v1/cases/{case_id}", headers=bearer(token)).headers["ETag"]
    db.session.commit()

    def meanwhile(session, _context, _instances):
        colleague_assigns(app, case_id, colleague_id)

    event.listen(db.session(), "before_flush", meanwhile, once=True)
    response = client.post(f"/api/v1/cases/{case_id}/transitions",
                           json={"transition": "confirm_receipt_incomplete", "inputs": {"documents": ["diploma"]}},
                           headers=bearer(token, **{"If-Match": seen}))

    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert (case.state, case.assignee_id) == ("received", colleague_id)  # the colleague's change stands, alone
    assert [e.kind for e in case_events(case_id)][-1] == EventKind.ASSIGNED
    assert not any(e.kind == EventKind.TRANSITION for e in case_events(case_id))
    assert list(verify_audit_trail()) == []


def test_two_tokens_at_once_cannot_both_take_the_last_place(app, clerk, monkeypatch):
    """The per-user limit counts under a lock of the user's row: a second request waits for the first one's
    commit, then counts it. Without the lock both would count the same and both be issued."""
    import pytest

    from tracker.auth import tokens

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite writes one transaction at a time)")
    monkeypatch.setitem(app.config, "API_TOKENS_PER_USER", 1)
    clerk_id = clerk.id
    tokens.issue(clerk, name="first", scopes="read")  # flushed, the user's row locked, not committed yet

    second = second_request_behind_the_first(
        app, lambda: tokens.issue(db.session.get(User, clerk_id), name="second", scopes="read"), tokens.TokenError)

    assert second == "refused"
    assert db.session.query(tokens.ApiToken).count() == 1
