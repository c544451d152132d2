"""The expected date: from past decided cases of the same procedure, office and mode, shown only when at least 10
support it; the figures checked by hand on a small set of cases."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.applicant.conftest import enter, fresh, issue, step, text
from tests.cases.test_transitions import open_skilled_worker_case, start_linked_recognition
from tracker import clock
from tracker.applicant import estimate
from tracker.applicant.estimate import Estimate, summarise
from tracker.cases import service
from tracker.extensions import db
from tracker.procedures.vocabulary import DocumentStatus, TimerStatus
from tracker.timers.models import Timer

#: Days from complete documents to the decision of ten past cases, by hand: sorted 14 21 21 28 28 35 35 42 49 70.
#: 80 % of 10 is 8; the 8th is 42 days = 6 weeks; within 6 weeks (<= 42 days): 8 cases. "8 of 10 within 6 weeks".
TEN = [35, 14, 70, 21, 28, 42, 21, 49, 35, 28]


def past_case(make, office, clerk, days: int, *, outcome="positive", procedure_id="recognition-bqfg",
              accelerated=False, timer_id="decision", closed=date(2026, 1, 15)):
    """A decided case of the past: opened through the factory, then given the dates it had (its documents
    complete ``days`` before the decision, its decision period met on that day)."""
    case = make.case(procedure_id=procedure_id, office=office, actor=clerk, received_on=date(2025, 6, 2))
    decided_on = closed
    case.state, case.outcome, case.accelerated = "equivalent", outcome, accelerated
    case.closed_at = datetime(decided_on.year, decided_on.month, decided_on.day, 10, tzinfo=timezone.utc)
    db.session.add(Timer(case_id=case.id, timer_id=timer_id, status=TimerStatus.MET, calendar="th",
                         started_on=decided_on - timedelta(days=days), started_by="confirm_receipt_complete",
                         due_on=decided_on + timedelta(days=30), finished_on=decided_on))
    db.session.commit()
    return case


def test_the_figure_by_hand():
    assert summarise(TEN) == Estimate(cases=10, within=8, weeks=6)
    assert summarise(TEN[:9]) == Estimate(cases=9)  # nine are not enough
    assert not summarise(TEN[:9]).supported
    # Twenty cases, all within two weeks but four: 80 % of 20 is 16, the 16th is 14 days: 16 of 20 within 2 weeks.
    assert summarise([7] * 8 + [14] * 8 + [60] * 4) == Estimate(cases=20, within=16, weeks=2)
    # Decided on the day the documents were complete: at least a week is said, never "0 weeks".
    assert summarise([0] * 10) == Estimate(cases=10, within=10, weeks=1)


def test_the_expected_date_counts_from_the_complete_documents():
    assert Estimate(cases=10, within=8, weeks=6).expected_on(date(2026, 3, 2)) == date(2026, 4, 13)
    assert Estimate(cases=10, within=8, weeks=6).expected_on(None) is None
    assert Estimate(cases=9).expected_on(date(2026, 3, 2)) is None


def test_only_decided_cases_of_the_same_procedure_office_and_mode_count(make, office, clerk):
    for days in TEN[:9]:
        past_case(make, office, clerk, days)
    other_office = make.office(name="Anerkennungsstelle Gera")
    # None of these is alike: another office, another procedure, accelerated, withdrawn.
    past_case(make, other_office, make.user(office=other_office), 7)
    past_case(make, office, clerk, 7, procedure_id="recognition-thuerbqfg")
    past_case(make, office, clerk, 7, accelerated=True, timer_id="decision_accelerated")
    past_case(make, office, clerk, 7, outcome="withdrawn")
    ids = estimate.decision_timer_ids("recognition-bqfg")
    assert set(ids) == {"decision", "decision_accelerated"}
    assert sorted(estimate.durations("recognition-bqfg", office.id, False, ids)) == sorted(TEN[:9])

    past_case(make, office, clerk, TEN[9])  # the tenth alike
    assert sorted(estimate.durations("recognition-bqfg", office.id, False, ids)) == sorted(TEN)


@pytest.fixture
def in_review(case, clerk):
    """The applicant's case with complete documents (the last on 2026-03-02): the decision period runs."""
    for document in fresh(case).documents:
        service.set_document_status(case, document.document_id, DocumentStatus.RECEIVED, clerk)
    db.session.commit()
    step(fresh(case), "confirm_receipt_complete", clerk)
    return fresh(case)


def test_with_fewer_than_ten_past_cases_the_page_says_so(client, make, office, clerk, in_review):
    for days in TEN[:9]:
        past_case(make, office, clerk, days)
    enter(client, in_review.reference, issue(in_review, clerk).code)
    page = text(client.get("/status"))
    assert "Wir können noch kein voraussichtliches Datum nennen" in page
    assert "mindestens 10" in page
    assert "Voraussichtlich bis" not in page


def test_with_ten_past_cases_the_page_gives_the_date_and_says_how(client, make, office, clerk, in_review):
    for days in TEN:
        past_case(make, office, clerk, days)
    enter(client, in_review.reference, issue(in_review, clerk).code)
    page = text(client.get("/status"))
    # Documents complete on 02.03.2026 (the day the last was received), + 6 weeks.
    assert "Voraussichtlich bis 13.04.2026." in page
    assert ("8 von 10 ähnlichen Verfahren (gleiches Verfahren, gleiche Behörde) wurden innerhalb von 6 Wochen nach "
            "Eingang der vollständigen Unterlagen entschieden") in page
    # The authority's legal deadline, with its basis: three months from complete documents (§ 6(3) BQFG).
    assert "spätestens bis 02.06.2026" in page and "§ 6(3) BQFG" in page


def test_before_the_documents_are_complete_the_figure_has_no_date(client, make, office, clerk, case):
    for days in TEN:
        past_case(make, office, clerk, days)
    step(fresh(case), "confirm_receipt_incomplete", clerk, documents="diploma")
    enter(client, case.reference, issue(case, clerk).code)
    page = text(client.get("/status"))
    assert "8 von 10 ähnlichen Verfahren" in page and "Voraussichtlich bis" not in page
    assert "Die Zeit zählt ab dem Tag, an dem alle Unterlagen da sind." in page
    assert "Die Frist für unsere Entscheidung beginnt, sobald alle Unterlagen da sind." in page


def test_past_the_expected_date_the_page_does_not_name_a_day_gone_by(client, make, office, clerk, in_review):
    for days in TEN:
        past_case(make, office, clerk, days)
    clock.travel_to(date(2026, 4, 20))  # a week after 13.04.2026
    enter(client, in_review.reference, issue(in_review, clerk).code)
    page = text(client.get("/status"))
    assert "Voraussichtlich bis" not in page
    assert "Ihr Verfahren dauert schon länger als die meisten ähnlichen." in page


def test_a_81a_applicant_sees_the_estimate_of_the_linked_recognition(client, make):
    """A § 81a case has no decision period of its own: its status page estimates the linked recognition's decision
    (the same figures that case's own page gives) and says which case it is about."""
    worker = open_skilled_worker_case(make)
    child = start_linked_recognition(worker)
    enter(client, worker.case.reference, issue(worker.case, worker.clerk).code)
    page = text(client.get("/status"))
    assert f"Zuerst wird Ihr Berufsabschluss anerkannt (Aktenzeichen {child.reference})" in page
    assert "Wir können noch kein voraussichtliches Datum nennen" in page  # no past cases at that body yet
