"""The checklist follows the steps: a step that records documents marks them received with their day, and the
timeline shows when a step's fact lies on another day than its recording."""
from __future__ import annotations

import re
from datetime import date

from tracker import clock
from tracker.cases import service
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.procedures.vocabulary import DocumentStatus


def step(case, transition_id, actor, **inputs):
    service.apply_transition(case, transition_id, actor, inputs)
    db.session.commit()


def statuses(case) -> dict:
    db.session.expire_all()
    return {d.document_id: (d.status, d.received_on) for d in db.session.get(Case, case.id).documents}


def test_documents_received_before_completeness_leaves_the_items_to_the_clerk(make, office, clerk):
    """"Unterlagen eingegangen" before completeness: some of the requested items may have come, the state asks the
    clerk to check each; marking all would start the decision period on a guess."""
    case = make.case(office=office, actor=clerk, received_on=date(2026, 2, 27))
    step(case, "confirm_receipt_incomplete", clerk, documents="diploma, transcript")
    step(case, "request_missing_documents", clerk, due_date="2026-03-31", documents="diploma, transcript")
    clock.travel_to(date(2026, 3, 12))

    step(case, "record_documents_received", clerk, effective_on="2026-03-10")

    assert statuses(case)["diploma"] == (DocumentStatus.REQUESTED, None)


def test_the_requested_items_are_marked_with_the_fact_date_and_others_keep_their_day(make, office, clerk):
    case = make.case(office=office, actor=clerk, received_on=date(2026, 2, 27))
    for document in case.documents:
        if document.required:
            service.set_document_status(case, document.document_id, DocumentStatus.RECEIVED, clerk)
    db.session.commit()
    step(case, "confirm_receipt_complete", clerk)
    step(case, "request_documents", clerk, due_date="2026-03-31", documents="experience, translations")
    clock.travel_to(date(2026, 3, 12))

    step(case, "record_requested_documents_received", clerk, effective_on="2026-03-10")

    after = statuses(case)
    assert after["experience"] == after["translations"] == (DocumentStatus.RECEIVED, date(2026, 3, 10))
    assert after["passport"] == (DocumentStatus.RECEIVED, date(2026, 3, 2))  # in hand before: keeps its day


def test_during_review_the_requested_items_are_received_with_the_step(client, login, make, office, clerk):
    case = make.case(office=office, actor=clerk, received_on=date(2026, 2, 27))
    for document in case.documents:
        if document.required:
            service.set_document_status(case, document.document_id, DocumentStatus.RECEIVED, clerk)
    db.session.commit()
    step(case, "confirm_receipt_complete", clerk)
    step(case, "request_documents", clerk, due_date="2026-03-16", documents="experience")
    assert statuses(case)["experience"][0] == DocumentStatus.REQUESTED

    step(case, "record_requested_documents_received", clerk)

    assert statuses(case)["experience"] == (DocumentStatus.RECEIVED, date(2026, 3, 2))
    login(clerk)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    row = next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if '/documents/experience"' in row)
    assert "angefordert" not in row.split("<select")[0] and "eingegangen" in row


def test_the_timeline_says_recorded_on_and_effective_when_the_fact_is_older(client, login, make, office, clerk):
    case = make.case(office=office, actor=clerk, received_on=date(2026, 2, 20))
    clock.travel_to(date(2026, 3, 4))
    step(case, "withdraw", clerk, effective_on="2026-03-02")
    login(clerk)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "erfasst am 04.03.2026, wirksam am 02.03.2026" in page


def test_the_english_timeline_says_recorded_on_and_effective(client, login, make, office, clerk):
    case = make.case(office=office, actor=clerk, received_on=date(2026, 2, 20))
    clock.travel_to(date(2026, 3, 4))
    step(case, "withdraw", clerk, effective_on="2026-03-02")
    clerk.locale = "en"
    db.session.commit()
    login(clerk)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "recorded on 4 Mar 2026, effective 2 Mar 2026" in page


def test_a_step_recorded_on_its_fact_date_shows_no_second_date(client, login, make, office, clerk):
    case = make.case(office=office, actor=clerk, received_on=date(2026, 2, 20))
    step(case, "withdraw", clerk)
    login(clerk)

    assert "wirksam am" not in client.get(f"/cases/{case.id}").get_data(as_text=True)
