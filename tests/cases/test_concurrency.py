"""Two clerks on the same case: the second change is refused with a clear message, never silently overwritten.

The race runs against real PostgreSQL (row locks, READ COMMITTED), in a database of its own, so it never skips
quietly in CI. The stale-form path (``expected_version``) needs no race and runs on both databases.
"""
from __future__ import annotations

import threading
from datetime import date

import pytest

from tests.conftest import create_postgres_database, drop_postgres_database, wipe
from tests.factories import Factory
from tracker import clock, create_app
from tracker.audit.service import case_events
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.models import Case
from tracker.cases.queries import verify_audit_trail
from tracker.extensions import db

TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def postgres_app():
    url = create_postgres_database("tracker_race")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                      "SECRET_KEY": "test-secret", "SERVER_NAME": "tracker.test"})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_postgres_database(url)


@pytest.fixture
def race(postgres_app):
    """A case at a recognition body with two clerks of that body, committed; the test's own context stays pushed."""
    clock.travel_to(TODAY)
    ctx = postgres_app.app_context()
    ctx.push()
    make = Factory()
    office = make.office("recognition_body")
    first, second = make.user("recognition_clerk", office), make.user("recognition_clerk", office)
    case = make.case("recognition-bqfg", office=office, actor=first)
    yield postgres_app, case.id, first.id, second.id
    db.session.remove()
    ctx.pop()
    clock.resume()
    wipe(postgres_app)


def run_concurrently(app, case_id: int, changes: dict) -> dict:
    """Each change runs in its own thread, app context and database session. All load the case first, then all
    change it and commit at once. Returns per change name either "committed" or the exception raised."""
    loaded = threading.Barrier(len(changes))
    results = {}

    def worker(name, change):
        with app.app_context():
            try:
                case = db.session.get(Case, case_id)
                assert case.version  # loaded (and its version read) before anyone writes
                loaded.wait(timeout=10)
                change(case)
                db.session.commit()
                results[name] = "committed"
            except Exception as error:  # noqa: BLE001 - the test inspects what each clerk got
                db.session.rollback()
                results[name] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=item) for item in changes.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a clerk's request hung"
    return results


def winner_and_loser(results: dict) -> tuple[str, str]:
    committed = [name for name, outcome in results.items() if outcome == "committed"]
    refused = [name for name, outcome in results.items() if isinstance(outcome, service.ConflictError)]
    assert len(committed) == 1 and len(refused) == 1, results
    return committed[0], refused[0]


def test_two_clerks_changing_one_case_at_once_one_gets_a_conflict_and_nothing_of_theirs_is_saved(race):
    app, case_id, first_id, second_id = race

    def confirm_incomplete(case):
        clerk = db.session.get(User, first_id)
        service.apply_transition(case, "confirm_receipt_incomplete", clerk, {"documents": "passport"})

    def withdraw(case):
        clerk = db.session.get(User, second_id)
        service.apply_transition(case, "withdraw", clerk, {"date": "2026-03-02"})

    results = run_concurrently(app, case_id, {"confirm_receipt_incomplete": confirm_incomplete,
                                              "withdraw": withdraw})
    winner, loser = winner_and_loser(results)
    assert results[loser].text("de").startswith("Der Fall wurde inzwischen von jemand anderem geändert.")
    assert results[loser].text("en").startswith("Someone else changed this case in the meantime.")

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    transitions = [event.subject for event in case_events(case_id) if event.kind == "transition"]
    assert transitions == [winner]
    if winner == "withdraw":
        assert (case.state, case.outcome) == ("withdrawn", "withdrawn")
        assert {d.document_id: d.status for d in case.documents}["passport"] == "missing"
    else:
        assert (case.state, case.outcome, case.closed_at) == ("incomplete", None, None)
        assert {d.document_id: d.status for d in case.documents}["passport"] == "requested"
    assert list(verify_audit_trail()) == []


def test_two_assignments_at_once_keep_exactly_one_assignee_and_one_event(race):
    app, case_id, first_id, second_id = race

    def assign_to(user_id):
        def change(case):
            clerk = db.session.get(User, user_id)
            service.assign(case, clerk, clerk)
        return change

    results = run_concurrently(app, case_id, {"first": assign_to(first_id), "second": assign_to(second_id)})
    winner, _loser = winner_and_loser(results)

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.assignee_id == {"first": first_id, "second": second_id}[winner]
    assert [event.kind for event in case_events(case_id)].count("assigned") == 1
    assert list(verify_audit_trail()) == []


def test_a_change_from_a_form_loaded_before_a_colleagues_change_is_refused(app, make):
    office = make.office("recognition_body")
    clerk, colleague = make.user("recognition_clerk", office), make.user("recognition_clerk", office)
    case = make.case("recognition-bqfg", office=office, actor=clerk)
    loaded_version = case.version
    service.assign(case, colleague, colleague, expected_version=loaded_version)
    db.session.commit()

    with pytest.raises(service.ConflictError) as refused:
        service.apply_transition(case, "withdraw", clerk, {"date": "2026-03-02"}, expected_version=loaded_version)
    assert refused.value.text("de").startswith("Der Fall wurde inzwischen von jemand anderem geändert.")
    assert refused.value.text("en").startswith("Someone else changed this case in the meantime.")
    db.session.rollback()
    assert db.session.get(Case, case.id).state == "received"


def test_the_case_page_answers_a_stale_form_with_409_and_keeps_the_case(app, make, client, login):
    office = make.office("recognition_body")
    clerk, colleague = make.user("recognition_clerk", office), make.user("recognition_clerk", office)
    case = make.case("recognition-bqfg", office=office, actor=clerk)
    loaded_version = case.version
    service.assign(case, colleague, colleague)
    db.session.commit()
    login(clerk)

    response = client.post(f"/cases/{case.id}/transitions/withdraw",
                           data={"version": loaded_version, "date": "2026-03-02"})

    assert response.status_code == 409
    assert "Der Fall wurde inzwischen von jemand anderem geändert." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "received"
