"""Engine: which transitions are allowed, and why others are refused, on the real definitions."""
from datetime import date
from pathlib import Path

import dataclasses
import pytest

from tracker.procedures.engine import available_transitions, blocked_whatever_typed, check_transition
from tracker.procedures.guards import GUARDS, GuardContext
from tracker.procedures.loader import load_directory

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
TODAY = date(2026, 3, 2)
CLERK = {"recognition_clerk"}
ABH = {"immigration_clerk"}


@pytest.fixture(scope="module")
def registry():
    return load_directory(WORKFLOWS)


@pytest.fixture
def bqfg(registry):
    return registry.get("recognition-bqfg")


@pytest.fixture
def thuer(registry):
    return registry.get("recognition-thuerbqfg")


@pytest.fixture
def ef(registry):
    return registry.get("skilled-worker-81a")


def context(workflow=None, **changes) -> GuardContext:
    required = tuple(d.id for d in workflow.required_documents()) if workflow else ()
    return GuardContext(required_documents=required, today=TODAY, **changes)


def codes(decision):
    return [refusal.code for refusal in decision.refusals]


def test_allowed_with_typed_inputs(bqfg):
    decision = check_transition(bqfg, "request_missing_documents", "incomplete", CLERK,
                                {"due_date": " 2026-03-16 ", "documents": "Diplom", "extra": "dropped"}, context())
    assert decision.allowed and decision.refusals == ()
    assert decision.inputs == {"due_date": date(2026, 3, 16), "end_day_named": None, "documents": "Diplom",
                               "effective_on": None}


def test_optional_input_missing_is_none(bqfg):
    decision = check_transition(bqfg, "request_missing_documents", "incomplete", CLERK,
                                {"due_date": "2026-03-16", "documents": "diploma"}, context())
    assert decision.allowed and decision.inputs["end_day_named"] is None


@pytest.mark.parametrize("inputs, refused", [
    ({"due_date": "2026-03-02", "documents": "diploma"}, [("due_date_not_after_step", "due_date")]),  # today
    ({"due_date": "2026-02-01", "documents": "diploma"}, [("due_date_not_after_step", "due_date")]),
    ({"due_date": "2026-03-03", "documents": "diploma"}, []),
    # Recorded late: the request's own day counts, not the day it is recorded.
    ({"due_date": "2026-03-01", "documents": "diploma", "effective_on": "2026-02-20"}, []),
])
def test_a_request_for_documents_sets_a_deadline_after_its_day(bqfg, inputs, refused):
    decision = check_transition(bqfg, "request_missing_documents", "incomplete", CLERK, inputs, context())
    assert [(refusal.code, refusal.field) for refusal in decision.refusals] == refused


def test_a_document_cannot_arrive_in_the_future(ef):
    decision = check_transition(ef, "conclude_agreement", "agreement_pending", {"immigration_clerk"},
                                {"date": "2026-03-02", "fee_paid_on": "2026-03-05"}, context())
    assert [(refusal.code, refusal.field) for refusal in decision.refusals] == [("input_in_future", "fee_paid_on")]


def test_unknown_transition(bqfg):
    decision = check_transition(bqfg, "deem_ba_approval_granted", "received", CLERK, {}, context())
    assert codes(decision) == ["unknown_transition"]
    assert "recognition-bqfg v1" in decision.refusals[0].message.de


def test_wrong_state(bqfg):
    decision = check_transition(bqfg, "grant_full_equivalence", "received", CLERK, {"date": "2026-03-01"}, context())
    assert codes(decision) == ["wrong_state"]
    assert "Antrag eingegangen" in decision.refusals[0].message.de


def test_terminal_state_says_so(bqfg):
    decision = check_transition(bqfg, "withdraw", "equivalent", CLERK, {"date": "2026-03-01"}, context())
    assert codes(decision) == ["state_terminal"]
    assert "closed" in decision.refusals[0].message.en


@pytest.mark.parametrize("roles, allowed", [
    ({"recognition_clerk"}, True), ({"team_lead"}, True), ({"employer", "recognition_clerk"}, True),
    ({"immigration_clerk"}, False), ({"employer"}, False), ({"advisor"}, False), (set(), False),
])
def test_roles(bqfg, roles, allowed):
    decision = check_transition(bqfg, "confirm_receipt_incomplete", "received", roles, {"documents": "CV"}, context())
    assert decision.allowed is allowed
    assert allowed or codes(decision) == ["role_not_allowed"]


def test_employer_may_record_appointment_request(ef):
    decision = check_transition(ef, "request_visa_appointment", "pre_approval_issued", {"employer"},
                                {"date": "2026-03-01"}, context())
    assert decision.allowed


