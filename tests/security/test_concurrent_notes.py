"""Two clerks adding a note to the same case at the same moment: both notes are kept, in one intact audit chain;
never a 500 from a duplicate event number. Runs on PostgreSQL with real threads (see tests/cases/test_concurrency)."""
from __future__ import annotations

from tests.cases.test_concurrency import postgres_app, race, run_concurrently  # noqa: F401 - fixtures
from tracker.audit.service import case_events
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.models import Note
from tracker.cases.queries import verify_audit_trail
from tracker.extensions import db


def test_two_notes_at_once_are_both_kept(race):
    app, case_id, first_id, second_id = race

    def note_by(user_id, text):
        def change(case):
            service.add_note(case, db.session.get(User, user_id), text)
        return change

    for round_ in range(5):
        results = run_concurrently(app, case_id, {"first": note_by(first_id, f"erste {round_}"),
                                                  "second": note_by(second_id, f"zweite {round_}")})
        assert results == {"first": "committed", "second": "committed"}, results

    db.session.expire_all()
    assert db.session.query(Note).filter_by(case_id=case_id).count() == 10
    assert [event.kind for event in case_events(case_id)].count("note") == 10
    assert list(verify_audit_trail()) == []


def test_a_duplicate_event_number_becomes_a_conflict_not_a_500():
    import pytest
    from sqlalchemy.exc import IntegrityError

    class Orig(Exception):
        pass

    with pytest.raises(service.ConflictError):
        with service.conflicts_refused():
            raise IntegrityError("INSERT INTO events", {}, Orig(
                'duplicate key value violates unique constraint "uq_events_case_id_seq"'))
