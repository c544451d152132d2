"""The queue and the case page run a fixed number of SQL statements, however many rows they show (no N+1)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, inspect

from tracker.cases import service
from tracker.cases.models import Case
from tracker.cases.sweep import sweep
from tracker.extensions import db


@contextmanager
def counted_statements():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client, url) -> list[str]:
    db.session.remove()  # nothing cached from building the data: count what a fresh request needs
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return statements


@pytest.fixture
def office(make):
    return make.office()


@pytest.fixture
def clerks(make, office):
    return [make.user(office=office, name=f"Clerk {n}") for n in range(3)]


def attached(*objects):
    """The same rows in the current session (``statements_for`` starts each request with a fresh one)."""
    return [db.session.get(type(o), inspect(o).identity) for o in objects]


def open_cases(make, office, clerks, count, start):
    """Cases with the variety a real queue has: employers, assignees, states, breached and running timers."""
    office, *clerks = attached(office, *clerks)
    for n in range(start, start + count):
        clerk = clerks[n % len(clerks)]
        case = make.case(office=office, actor=clerk, employer=make.employer() if n % 2 else None,
                         received_on=date(2026, 1, 1 + n % 28) if n % 3 == 0 else date(2026, 2, 1 + n % 27))
        if n % 3 == 1:
            service.assign(case, clerk, clerk)
        if n % 4 == 2:
            service.apply_transition(case, "confirm_receipt_incomplete", clerk, {"documents": "diploma"})
        db.session.commit()
    sweep()


def test_the_queue_does_not_grow_with_the_number_of_cases(client, login, make, office, clerks):
    open_cases(make, office, clerks, 3, start=0)
    login(clerks[0])
    few = statements_for(client, "/cases")

    open_cases(make, office, clerks, 27, start=3)
    many = statements_for(client, "/cases")

    assert "30 Fälle" in client.get("/cases").get_data(as_text=True)
    assert len(many) == len(few), "\n".join(many)


def test_the_team_view_does_not_grow_with_the_number_of_cases(client, login, make, office, clerks):
    open_cases(make, office, clerks, 3, start=0)
    lead = make.user(role="team_lead", office=attached(office)[0])
    db.session.commit()
    login(lead)
    few = statements_for(client, "/team")

    open_cases(make, office, clerks, 27, start=3)
    many = statements_for(client, "/team")

    assert len(many) == len(few), "\n".join(many)


def test_the_case_page_does_not_grow_with_documents_notes_and_events(client, login, make, office, clerks):
    immigration = make.office(kind="immigration_office")
    immigration_clerk = make.user(role="immigration_clerk", office=immigration)
    parent = make.case("skilled-worker-81a", office=immigration, actor=immigration_clerk)
    service.apply_transition(parent, "conclude_agreement", immigration_clerk,
                             {"date": "2026-03-02", "fee_paid_on": "2026-03-02"})
    service.apply_transition(parent, "start_recognition", immigration_clerk,
                             {"procedure": "recognition-bqfg", "recognition_office": str(office.id)})
    db.session.commit()
    case_id = parent.children[0].id
    login(clerks[0])
    few = statements_for(client, f"/cases/{case_id}")

    case = db.session.get(Case, case_id)
    clerks = attached(*clerks)
    for n in range(30):
        author = clerks[n % len(clerks)]
        service.add_note(case, author, f"Notiz {n}")
        service.assign(case, author, author)
        document = case.documents[n % len(case.documents)]
        service.set_document_status(case, document.document_id, ("received", "missing")[n % 2], author)
    service.apply_transition(case, "confirm_receipt_incomplete", clerks[0], {"documents": "passport, diploma"})
    service.apply_transition(case, "request_missing_documents", clerks[0],
                             {"due_date": "2026-03-31", "documents": "passport, diploma"})
    db.session.commit()
    many = statements_for(client, f"/cases/{case_id}")

    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert page.count("Notiz ") >= 30 and "Anforderung fehlender Unterlagen" in page
    assert len(many) == len(few), "\n".join(many)


def test_a_81a_case_page_reads_its_events_once(client, login, make):
    """The § 81a guards read the steps taken so far, the page shows the history: one read serves both."""
    immigration = make.office(kind="immigration_office")
    clerk = make.user(role="immigration_clerk", office=immigration)
    case = make.case("skilled-worker-81a", office=immigration, actor=clerk)
    service.apply_transition(case, "conclude_agreement", clerk, {"date": "2026-03-02", "fee_paid_on": "2026-03-02"})
    db.session.commit()
    login(clerk)

    statements = statements_for(client, f"/cases/{case.id}")

    reads = [statement for statement in statements if statement.lstrip().startswith("SELECT events.")]
    assert len(reads) == 1, "\n".join(reads)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    timeline = page[page.index('<section id="timeline"'):page.index('<section id="notes"')]
    assert "Vereinbarung" in timeline and "Fall angelegt" in timeline
    assert timeline.rindex("Vereinbarung") < timeline.index("Fall angelegt")  # newest first