@pytest.mark.parametrize("roles", [{"team_lead"}, {"immigration_clerk"}, {"admin"}])
def test_system_transition_refused_for_people(ef, roles):
    decision = check_transition(ef, "deem_ba_approval_granted", "ba_pending", roles, {}, context())
    assert codes(decision) == ["system_only"]


def test_system_transition_allowed_for_the_sweep(ef):
    assert check_transition(ef, "deem_ba_approval_granted", "ba_pending", {"system"}, {}, context()).allowed


def test_sweep_cannot_do_human_steps(ef):
    decision = check_transition(ef, "record_ba_approval", "ba_pending", {"system"}, {"date": "2026-03-01"}, context())
    assert codes(decision) == ["role_not_allowed"]


def test_required_input_missing(bqfg):
    decision = check_transition(bqfg, "request_missing_documents", "incomplete", CLERK, {"due_date": "  ", "documents": "diploma"}, context())
    assert not decision.allowed
    assert [(r.code, r.field) for r in decision.refusals] == [("input_required", "due_date")]


@pytest.mark.parametrize("value", ["16.03.2026", "20260316", "2026-02-30", "tomorrow"])
def test_invalid_date(bqfg, value):
    decision = check_transition(bqfg, "request_missing_documents", "incomplete", CLERK, {"due_date": value, "documents": "diploma"}, context())
    assert [(r.code, r.field) for r in decision.refusals] == [("input_invalid_date", "due_date")]


def test_all_input_problems_reported_together(bqfg):
    decision = check_transition(bqfg, "refuse", "in_review", CLERK,
                                {"date": "yesterday", "ground": "bad_luck"}, context())
    assert [(r.code, r.field) for r in decision.refusals] == [
        ("input_invalid_date", "date"), ("input_invalid_choice", "ground"), ("input_required", "reason")]
    assert "Fehlende Mitwirkung" in decision.refusals[1].message.de


def test_valid_choice(bqfg):
    decision = check_transition(bqfg, "refuse", "in_review", CLERK,
                                {"date": "2026-03-02", "ground": "no_equivalence", "reason": "Keine Gleichwertigkeit"},
                                context())
    assert decision.allowed and decision.inputs["ground"] == "no_equivalence"


@pytest.mark.parametrize("deadline, allowed", [(None, False), (date(2026, 3, 2), False), (date(2026, 3, 1), True)])
def test_refusal_for_non_cooperation_needs_a_lapsed_warning(bqfg, deadline, allowed):
    # § 15(3) BQFG: only after a written warning of that consequence and once its deadline has run out.
    decision = check_transition(bqfg, "refuse", "in_review", CLERK,
                                {"date": "2026-03-02", "ground": "non_cooperation", "reason": "Keine Antwort"},
                                context(cooperation_deadline=deadline))
    assert decision.allowed is allowed


@pytest.mark.parametrize("dated, allowed", [("2026-03-02", False), ("2026-03-03", True)])
def test_a_refusal_recorded_late_counts_on_the_day_it_is_dated(bqfg, dated, allowed):
    # The warning's deadline ended on Monday 2 March; the refusal is recorded on 5 March. Dated 2 March, it was
    # decided on the deadline's last day, before the deadline had run out (§ 15(3) BQFG): refused, however late
    # it is recorded. Dated 3 March, the deadline had run out.
    decision = check_transition(bqfg, "refuse", "in_review", CLERK,
                                {"date": dated, "ground": "non_cooperation", "reason": "Keine Antwort"},
                                dataclasses.replace(context(cooperation_deadline=date(2026, 3, 2)), today=date(2026, 3, 5)))
    assert decision.allowed is allowed
    if not allowed:
        assert "Ablauf der darin gesetzten Frist" in decision.refusals[0].message.de


def test_date_objects_are_accepted(bqfg):
    decision = check_transition(bqfg, "withdraw", "in_review", CLERK, {"effective_on": date(2026, 3, 1)}, context())
    assert decision.allowed and decision.inputs["effective_on"] == date(2026, 3, 1)


@pytest.mark.parametrize("effective_on, code", [
    ("2026-03-03", "effective_on_in_future"), ("2026-02-27", "effective_on_before_earlier_facts"), ("2026-02-28", None)])
def test_the_date_of_a_fact_is_not_in_the_future_nor_before_earlier_facts(bqfg, effective_on, code):
    decision = check_transition(bqfg, "withdraw", "in_review", CLERK, {"effective_on": effective_on},
                                context(earliest_fact_on=date(2026, 2, 28)))
    assert codes(decision) == ([code] if code else [])


