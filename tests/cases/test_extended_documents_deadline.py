"""A deadline the authority set for documents, extended (§ 31(7) VwVfG): the documents still requested under it are
requested until its new end, so the portal's requests, the status page and the API state the day the timer counts
to (from the moved end, or to the day communicated, itself moved off a weekend or holiday), not the old one."""
from __future__ import annotations

from datetime import date

from tests.addressed import applicant, case, office  # noqa: F401  (fixtures)
from tests.api.conftest import bearer
from tests.applicant.conftest import enter, issue
from tests.applicant.test_sending import needed
from tests.cases.test_transitions import open_skilled_worker_case, start_linked_recognition, step
from tests.portal.test_pages import authorised
from tests.timers import events_of, timer_of
from tracker import clock
from tracker.audit.models import EventKind
from tracker.auth import tokens
from tracker.cases import service
from tracker.cases.models import Case
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.notifications.events import mails_for_events
from tracker.portal import overview
from tracker.registry import workflow_of

REASON = "Antragstellerin bat um Aufschub"


def fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def requested_until(case, document_id: str) -> date | None:
    return next(d.requested_until for d in fresh(case).documents if d.document_id == document_id)


def extend(case, actor, period: str = "", until: date | None = None) -> None:
    """The clerk's extension of the documents deadline, through the case verb the deadlines form calls."""
    service.extend_timer(fresh(case), timer_of(case, "documents_deadline").id, actor, period, REASON, until=until)
    db.session.commit()


def test_the_employer_is_asked_for_the_documents_by_the_end_of_the_deadline_extended_by_two_weeks(
        client, login, make):
    """Asked on Mon 2 Mar 2026 for the diploma by Good Friday, 3 Apr: the deadline ends on Tue 7 Apr (§ 31(3) s. 1
    VwVfG). Extended by two weeks, it runs from that moved end (LAW.md open point 4) to Tue 21 Apr, not from the day
    entered (Fri 17 Apr): the portal's home and case page ask for the diploma by 21 Apr."""
    worker = open_skilled_worker_case(make)
    authorised(worker)
    recognition = start_linked_recognition(worker)
    step(recognition, "confirm_receipt_incomplete", worker.body_clerk, documents="diploma")
    step(recognition, "request_missing_documents", worker.body_clerk, due_date="2026-04-03", documents="diploma")
    assert requested_until(recognition, "diploma") == date(2026, 4, 7)

    extend(recognition, worker.body_clerk, period="P2W")

    assert requested_until(recognition, "diploma") == date(2026, 4, 21) == timer_of(recognition,
                                                                                     "documents_deadline").due_on
    (request,) = [item for item in overview.requests_of(fresh(worker.case), workflow_of(worker.case)) if item.due_on]
    assert request.due_on == date(2026, 4, 21) and request.case.id == recognition.id
    login(make.user(role="employer", employer=worker.employer))
    page = client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True)
    requests = page.split('id="requests-heading"', 1)[1].split("</section>", 1)[0]
    assert "Unterlage nachreichen: Ausbildungsnachweis" in requests and "bis 21.04.2026" in requests
    assert "07.04.2026" not in requests
    home = client.get("/portal").get_data(as_text=True)
    assert "bis 21.04.2026" in home and "bis 07.04.2026" not in home


def test_the_status_page_and_the_api_state_the_end_date_communicated_moved_past_easter(client, case, clerk):
    """Asked on Mon 2 Mar 2026 for the diploma by Fri 20 Mar; on Thu 19 Mar extended to the day communicated, Sat 4 Apr.
    The extension names no day with reference to § 31(3) s. 2 VwVfG, so it ends after Easter Sunday and Easter Monday,
    on Tue 7 Apr, as the timer counts: the status page says so for the document and for the deadline alike, the API's
    checklist too."""
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-20", documents="diploma")
    clock.travel_to(date(2026, 3, 19))

    extend(case, clerk, until=date(2026, 4, 4))

    assert requested_until(case, "diploma") == date(2026, 4, 7) == timer_of(case, "documents_deadline").due_on
    _row, token = tokens.issue(clerk, name="Fachverfahren", scopes="read", days=30)
    db.session.commit()
    items = client.get(f"/api/v1/cases/{case.id}/documents", headers=bearer(token)).get_json()["items"]
    assert {item["document_id"]: item["requested_until"] for item in items}["diploma"] == "2026-04-07"
    assert enter(client, case.reference, issue(case, clerk).code).status_code == 302
    needs = needed(client.get("/status"))
    assert "Ausbildungsnachweis" in needs and "20.03.2026" not in needs
    assert needs.count("bis spätestens 07.04.2026") == 2  # the document, and the deadline the applicant owes


def test_an_extension_onto_weltkindertag_ends_the_next_day_and_moves_only_the_documents_of_that_deadline(
        case, clerk):
    """A first request (Mon 2 Mar 2026, cv by Tue 31 Mar) met when documents came, the cv not among them; a second on
    Mon 23 Aug 2027 for the diploma by Mon 6 Sep 2027, extended by two weeks to Mon 20 Sep, Weltkindertag, a holiday
    in Thuringia only: it ends on Tue 21 Sep. The diploma follows; the cv, requested under the first deadline, keeps
    its day. The extension's audit event names the document it moved; it owes the parties no e-mail, the reminder
    before the new end does."""
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma, cv_german")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-31", documents="cv_german")
    step(fresh(case), "record_documents_received", clerk)
    clock.travel_to(date(2027, 8, 23))
    step(fresh(case), "request_missing_documents", clerk, due_date="2027-09-06", documents="diploma")

    extend(case, clerk, period="P2W")

    assert timer_of(case, "documents_deadline").due_on == date(2027, 9, 21)
    assert requested_until(case, "diploma") == date(2027, 9, 21)
    assert requested_until(case, "cv_german") == date(2026, 3, 31)
    (extended,) = events_of(case.id, EventKind.TIMER_EXTENDED, "documents_deadline")
    assert (extended.data["documents"], extended.data["due_on"], extended.data["extension"]) == (
        "diploma", "2027-09-21", "P2W")
    assert mails_for_events(db.session, [extended]) == []
    clock.travel_to(date(2027, 9, 18))  # three days before the new end: the parties' reminder names it
    sweep()
    (warning,) = events_of(case.id, EventKind.TIMER_WARNING, "documents_deadline")
    assert warning.data["due_on"] == "2027-09-21"
