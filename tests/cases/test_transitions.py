"""Applying transitions through the service: who may, from which state, with which inputs, under which guards.

A refused step changes nothing: same state, same version, no event. Every refusal says why, in both languages.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tracker.audit.service import case_events
from tracker.cases import service
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.procedures.vocabulary import TimerStatus
from tracker.timers.service import case_timers, open_timers

TODAY = "2026-03-02"  # the frozen clock of the ``app`` fixture


def step(case: Case, transition_id: str, actor, **inputs) -> Case:
    """Apply one transition as a view does (text inputs, then commit)."""
    service.apply_transition(case, transition_id, actor, inputs)
    db.session.commit()
    return case


def refused(case: Case, transition_id: str, actor, error=service.TransitionRefused, **inputs):
    """Apply a transition that must be refused; check nothing changed; return the error."""
    db.session.commit()  # the situation as stored, so the rollback below discards only the refused attempt
    before = (case.state, case.version, len(case_events(case.id)))
    with pytest.raises(error) as caught:
        service.apply_transition(case, transition_id, actor, inputs)
    db.session.rollback()
    db.session.refresh(case)
    assert (case.state, case.version, len(case_events(case.id))) == before
    return caught.value


def codes(error: service.CaseError) -> list[tuple[str, str | None]]:
    return [(refusal.code, refusal.field) for refusal in error.refusals]


@dataclass
class Recognition:
    case: Case
    office: object
    clerk: object
    employer: object


@pytest.fixture
def recognition(make) -> Recognition:
    office = make.office("recognition_body")
    clerk = make.user("recognition_clerk", office)
    employer = make.employer()
    case = make.case("recognition-bqfg", office=office, actor=clerk, employer=employer)
    return Recognition(case, office, clerk, employer)


@dataclass
class SkilledWorker:
    case: Case
    clerk: object  #: immigration clerk of the case's office
    body: object  #: the recognition body the linked recognition goes to
    body_clerk: object
    employer: object


def open_skilled_worker_case(make) -> SkilledWorker:
    office = make.office("immigration_office")
    clerk = make.user("immigration_clerk", office)
    body = make.office("recognition_body")
    employer = make.employer()
    case = make.case("skilled-worker-81a", office=office, actor=clerk, employer=employer)
    return SkilledWorker(case, clerk, body, make.user("recognition_clerk", body), employer)


def start_linked_recognition(worker: SkilledWorker) -> Case:
    """Walk a § 81a case to "recognition running"; returns the recognition case it opened."""
    step(worker.case, "conclude_agreement", worker.clerk, date=TODAY, fee_paid_on=TODAY)
    step(worker.case, "start_recognition", worker.clerk, procedure="recognition-bqfg",
         recognition_office=str(worker.body.id))
    (child,) = worker.case.children
    return child


def complete_checklist(case: Case, actor) -> None:
    for document in case.documents:
        if document.required:
            service.set_document_status(case, document.document_id, "received", actor)
    db.session.commit()


def grant_equivalence(recognition_case: Case, actor) -> None:
    complete_checklist(recognition_case, actor)
    step(recognition_case, "confirm_receipt_complete", actor)
    step(recognition_case, "grant_full_equivalence", actor, date=TODAY)


# --- who may act ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["recognition_clerk", "team_lead"])
def test_staff_of_the_recognition_body_confirm_receipt(make, recognition, role):
    actor = make.user(role, recognition.office)

    step(recognition.case, "confirm_receipt_incomplete", actor, documents="passport")

    assert recognition.case.state == "incomplete"
    (event,) = [e for e in case_events(recognition.case.id) if e.kind == "transition"]
    assert (event.kind, event.subject, event.actor_id, event.actor_role) == (
        "transition", "confirm_receipt_incomplete", actor.id, role)
    assert (event.from_state, event.to_state) == ("received", "incomplete")


def _immigration_clerk(make, recognition):
    return make.user("immigration_clerk", make.office("immigration_office"))


def _clerk_of_another_body(make, recognition):
    return make.user("recognition_clerk", make.office("recognition_body"))


def _advisor_of_the_employer(make, recognition):
    make.authorisation(recognition.case, employer=recognition.employer)
    return make.grant(recognition.employer).advisor  # the advisor sees the case (granted), but acts on nothing


def _employer_of_the_case(make, recognition):
    make.authorisation(recognition.case, employer=recognition.employer)  # authorised: it reaches the case
    return make.user("employer", employer=recognition.employer)


def _admin(make, recognition):
    return make.user("admin")


@pytest.mark.parametrize("person, error, code", [
    (_immigration_clerk, service.AccessDenied, None),
    (_clerk_of_another_body, service.AccessDenied, None),
    (_advisor_of_the_employer, service.AccessDenied, None),
    (_employer_of_the_case, service.TransitionRefused, "role_not_allowed"),
    (_admin, service.TransitionRefused, "role_not_allowed"),
], ids=["immigration clerk", "clerk of another body", "advisor", "employer", "admin"])
def test_people_without_the_role_or_the_office_cannot_confirm_receipt(make, recognition, person, error, code):
    actor = person(make, recognition)

    refusal = refused(recognition.case, "confirm_receipt_incomplete", actor, error, documents="passport")

    if code is None:
        assert refusal.text("en") == "You may not change this case."
        assert refusal.text("de") == "Sie dürfen diesen Fall nicht ändern."
    else:
        assert codes(refusal) == [(code, None)]
        assert refusal.text("en") == "Your role may not perform 'Confirm receipt – documents missing'."


def test_a_legal_fiction_cannot_be_triggered_by_hand(make):
    worker = open_skilled_worker_case(make)
    start_linked_recognition(worker)
    step(worker.case, "request_ba_approval", worker.clerk)
    team_lead = make.user("team_lead", worker.case.office)

    for person in (worker.clerk, team_lead):
        refusal = refused(worker.case, "deem_ba_approval_granted", person)
        assert codes(refusal) == [("system_only", None)]
        assert "cannot be done by hand" in refusal.text("en")
    assert worker.case.state == "ba_pending"


def test_the_employer_records_the_visa_appointment_request_of_their_own_case(make):
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)
    step(worker.case, "record_ba_approval_not_required", worker.clerk, reason="§ 39(1) AufenthG")
    grant_equivalence(recognition_case, worker.body_clerk)
    step(worker.case, "issue_pre_approval", worker.clerk, date=TODAY)
    other_employer = make.user("employer", employer=make.employer())
    employer = make.user("employer", employer=worker.employer)
    make.authorisation(worker.case, actor=worker.clerk)  # the worker's power of attorney (§ 81a(1) s. 1)

    refused(worker.case, "request_visa_appointment", other_employer, service.AccessDenied, date=TODAY)
    step(worker.case, "request_visa_appointment", employer, date=TODAY)

    assert worker.case.state == "appointment_requested"
    assert [t.timer_id for t in open_timers(worker.case)] == ["visa_appointment"]


# --- states -------------------------------------------------------------------------------------------------

def test_a_step_from_another_state_is_refused_naming_step_and_state(recognition):
    refusal = refused(recognition.case, "record_documents_received", recognition.clerk)

    assert codes(refusal) == [("wrong_state", None)]
    assert refusal.text("en") == "'Documents received' is not possible in state 'Application received'."


def test_a_closed_case_takes_no_further_step(recognition):
    step(recognition.case, "withdraw", recognition.clerk, date=TODAY)

    refusal = refused(recognition.case, "confirm_receipt_incomplete", recognition.clerk, documents="passport")

    assert codes(refusal) == [("state_terminal", None)]
    assert refusal.text("de").startswith("Der Vorgang ist abgeschlossen (Antrag zurückgenommen)")


def test_a_terminal_step_records_the_outcome_and_closes_the_case(recognition):
    step(recognition.case, "withdraw", recognition.clerk, date=TODAY)

    case = recognition.case
    assert (case.state, case.outcome, case.is_open) == ("withdrawn", "withdrawn", False)
    assert case.closed_at is not None
    assert open_timers(case) == [] and case.next_due_on is None


def test_a_terminal_step_cancels_the_deadlines_nobody_owes_any_more(make):
    """The employer invitation (§ 81a(3) no. 3) is not stopped by a visa refusal: closing the case cancels it."""
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)
    step(worker.case, "record_body_request", worker.clerk, date=TODAY, requested="salary slips")
    step(worker.case, "record_ba_approval_not_required", worker.clerk, reason="§ 39(1) AufenthG")
    grant_equivalence(recognition_case, worker.body_clerk)
    step(worker.case, "issue_pre_approval", worker.clerk, date=TODAY)
    step(worker.case, "request_visa_appointment", worker.clerk, date=TODAY)
    step(worker.case, "record_visa_application", worker.clerk, date=TODAY)
    assert {t.timer_id for t in open_timers(worker.case)} == {"employer_invitation", "visa_decision"}

    step(worker.case, "record_visa_refused", worker.clerk, date=TODAY, reason="no proof of livelihood")

    assert (worker.case.state, worker.case.outcome) == ("visa_refused", "negative")
    statuses = {t.timer_id: t.status for t in case_timers(worker.case)}
    assert statuses["employer_invitation"] == TimerStatus.CANCELLED
    assert statuses["visa_decision"] == TimerStatus.MET
    assert open_timers(worker.case) == [] and worker.case.next_due_on is None


# --- inputs -------------------------------------------------------------------------------------------------

def test_a_missing_required_input_is_refused_with_its_field(recognition):
    refusal = refused(recognition.case, "confirm_receipt_incomplete", recognition.clerk)

    assert codes(refusal) == [("input_required", "documents")]
    assert refusal.text("en") == "Please enter 'Missing documents'."


def test_every_bad_input_is_reported_at_once(recognition):
    step(recognition.case, "confirm_receipt_incomplete", recognition.clerk, documents="passport")

    refusal = refused(recognition.case, "refuse", recognition.clerk, date="02.03.2026", ground="because")

    assert codes(refusal) == [("input_invalid_date", "date"), ("input_invalid_choice", "ground"),
                              ("input_required", "reason")]
    assert "'Date of the decision': please enter a date as YYYY-MM-DD." in refusal.text("en")


def test_a_documents_input_marks_those_items_requested_until_the_deadline(recognition):
    case = recognition.case
    step(case, "confirm_receipt_incomplete", recognition.clerk, documents="passport")
    assert {d.document_id: (d.status, d.requested_until) for d in case.documents}["passport"] == ("requested", None)

    step(case, "request_missing_documents", recognition.clerk, due_date="2026-04-01", documents="diploma, transcript")

    items = {d.document_id: (d.status, d.requested_until) for d in case.documents}
    assert items["diploma"] == items["transcript"] == ("requested", date(2026, 4, 1))
    assert items["cv_german"] == ("missing", None)
    (deadline,) = [t for t in open_timers(case) if t.timer_id == "documents_deadline"]
    assert deadline.due_on == date(2026, 4, 1)


# --- guards -------------------------------------------------------------------------------------------------

def test_receipt_is_confirmed_complete_only_when_every_required_document_is_there(recognition):
    case, clerk = recognition.case, recognition.clerk
    refusal = refused(case, "confirm_receipt_complete", clerk)
    assert codes(refusal) == [("guard:documents_complete", None)]

    for document_id in ("passport", "diploma", "transcript"):
        service.set_document_status(case, document_id, "received", clerk)
    service.set_document_status(case, "cv_german", "accepted", clerk)
    db.session.commit()

    refusal = refused(case, "confirm_receipt_complete", clerk)
    assert refusal.text("en") == ("Required documents are still missing: "
                                  "Declaration of no earlier application.")
    assert "Erklärung, dass noch kein Antrag gestellt wurde" in refusal.text("de")

    service.set_document_status(case, "no_earlier_application", "received", clerk)
    step(case, "confirm_receipt_complete", clerk)  # experience and translations are optional

    assert case.state == "in_review"
    assert {t.timer_id: t.due_on for t in open_timers(case)} == {"decision": date(2026, 6, 2)}


def test_a_rejected_document_does_not_count_as_there(recognition):
    case, clerk = recognition.case, recognition.clerk
    complete_checklist(case, clerk)
    service.set_document_status(case, "diploma", "rejected", clerk, reason="illegible copy")
    db.session.commit()

    refusal = refused(case, "confirm_receipt_complete", clerk)

    assert "Evidence of formal qualification (certificate, diploma)" in refusal.text("en")


def test_a_decision_cannot_be_dated_in_the_future(recognition):
    case, clerk = recognition.case, recognition.clerk
    complete_checklist(case, clerk)
    step(case, "confirm_receipt_complete", clerk)

    refusal = refused(case, "grant_full_equivalence", clerk, date="2026-03-03")
    assert codes(refusal) == [("guard:date_not_in_future", "date")]
    assert refusal.text("en") == "The date must not be in the future."

    step(case, "grant_full_equivalence", clerk, date=TODAY)
    assert (case.state, case.outcome) == ("equivalent", "positive")


def test_a_step_with_its_own_date_took_place_on_it_when_no_other_fact_date_is_given(make):
    """An agreement of 20 Feb recorded on 2 Mar was concluded on 20 Feb (LAW.md § 7): the recognition the office
    started on 24 Feb fits between, where the recording day would have refused it as before an earlier fact."""
    office = make.office("immigration_office")
    clerk = make.user("immigration_clerk", office)
    worker = make.case("skilled-worker-81a", office=office, actor=clerk, received_on=date(2026, 2, 16))
    body = make.office("recognition_body")

    step(worker, "conclude_agreement", clerk, date="2026-02-20", fee_paid_on="2026-02-18")
    step(worker, "start_recognition", clerk, procedure="recognition-bqfg", recognition_office=str(body.id),
         effective_on="2026-02-24")

    agreed, started = [event for event in case_events(worker.id) if event.kind == "transition"]
    assert (agreed.data["effective_on"], started.data["effective_on"]) == ("2026-02-20", "2026-02-24")
    assert worker.children[0].received_on == date(2026, 2, 24)
    refusal = refused(worker, "request_ba_approval", clerk, effective_on="2026-02-23")
    assert codes(refusal) == [("effective_on_before_earlier_facts", "effective_on")]


def test_the_pre_approval_waits_for_a_positive_recognition(make):
    worker = open_skilled_worker_case(make)
    recognition_case = start_linked_recognition(worker)
    step(worker.case, "record_ba_approval_not_required", worker.clerk, reason="§ 39(1) AufenthG")

    refusal = refused(worker.case, "issue_pre_approval", worker.clerk, date=TODAY)
    assert codes(refusal) == [("guard:pre_approval_recognition", "purpose")]
    assert "A pre-approval needs equivalence established" in refusal.text("en")

    grant_equivalence(recognition_case, worker.body_clerk)
    step(worker.case, "issue_pre_approval", worker.clerk, date=TODAY)
    assert worker.case.state == "pre_approval_issued"


def test_the_bodys_request_is_typed_as_the_body_put_it_and_kept_in_the_history(make, client, login):
    worker = open_skilled_worker_case(make)
    start_linked_recognition(worker)
    login(worker.clerk)

    page = client.get(f"/cases/{worker.case.id}").get_data(as_text=True)
    form = page.split('action="/cases/%d/transitions/record_body_request"' % worker.case.id)[1].split("</form>")[0]
    assert '<textarea' in form and 'name="requested"' in form and 'type="checkbox"' not in form

    response = client.post(f"/cases/{worker.case.id}/transitions/record_body_request", data={
        "version": worker.case.version, "requested": "Fächer- und Notenübersicht, Nachweis der Praxisphase"})
    assert response.status_code == 302
    history = client.get(f"/cases/{worker.case.id}").get_data(as_text=True)
    assert "Fächer- und Notenübersicht, Nachweis der Praxisphase" in history