@pytest.mark.parametrize("dated, code", [("2026-02-27", "date_before_earlier_facts"), ("2026-02-28", None)])
def test_a_decision_is_not_dated_before_the_case_s_earlier_facts(bqfg, dated, code):
    # A notice dated before the application (or the steps it rests on) would count negative days in the reports.
    decision = check_transition(bqfg, "grant_full_equivalence", "in_review", CLERK, {"date": dated},
                                context(earliest_fact_on=date(2026, 2, 28)))
    assert codes(decision) == ([code] if code else [])
    if code:
        assert decision.refusals[0].field == "date" and "28.02.2026" in decision.refusals[0].message.de


@pytest.mark.parametrize("effective_on, code", [("2026-02-25", "effective_on_before_act"), ("2026-02-26", None),
                                                ("2026-02-27", None)])
def test_the_fact_a_decision_records_is_not_before_the_notice_s_date(bqfg, effective_on, code):
    # A notice dated 26 Feb cannot have taken effect on 25 Feb (the reports would close the case before deciding).
    decision = check_transition(bqfg, "grant_full_equivalence", "in_review", CLERK,
                                {"date": "2026-02-26", "effective_on": effective_on}, context())
    assert codes(decision) == ([code] if code else [])
    if code:
        assert decision.refusals[0].field == "effective_on"
        assert "„Datum des Bescheids“ liegen (26.02.2026)" in decision.refusals[0].message.de


def test_the_day_of_a_test_may_lie_before_its_certificate(registry):
    # § 11(4) BQFG: the six months are kept by the day of the test; the certificate follows it (date_is_evidence).
    regulated = registry.get("recognition-thuerbqfg")
    decision = check_transition(regulated, "complete_compensation", "aptitude_test", CLERK,
                                {"date": "2026-02-26", "effective_on": "2026-02-20"}, context())
    assert decision.allowed, codes(decision)


def test_guard_documents_complete_lists_missing_titles(bqfg):
    documents = {"passport": "accepted", "diploma": "received", "transcript": "rejected", "cv_german": "requested"}
    decision = check_transition(bqfg, "confirm_receipt_complete", "received", CLERK, {},
                                context(bqfg, documents=documents))
    assert codes(decision) == ["guard:documents_complete"]
    message = decision.refusals[0].message
    assert message.de.startswith("Es fehlen noch Pflichtunterlagen: Fächer- und Notenübersicht, Tabellarischer")
    assert "Declaration of no earlier application" in message.en
    assert "Sworn translations" not in message.en  # optional documents do not block


def test_guard_documents_complete_holds(bqfg):
    documents = {d.id: "accepted" for d in bqfg.required_documents()}
    decision = check_transition(bqfg, "confirm_documents_complete", "documents_received", CLERK, {},
                                context(bqfg, documents=documents))
    assert decision.allowed


def test_guard_date_not_in_future_sees_cleaned_input(bqfg):
    decision = check_transition(bqfg, "grant_full_equivalence", "in_review", CLERK, {"date": "2026-03-03"}, context())
    assert [(r.code, r.field) for r in decision.refusals] == [("guard:date_not_in_future", "date")]
    assert check_transition(bqfg, "grant_full_equivalence", "in_review", CLERK, {"date": "2026-03-02"},
                            context()).allowed


@pytest.mark.parametrize("outcome, allowed", [
    # § 81a(3) s. 1 no. 6: equivalence; after substantial differences (partial) only towards § 16d (s. 2).
    (None, False), ("positive", True), ("partial", False), ("negative", False), ("withdrawn", False)])
def test_pre_approval_needs_positive_recognition(ef, outcome, allowed):
    decision = check_transition(ef, "issue_pre_approval", "ba_cleared", ABH, {"date": "2026-03-01"},
                                context(linked_exists=True, linked_outcome=outcome))
    assert decision.allowed is allowed
    assert allowed or codes(decision) == ["guard:pre_approval_recognition"]


def test_after_a_deficit_notice_pre_approval_only_for_16d(ef):
    decision = check_transition(ef, "issue_pre_approval", "ba_cleared", ABH, {"date": "2026-03-01", "purpose": "16d"},
                                context(linked_exists=True, linked_outcome="partial"))
    assert decision.allowed


