"""Timer rules: what starts, pauses, extends, meets and cancels a legal period, as the workflow definitions declare.

The clock starts on Mon 2 Mar 2026 (conftest); due dates are checked against the pure deadline module and, where
it matters, by hand.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.timers import act, complete_documents, events_of, timer_of
from tracker import clock
from tracker.cases.service import TransitionRefused, set_document_status
from tracker.extensions import db
from tracker.procedures.deadlines import compute_due
from tracker.procedures.vocabulary import TimerStatus
from tracker.registry import workflow_of
from tracker.timers.models import Timer
from tracker.timers import service as timers
from tracker.timers.service import TimerError


@pytest.fixture
def in_review(make, body, clerk):
    """A standard BQFG case whose receipt was confirmed complete today (Mon 2 Mar 2026): decision due Tue 2 Jun."""
    case = make.case("recognition-bqfg", office=body, actor=clerk)
    complete_documents(case, clerk)
    return act(case, "confirm_receipt_complete", clerk)


# --- start --------------------------------------------------------------------------------------------------

def test_decision_period_starts_when_receipt_is_confirmed_complete(in_review):
    receipt, decision = timer_of(in_review, "receipt_confirmation"), timer_of(in_review, "decision")
    assert receipt.status == TimerStatus.MET
    assert (decision.status, decision.started_on, decision.started_by) == (
        TimerStatus.RUNNING, date(2026, 3, 2), "confirm_receipt_complete")
    assert decision.due_on == compute_due(date(2026, 3, 2), "P3M", calendar="th").due == date(2026, 6, 2)
    assert decision.warn_on == date(2026, 6, 2) - timedelta(days=14)
    assert in_review.next_due_on == date(2026, 6, 2)
    [started] = events_of(in_review.id, "timer_started", "decision")
    assert (started.basis, started.data["due_on"]) == ("§ 6(3) BQFG", "2026-06-02")


def test_decision_period_from_complete_documents_moves_past_new_year_and_the_weekend(make, body, clerk):
    clock.travel_to(date(2026, 9, 28))
    case = make.case("recognition-bqfg", office=body, actor=clerk)
    act(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    clock.travel_to(date(2026, 10, 1))  # Thursday; + 3 months = Fri 1 Jan 2027, Neujahr, then a weekend
    complete_documents(case, clerk)
    act(case, "confirm_documents_complete", clerk)

    decision = timer_of(case, "decision")
    assert decision.started_by == "confirm_documents_complete"
    assert decision.due_on == date(2027, 1, 4)  # Monday, counted by hand
    assert decision.due_on == compute_due(date(2026, 10, 1), "P3M", calendar="th").due
    explanation = timers.deadline_of(decision, workflow_of(case).timers["decision"]).explain("de")
    assert any("Neujahr" in line and "Mo 04.01.2027" in line for line in explanation)


def _last_document_arrives_on_26_march(make, body, clerk):
    """Application on Mon 2 Mar 2026 with the diploma missing; it arrives on Thu 26 Mar (checklist), and
    completeness is recorded on Thu 2 Apr."""
    case = make.case("recognition-bqfg", office=body, actor=clerk)
    act(case, "confirm_receipt_incomplete", clerk, documents="diploma")
    for document in case.documents:
        if document.required and document.document_id != "diploma":
            set_document_status(case, document.document_id, "received", clerk)
    clock.travel_to(date(2026, 3, 26))
    set_document_status(case, "diploma", "received", clerk, received_on=date(2026, 3, 26))
    db.session.commit()
    clock.travel_to(date(2026, 4, 2))
    return case


@pytest.mark.parametrize("effective_on", [None, date(2026, 3, 26), date(2026, 3, 30)])
def test_the_decision_period_runs_from_the_last_documents_arrival_not_the_confirmation(make, body, clerk,
                                                                                       effective_on):
    # § 6(3) s. 2 BQFG: "mit Eingang der vollständigen Unterlagen": 26 Mar + 3 months = Fri 26 Jun 2026, whether
    # the clerk confirms on 2 Apr without a date or names 30 Mar as the day of the confirmation.
    case = _last_document_arrives_on_26_march(make, body, clerk)
    act(case, "confirm_documents_complete", clerk, **({"effective_on": effective_on} if effective_on else {}))
    decision = timer_of(case, "decision")
    assert (decision.started_on, decision.due_on) == (date(2026, 3, 26), date(2026, 6, 26))


def test_documents_cannot_be_dated_complete_before_the_last_one_arrived(make, body, clerk):
    case = _last_document_arrives_on_26_march(make, body, clerk)
    with pytest.raises(TransitionRefused, match="letzte Unterlage am 26.03.2026 eingegangen"):
        act(case, "confirm_documents_complete", clerk, effective_on=date(2026, 3, 20))
    db.session.rollback()
    assert db.session.scalar(select(Timer.id).where(Timer.case_id == case.id, Timer.timer_id == "decision")) is None


@pytest.mark.parametrize("calendar, due", [("th", date(2026, 6, 4)), ("th-fronleichnam", date(2026, 6, 5))])
def test_decision_period_is_counted_in_the_offices_holiday_calendar(make, calendar, due):
    office = make.office(kind="recognition_body", calendar=calendar)
    clerk = make.user(role="recognition_clerk", office=office)
    clock.travel_to(date(2026, 3, 4))  # + 3 months = Thu 4 Jun 2026, Fronleichnam in Eichsfeld only
    case = make.case("recognition-bqfg", office=office, actor=clerk)
    complete_documents(case, clerk)
    act(case, "confirm_receipt_complete", clerk)

    decision = timer_of(case, "decision")
    assert decision.calendar == calendar
    assert decision.due_on == due == compute_due(date(2026, 3, 4), "P3M", calendar=calendar).due


# --- pauses -------------------------------------------------------------------------------------------------

def test_documents_request_suspends_decision_for_the_set_deadlines_length_even_if_answered_early(in_review, clerk):
    before = timer_of(in_review, "decision").due_on
    clock.travel_to(date(2026, 3, 16))
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 30), documents="diploma")

    decision = timer_of(in_review, "decision")
    assert decision.status == TimerStatus.RUNNING  # suspended for a known length: the due date is known
    assert decision.due_on - before == timedelta(days=14)
    assert decision.due_on == compute_due(date(2026, 3, 2), "P3M", calendar="th", paused_days=14).due
    documents = timer_of(in_review, "documents_deadline")
    assert documents.due_on == date(2026, 3, 30)

    clock.travel_to(date(2026, 3, 20))  # the applicant answers ten days early
    act(in_review, "record_requested_documents_received", clerk)
    assert timer_of(in_review, "decision").due_on == date(2026, 6, 16)
    assert timer_of(in_review, "documents_deadline").status == TimerStatus.MET
    lines = timers.deadline_of(timer_of(in_review, "decision"), workflow_of(in_review).timers["decision"]).explain()
    assert "+ 14 Tage Hemmung (§ 6(4) BQFG) = Di 16.06.2026" in lines
    [paused] = events_of(in_review.id, "timer_paused", "decision")
    assert paused.data["until_on"] == "2026-03-30"


def test_documents_deadline_set_on_a_saturday_moves_to_monday_unless_the_letter_named_the_day(in_review, clerk):
    # § 31(3) s. 1 VwVfG moves a deadline the authority set off a Saturday; the suspension runs to the moved end.
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 28))  # a Saturday the body chose
    assert timer_of(in_review, "documents_deadline").due_on == date(2026, 3, 30)
    [paused] = events_of(in_review.id, "timer_paused", "decision")
    assert paused.data["until_on"] == "2026-03-30"


def test_documents_deadline_named_with_reference_to_31_3_s_2_stays_on_the_saturday(in_review, clerk):
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 28), end_day_named="yes")
    assert timer_of(in_review, "documents_deadline").due_on == date(2026, 3, 28)


def test_skills_analysis_suspends_decision_open_ended_and_finishing_it_recomputes(in_review, clerk):
    clock.travel_to(date(2026, 3, 16))
    act(in_review, "start_skills_analysis", clerk, method="Arbeitsprobe")
    decision = timer_of(in_review, "decision")
    assert (decision.status, decision.due_on, decision.warn_on) == (TimerStatus.PAUSED, None, None)
    assert in_review.next_due_on is None  # nothing due while the end is unknown

    clock.travel_to(date(2026, 4, 6))  # 21 days later
    act(in_review, "finish_skills_analysis", clerk)
    decision = timer_of(in_review, "decision")
    assert decision.status == TimerStatus.RUNNING
    assert decision.due_on == compute_due(date(2026, 3, 2), "P3M", calendar="th", paused_days=21).due
    assert decision.due_on == date(2026, 6, 23)
    assert [event.subject for event in events_of(in_review.id, "timer_resumed")] == ["decision"]


def test_clerk_pauses_and_resumes_decision_by_hand_with_a_reason(in_review, clerk):
    decision = timer_of(in_review, "decision")
    clock.travel_to(date(2026, 3, 10))
    timers.pause(in_review, decision, clerk, "Originale bei der Botschaft angefordert")
    db.session.commit()
    assert (decision.status, decision.due_on) == (TimerStatus.PAUSED, None)

    clock.travel_to(date(2026, 3, 20))
    timers.resume(in_review, decision, clerk, "Originale liegen vor")
    db.session.commit()
    assert decision.status == TimerStatus.RUNNING
    assert decision.due_on == date(2026, 6, 12)  # 2 Jun + 10 days
    [paused] = events_of(in_review.id, "timer_paused", "decision")
    [resumed] = events_of(in_review.id, "timer_resumed", "decision")
    assert (paused.reason, resumed.reason) == ("Originale bei der Botschaft angefordert", "Originale liegen vor")


def test_manual_pause_needs_a_reason_and_a_timer_that_allows_it(make, in_review, clerk):
    with pytest.raises(TimerError, match="Grund"):
        timers.pause(in_review, timer_of(in_review, "decision"), clerk, "  ")
    other = make.case("recognition-bqfg", office=in_review.office, actor=clerk)
    with pytest.raises(TimerError, match="nicht angehalten werden"):
        timers.pause(other, timer_of(other, "receipt_confirmation"), clerk, "Urlaub")
    assert timer_of(in_review, "decision").status == TimerStatus.RUNNING


def test_skills_analysis_pause_cannot_be_ended_by_hand(in_review, clerk):
    act(in_review, "start_skills_analysis", clerk)
    with pytest.raises(TimerError, match="nicht von Hand"):
        timers.resume(in_review, timer_of(in_review, "decision"), clerk, "weiter")
    assert timer_of(in_review, "decision").status == TimerStatus.PAUSED


# --- extension ----------------------------------------------------------------------------------------------

def test_decision_extended_once_with_a_reason_from_the_end_of_the_period(in_review, clerk):
    decision = timer_of(in_review, "decision")
    timers.extend(in_review, decision, clerk, "P1M", "Gutachten der ZAB steht aus")
    db.session.commit()

    assert (decision.extension, decision.extension_reason) == ("P1M", "Gutachten der ZAB steht aus")
    assert decision.due_on == date(2026, 7, 2) == compute_due(date(2026, 3, 2), "P3M", extension="P1M").due
    assert decision.warn_on == date(2026, 7, 2) - timedelta(days=14)
    [extended] = events_of(in_review.id, "timer_extended", "decision")
    assert (extended.reason, extended.basis, extended.data["due_on"]) == (
        "Gutachten der ZAB steht aus", "§ 6(3) s. 3-4 BQFG", "2026-07-02")

    with pytest.raises(TimerError, match="bereits einmal verlängert"):
        timers.extend(in_review, decision, clerk, "P1W", "noch einmal")
    assert decision.due_on == date(2026, 7, 2)


@pytest.mark.parametrize("period, reason, message", [
    ("P1M", "", "Grund"),
    ("P5W", "komplex", "Höchstens 1 Monat"),
    ("P2M", "komplex", "Höchstens 1 Monat"),
    ("zwei Wochen", "komplex", "Ungültige Dauer"),
])
def test_extension_is_refused_without_reason_or_beyond_the_maximum(in_review, clerk, period, reason, message):
    decision = timer_of(in_review, "decision")
    with pytest.raises(TimerError, match=message):
        timers.extend(in_review, decision, clerk, period, reason)
    assert (decision.extension, decision.due_on) == (None, date(2026, 6, 2))
    assert events_of(in_review.id, "timer_extended") == []


@pytest.mark.parametrize("until, due", [
    (date(2026, 7, 2), date(2026, 7, 2)),  # the longest: one month from the end of the period (2 June)
    (date(2026, 6, 27), date(2026, 6, 29)),  # a Saturday: the deadline ends on Monday (§ 31(3) s. 1 VwVfG)
])
def test_decision_extended_to_a_date_within_the_maximum_ends_on_a_working_day(in_review, clerk, until, due):
    decision = timer_of(in_review, "decision")
    timers.extend(in_review, decision, clerk, "", "Gutachten der ZAB steht aus", until=until)
    assert decision.due_on == due
    explanation = " ".join(timers.deadline_of(decision, workflow_of(in_review).timers["decision"]).explain("de"))
    assert f"{until:%d.%m.%Y} (mitgeteiltes Fristende)" in explanation
    assert ("Samstag, daher nächster Werktag Mo 29.06.2026 (§ 31(3) VwVfG" in explanation) is (due != until)


@pytest.mark.parametrize("until", [date(2026, 7, 3), date(2026, 12, 31)])
def test_an_extension_to_a_date_is_refused_beyond_the_maximum(in_review, clerk, until):
    # § 6(3) s. 3-4 BQFG: once, by at most one month: the period ends on 2 June, so 2 July at the latest.
    decision = timer_of(in_review, "decision")
    with pytest.raises(TimerError, match="nicht nach dem 02.07.2026"):
        timers.extend(in_review, decision, clerk, "", "komplex", until=until)
    assert (decision.extension, decision.due_on) == (None, date(2026, 6, 2))
    assert events_of(in_review.id, "timer_extended") == []


def test_a_deadline_set_by_the_authority_extended_to_a_saturday_ends_on_monday(in_review, clerk):
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 16), documents="diploma")
    timer = timer_of(in_review, "documents_deadline")
    timers.extend(in_review, timer, clerk, "", "Aufschub erbeten", until=date(2026, 3, 28))
    assert timer.due_on == date(2026, 3, 30)  # Saturday 28 March, so Monday (§ 31(3) s. 1 VwVfG)


def test_extension_is_allowed_on_the_due_date_and_refused_the_day_after(in_review, clerk):
    decision = timer_of(in_review, "decision")
    clock.travel_to(date(2026, 6, 3))
    with pytest.raises(TimerError, match="abgelaufene"):
        timers.extend(in_review, decision, clerk, "P2W", "zu spät")
    clock.travel_to(date(2026, 6, 2))
    timers.extend(in_review, decision, clerk, "P2W", "gerade noch rechtzeitig")
    assert decision.due_on == date(2026, 6, 16)


def test_timer_without_extension_rule_cannot_be_extended(make, clerk, body):
    case = make.case("recognition-bqfg", office=body, actor=clerk)
    with pytest.raises(TimerError, match="kann nicht verlängert werden"):
        timers.extend(case, timer_of(case, "receipt_confirmation"), clerk, "P1W", "viel zu tun")


# --- stop and end -------------------------------------------------------------------------------------------

def test_decision_in_time_is_met_and_not_late(in_review, clerk):
    clock.travel_to(date(2026, 5, 20))
    act(in_review, "grant_full_equivalence", clerk, date=date(2026, 5, 20))
    decision = timer_of(in_review, "decision")
    assert (decision.status, decision.finished_on, decision.warn_on) == (TimerStatus.MET, date(2026, 5, 20), None)
    [met] = events_of(in_review.id, "timer_met", "decision")
    assert met.data == {"due_on": "2026-06-02", "late": False}
    assert in_review.next_due_on is None


def test_decision_after_the_due_date_is_met_late(in_review, clerk):
    clock.travel_to(date(2026, 6, 3))
    act(in_review, "issue_deficit_notice", clerk, date=date(2026, 6, 3), differences="Praxisanteil fehlt")
    assert timer_of(in_review, "decision").status == TimerStatus.MET
    [met] = events_of(in_review.id, "timer_met", "decision")
    assert met.data["late"] is True


def test_withdrawal_cancels_open_timers_instead_of_meeting_them(in_review, clerk):
    act(in_review, "request_documents", clerk, due_date=date(2026, 3, 30))
    clock.travel_to(date(2026, 3, 9))
    act(in_review, "withdraw", clerk, date=date(2026, 3, 9))

    for timer_id in ("decision", "documents_deadline"):
        timer = timer_of(in_review, timer_id)
        assert (timer.status, timer.finished_on, timer.warn_on) == (TimerStatus.CANCELLED, date(2026, 3, 9), None)
    assert events_of(in_review.id, "timer_met", "decision") == []
    assert (in_review.next_due_on, in_review.breached) == (None, False)


# --- accelerated recognition and kinds ------------------------------------------------------------------------

def test_recognition_opened_from_an_81a_case_gets_the_accelerated_periods(make, body):
    abh = make.office(kind="immigration_office")
    immigration_clerk = make.user(role="immigration_clerk", office=abh)
    clerk = make.user(role="recognition_clerk", office=body)
    parent = make.case("skilled-worker-81a", office=abh, actor=immigration_clerk, employer=make.employer())
    act(parent, "conclude_agreement", immigration_clerk, date=date(2026, 3, 2), fee_paid_on=date(2026, 3, 2))
    act(parent, "start_recognition", immigration_clerk, procedure="recognition-bqfg", recognition_office=body.id)

    [child] = parent.children
    assert child.accelerated
    assert [t.timer_id for t in timers.open_timers(child)] == ["receipt_confirmation_accelerated"]
    assert timer_of(child, "receipt_confirmation_accelerated").due_on == date(2026, 3, 16)  # § 14a(2): 2 weeks

    complete_documents(child, clerk)
    act(child, "confirm_receipt_complete", clerk)
    assert [t.timer_id for t in timers.open_timers(child)] == ["decision_accelerated"]
    decision = timer_of(child, "decision_accelerated")
    assert decision.due_on == date(2026, 5, 4)  # § 14a(3): 2 months from Mon 2 Mar, Sat 2 May moves to Mon
    spec = workflow_of(child).timers["decision_accelerated"]
    assert (spec.kind, spec.basis) == ("target", "§ 14a(3) BQFG")


def test_hard_deadlines_and_targets_are_told_apart(app):
    from tracker.registry import registry

    bqfg, fast_track = registry().latest("recognition-bqfg"), registry().latest("skilled-worker-81a")
    assert bqfg.timers["decision"].kind == "deadline"  # § 6(3) BQFG: "muss"
    assert bqfg.timers["decision_accelerated"].kind == "target"  # § 14a(3) BQFG: "soll"
    assert fast_track.timers["ba_approval"].kind == "deadline"
    assert fast_track.timers["visa_decision"].kind == "target"  # § 31a(2) AufenthV: "in der Regel"


def test_aptitude_test_must_be_possible_within_six_months_of_the_choice(make):
    office = make.office(kind="recognition_body")
    clerk = make.user(role="recognition_clerk", office=office)
    case = make.case("recognition-thuerbqfg", office=office, actor=clerk)
    complete_documents(case, clerk)
    act(case, "confirm_receipt_complete", clerk)
    act(case, "require_compensation", clerk, date=date(2026, 3, 2), differences="Pädiatrie fehlt")
    clock.travel_to(date(2026, 3, 10))
    act(case, "choose_aptitude_test", clerk)

    aptitude = timer_of(case, "aptitude_test")
    assert aptitude.due_on == date(2026, 9, 10) == compute_due(date(2026, 3, 10), "P6M").due
    assert aptitude.warn_on == date(2026, 9, 10) - timedelta(days=30)


@pytest.mark.parametrize("lang, start, basis", [
    # The first line names the legal trigger (§ 6(3) s. 2 BQFG), not the clerk's step.
    ("de", "Eingang der vollständigen Unterlagen Mo 02.03.2026", "Rechtsgrundlage § 6(3) BQFG"),
    ("en", "Complete documents received Mon 2 Mar 2026", "Legal basis § 6(3) BQFG"),
])
def test_due_date_explains_itself_in_german_and_english(in_review, lang, start, basis):
    decision = timer_of(in_review, "decision")
    workflow = workflow_of(in_review)
    label = timers.start_label(workflow, decision, lang)
    lines = timers.deadline_of(decision, workflow.timers["decision"], label=label).explain(lang)
    assert lines[0] == start
    assert lines[-1] == basis
    assert len(lines) == 3  # trigger, + 3 months, basis: 2 Jun 2026 is a Tuesday, no shift


def test_the_report_counts_the_suspended_days_only_up_to_the_decision(make, body, clerk):
    # Complete 2 Mar 2026; request of 1 Apr with a deadline of 15 Apr, answered 5 Apr, decided 10 Apr: the decision
    # period stood still 9 days before the decision (1-10 Apr), not the 14 the deadline set would have lasted.
    from tracker.cases.facts import CaseFacts

    case = make.case("recognition-bqfg", office=body, actor=clerk)
    complete_documents(case, clerk)
    act(case, "confirm_receipt_complete", clerk)
    clock.travel_to(date(2026, 4, 1))
    act(case, "request_documents", clerk, due_date=date(2026, 4, 15), kind="information")
    clock.travel_to(date(2026, 4, 5))
    act(case, "record_requested_documents_received", clerk)
    clock.travel_to(date(2026, 4, 10))
    act(case, "grant_full_equivalence", clerk, date=date(2026, 4, 10))
    assert db.session.get(CaseFacts, case.id).suspended_days == 9


def test_the_report_judges_the_deadline_as_the_timer_does(make, body, clerk):
    # Due Tue 2 Jun 2026; a notice dated 1 Jun recorded on 4 Jun is met late on the case page (the authority's act
    # counts when recorded), and so in the report: not in the deadline, though the notice bears an earlier date.
    from tracker.cases.facts import CaseFacts

    case = make.case("recognition-bqfg", office=body, actor=clerk)
    complete_documents(case, clerk)
    act(case, "confirm_receipt_complete", clerk)
    clock.travel_to(date(2026, 6, 4))
    act(case, "grant_full_equivalence", clerk, date=date(2026, 6, 1))
    facts = db.session.get(CaseFacts, case.id)
    assert (facts.first_decision_on, facts.deadline_on, facts.in_deadline) == (date(2026, 6, 1), date(2026, 6, 2),
                                                                              False)
    assert timer_of(case, "decision").finished_on == date(2026, 6, 4)
