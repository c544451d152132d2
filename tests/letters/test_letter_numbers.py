"""A letter's number counts the letters of its kind the case already has ("Anforderung fehlender Unterlagen (2)"):
read with the case when a page or step loads it (``cases.loading.case_by_id``), kept for the unit of work, and
forgotten when the work is rolled back, so no number is skipped or given twice."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from tests.addressed import applicant, case, office  # noqa: F401  (fixtures)
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.loading import case_by_id
from tracker.extensions import db
from tracker.letters.models import LetterRecord
from tracker.procedures.vocabulary import LetterKind


def requests_numbered() -> list[int]:
    return [number for (number,) in db.session.execute(
        db.select(LetterRecord.number).where(LetterRecord.kind == LetterKind.DOCUMENTS_REQUEST)
        .order_by(LetterRecord.id))]


def loaded(case):
    """The case as a request loads it: nothing of it in the session yet, its letter kinds read with it."""
    case_id = inspect(case).identity[0]
    for row in list(db.session):
        if not isinstance(row, User):  # the clerk stays, as the request's logged-in user
            db.session.expunge(row)
    held = case_by_id(case_id)
    assert held.letter_kinds is not None
    return held


def request(case, clerk, due_date):
    service.apply_transition(case, "request_missing_documents", clerk,
                             {"due_date": due_date, "documents": "diploma"})


@pytest.fixture
def incomplete(case, clerk):
    service.apply_transition(loaded(case), "confirm_receipt_incomplete", clerk, {"documents": "diploma"})
    db.session.commit()
    return case


def test_each_request_loaded_as_a_page_loads_the_case_gets_the_next_number(incomplete, clerk):
    request(loaded(incomplete), clerk, "2026-03-31")
    db.session.commit()
    service.apply_transition(loaded(incomplete), "record_documents_received", clerk, {})
    db.session.commit()
    request(loaded(incomplete), clerk, "2026-04-30")
    db.session.commit()

    assert requests_numbered() == [1, 2]


def test_two_requests_in_one_unit_of_work_are_numbered_one_and_two(incomplete, clerk):
    held = loaded(incomplete)
    request(held, clerk, "2026-03-31")
    service.apply_transition(held, "record_documents_received", clerk, {})
    request(held, clerk, "2026-04-30")  # the letter kinds read with the case do not know the first one
    db.session.commit()

    assert requests_numbered() == [1, 2]


def test_a_request_rolled_back_gives_its_number_to_the_next(incomplete, clerk):
    request(loaded(incomplete), clerk, "2026-03-31")
    db.session.rollback()
    request(loaded(incomplete), clerk, "2026-04-30")
    db.session.commit()

    assert requests_numbered() == [1]


def test_a_request_undone_in_a_savepoint_gives_its_number_to_the_next(incomplete, clerk):
    held = loaded(incomplete)
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():  # as the sweep tries a legal fiction
            request(held, clerk, "2026-03-31")
            raise RuntimeError("refused after the letter was kept")
    request(held, clerk, "2026-04-30")
    db.session.commit()

    assert requests_numbered() == [1]