@pytest.mark.parametrize("purpose, allowed", [("16d", False), ("employment", True)])
def test_after_full_equivalence_there_is_no_measure_to_come_so_no_pre_approval_for_16d(ef, purpose, allowed):
    decision = check_transition(ef, "issue_pre_approval", "ba_cleared", ABH, {"date": "2026-03-01", "purpose": purpose},
                                context(linked_exists=True, linked_outcome="positive"))
    assert decision.allowed is allowed
    assert allowed or codes(decision) == ["guard:pre_approval_recognition"]


@pytest.mark.parametrize("purpose, allowed", [("16d", True), ("employment", False)])
def test_a_regulated_recognition_with_a_measure_to_come_leads_towards_16d_only(ef, purpose, allowed):
    # § 10 BQFG notice in a regulated profession: the case runs on to the measure (not ended), § 81a(3) s. 2.
    decision = check_transition(ef, "issue_pre_approval", "ba_cleared", ABH, {"date": "2026-03-01", "purpose": purpose},
                                context(linked_exists=True, linked_regulated=True, linked_differences_found=True))
    assert decision.allowed is allowed, codes(decision)


@pytest.mark.parametrize("changes, blocked", [
    ({"linked_exists": True}, ["pre_approval_recognition"]),  # the recognition runs: no purpose fits yet
    ({"linked_exists": True, "linked_outcome": "positive"}, []),  # employment fits
    ({"linked_exists": True, "linked_outcome": "partial"}, []),  # § 16d fits
    ({"linked_exists": True, "linked_outcome": "negative"}, ["pre_approval_recognition"]),
])
def test_a_step_no_choice_can_let_through_is_blocked_before_its_form_is_shown(ef, changes, blocked):
    assert blocked_whatever_typed(ef.transitions["issue_pre_approval"], context(**changes)) == blocked


@pytest.mark.parametrize("outcome, allowed", [
    (None, False), ("positive", False), ("negative", True), ("withdrawn", True)])
def test_close_when_recognition_failed(ef, outcome, allowed):
    decision = check_transition(ef, "close_recognition_failed", "ba_pending", ABH, {},
                                context(linked_exists=True, linked_outcome=outcome))
    assert decision.allowed is allowed


def test_start_recognition_offers_recognition_procedures(ef):
    decision = check_transition(ef, "start_recognition", "agreement_concluded", ABH,
                                {"procedure": "recognition-bqfg", "recognition_office": "7"}, context())
    assert decision.allowed and decision.inputs == {"procedure": "recognition-bqfg", "recognition_office": 7, "regulated": None,
                                                       "effective_on": None}
    assert ef.transitions["start_recognition"].effects == ("open_linked_recognition",)
    refused = check_transition(ef, "start_recognition", "agreement_concluded", ABH,
                               {"procedure": "skilled-worker-81a", "recognition_office": "7"}, context())
    assert codes(refused) == ["input_invalid_choice"]
    no_office = check_transition(ef, "start_recognition", "agreement_concluded", ABH,
                                 {"procedure": "recognition-bqfg", "recognition_office": "HWK"}, context())
    assert codes(no_office) == ["input_invalid_office"]


def test_self_loop_keeps_state(ef):
    decision = check_transition(ef, "record_body_request", "ba_information_missing", ABH, {"date": "2026-03-02"},
                                context())
    assert decision.allowed
    assert ef.transitions["record_body_request"].target_from("ba_information_missing") == "ba_information_missing"


def test_linked_recognition_open_guard():
    guard = GUARDS["linked_recognition_open"]
    assert not guard.holds(GuardContext()) and guard.holds(GuardContext(linked_exists=True))


def test_available_transitions(bqfg, ef, thuer):
    ids = [t.id for t in available_transitions(bqfg, "received", CLERK)]
    assert ids == ["confirm_receipt_complete", "confirm_receipt_incomplete", "withdraw"]
    assert available_transitions(bqfg, "received", {"employer"}) == []
    assert available_transitions(bqfg, "refused", CLERK) == []
    ba_pending = [t.id for t in available_transitions(ef, "ba_pending", {"team_lead"})]
    assert "deem_ba_approval_granted" not in ba_pending and "record_ba_approval" in ba_pending
    assert [t.id for t in available_transitions(ef, "pre_approval_issued", {"employer"})] == [
        "request_visa_appointment"]
    assert [t.id for t in available_transitions(thuer, "compensation_required", CLERK)] == [
        "choose_adaptation_period", "choose_aptitude_test", "close_without_compensation", "withdraw"]


def test_aptitude_test_timer_only_in_regulated_procedure(bqfg, thuer):
    assert [t.id for t in thuer.timers_started_by("choose_aptitude_test")] == ["aptitude_test"]
    assert thuer.timers["aptitude_test"].period == "P6M"
    assert "aptitude_test" not in bqfg.timers
