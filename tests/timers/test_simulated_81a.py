"""A § 81a case walked through four and a half months of simulated time.

Each simulated day the sweep job runs twice (as the minute cron would, and as a second scheduler might), then the
people involved act on the days they realistically would. At the end every warning, breach and fiction has
happened exactly once, on its day, the BA approval fiction on the first working day after its due date (Easter
2026 moves that due date), and the audit trail verifies.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from tests.timers import act, complete_documents, events_of, timer_of
from tracker import clock
from tracker.audit.models import Event
from tracker.auth.models import User
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.jobs.deadlines import run_sweep
from tracker.procedures.deadlines import get_calendar
from tracker.procedures.vocabulary import TimerStatus
from tracker.timers.models import Timer, TimerEffect

FIRST_DAY, LAST_DAY = date(2026, 3, 2), date(2026, 7, 31)

#: (day, case, timer, effect) the sweep owes in this story, and nothing else.
EXPECTED_EFFECTS = sorted([
    (date(2026, 3, 15), "recognition", "receipt_confirmation_accelerated", "warning"),  # due Wed 18 Mar
    (date(2026, 4, 5), "81a", "ba_approval", "warning"),  # due Tue 7 Apr: Fri 3 Apr is Good Friday
    (date(2026, 4, 7), "81a", "employer_invitation", "warning"),  # due Wed 8 Apr: 3rd Werktag after Thu 2 Apr
    (date(2026, 4, 8), "81a", "ba_approval", "fiction"),
    (date(2026, 4, 9), "81a", "employer_invitation", "breach"),
    # The period runs from the last document's arrival Fri 13 Mar (§ 14a(3) s. 2 BQFG), not from the confirmation
    # on Mon 16 Mar: 13 May + 14-day pause = due Wed 27 May.
    (date(2026, 5, 13), "recognition", "decision_accelerated", "warning"),
    (date(2026, 5, 28), "recognition", "decision_accelerated", "breach"),
    (date(2026, 6, 24), "81a", "visa_appointment", "warning"),  # due Mon 29 Jun
    (date(2026, 7, 11), "81a", "visa_decision", "warning"),  # due Thu 16 Jul
])


def test_81a_case_over_months_of_simulated_time_acts_exactly_once_on_every_deadline(app, make, runner):
    abh = make.office(kind="immigration_office", name="Ausländerbehörde Erfurt")
    body = make.office(kind="recognition_body", name="IHK FOSA")
    employer = make.employer()
    ids = {
        "abh": make.user(role="immigration_clerk", office=abh).id,
        "abh_lead": make.user(role="team_lead", office=abh).id,
        "body": make.user(role="recognition_clerk", office=body).id,
        "employer": make.user(role="employer", employer=employer).id,
        "body_office": body.id,
    }
    fast_track = make.case("skilled-worker-81a", office=abh, actor=db.session.get(User, ids["abh"]),
                           employer=employer, assignee=db.session.get(User, ids["abh"]))
    ids["81a"] = fast_track.id
    make.authorisation(fast_track, actor=db.session.get(User, ids["abh"]))  # the worker's power of attorney

    def case(name):
        return db.session.get(Case, ids[name])

    def user(name):
        return db.session.get(User, ids[name])

    def start_recognition():
        act(case("81a"), "start_recognition", user("abh"), procedure="recognition-bqfg",
            recognition_office=ids["body_office"])
        ids["recognition"] = case("81a").children[0].id

    story = {
        date(2026, 3, 3): lambda: act(case("81a"), "conclude_agreement", user("abh"), date=date(2026, 3, 3),
                                      fee_paid_on=date(2026, 3, 3)),
        date(2026, 3, 4): start_recognition,
        date(2026, 3, 13): lambda: complete_documents(case("recognition"), user("body")),
        date(2026, 3, 16): lambda: act(case("recognition"), "confirm_receipt_complete", user("body")),
        date(2026, 3, 27): lambda: act(case("81a"), "request_ba_approval", user("abh")),
        date(2026, 4, 1): lambda: act(case("recognition"), "request_documents", user("body"),
                                      due_date=date(2026, 4, 15), documents="transcript"),
        date(2026, 4, 2): lambda: act(case("81a"), "record_body_request", user("abh"), date=date(2026, 4, 2),
                                      requested="Fächerübersicht nachgefordert"),
        date(2026, 4, 9): lambda: act(case("81a"), "invite_employer", user("abh"), note="Termin am 10.04."),
        date(2026, 4, 10): lambda: act(case("recognition"), "record_requested_documents_received", user("body")),
        date(2026, 6, 3): lambda: act(case("recognition"), "grant_full_equivalence", user("body"),
                                      date=date(2026, 6, 3)),
        date(2026, 6, 4): lambda: act(case("81a"), "issue_pre_approval", user("abh"), date=date(2026, 6, 4)),
        date(2026, 6, 8): lambda: act(case("81a"), "request_visa_appointment", user("employer"),
                                      date=date(2026, 6, 8)),
        date(2026, 6, 25): lambda: act(case("81a"), "record_visa_application", user("abh"), date=date(2026, 6, 25)),
        date(2026, 7, 14): lambda: act(case("81a"), "record_visa_granted", user("abh"), date=date(2026, 7, 14)),
        date(2026, 7, 20): lambda: act(case("81a"), "record_entry", user("abh"), date=date(2026, 7, 20)),
    }

    acted_per_day = {}
    day = FIRST_DAY
    while day <= LAST_DAY:
        clock.travel_to(day)
        first, second = run_sweep(), run_sweep()  # the job removes the session: objects are fetched anew
        assert second == 0, f"second sweep on {day} acted again"
        if first:
            acted_per_day[day] = first
        if day in story:
            story[day]()
        day += timedelta(days=1)

    names = {ids["81a"]: "81a", ids["recognition"]: "recognition"}
    effects = db.session.execute(select(TimerEffect, Timer).join(Timer, Timer.id == TimerEffect.timer_pk))
    happened = sorted((clock.berlin_date(effect.created_at), names[timer.case_id], timer.timer_id, effect.kind)
                      for effect, timer in effects)
    assert happened == EXPECTED_EFFECTS
    assert acted_per_day == dict(Counter(day for day, *_ in EXPECTED_EFFECTS))

    # Each effect left exactly one audit event, by the system.
    for case_name, timer_id, kind in {(c, t, k) for _, c, t, k in EXPECTED_EFFECTS if k != "fiction"}:
        [event] = events_of(ids[case_name], f"timer_{'warning' if kind == 'warning' else 'breached'}", timer_id)
        assert event.actor_id is None
    [fiction] = events_of(ids["81a"], "transition", "deem_ba_approval_granted")
    assert (fiction.actor_id, fiction.actor_role, fiction.to_state) == (None, "system", "ba_cleared")
    assert "§ 36(2) BeschV" in fiction.basis

    ba = timer_of(case("81a"), "ba_approval")
    assert (ba.status, ba.due_on) == (TimerStatus.FIRED, date(2026, 4, 7))
    assert ba.finished_on == clock.berlin_date(fiction.occurred_at) == date(2026, 4, 8)
    assert get_calendar("th").next_working_day(ba.due_on + timedelta(days=1)) == ba.finished_on

    # Everything owed was done; the two late steps say so.
    assert (case("81a").state, case("recognition").state) == ("entered", "equivalent")
    statuses = {(names[t.case_id], t.timer_id): t.status for t in db.session.scalars(select(Timer))}
    assert statuses == {
        ("recognition", "receipt_confirmation_accelerated"): TimerStatus.MET,
        ("recognition", "decision_accelerated"): TimerStatus.MET,
        ("recognition", "documents_deadline"): TimerStatus.MET,
        ("81a", "ba_approval"): TimerStatus.FIRED,
        ("81a", "employer_invitation"): TimerStatus.MET,
        ("81a", "visa_appointment"): TimerStatus.MET,
        ("81a", "visa_decision"): TimerStatus.MET,
    }
    late = {(names[e.case_id], e.subject) for e in db.session.scalars(select(Event).where(Event.kind == "timer_met"))
            if e.data["late"]}
    assert late == {("81a", "employer_invitation"), ("recognition", "decision_accelerated")}
    assert not case("81a").breached and not case("recognition").breached

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output
