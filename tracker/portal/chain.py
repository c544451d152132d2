"""The § 81a procedure as the employer follows it: seven steps, each with its state, its date (the legal deadline or
target while it runs, the day it was done once it is) and who owes it.

Read from the case's state, its events, its open timers and its linked recognition case; nothing is stored."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker import clock
from tracker.audit.models import EventKind
from tracker.procedures.definition import EFFECTIVE_ON, LocalText
from tracker.procedures.vocabulary import Outcome
from tracker.registry import workflow_of

#: How far a § 81a case has come: the rank of each state on the way to entry (the BA approval and the recognition
#: run side by side; pre-approval needs both).
RANK = {"agreement_pending": 0, "agreement_concluded": 1, "recognition_running": 2, "ba_pending": 3,
        "ba_information_missing": 3, "ba_cleared": 4, "pre_approval_issued": 5, "appointment_requested": 6,
        "visa_applied": 7, "visa_granted": 8, "entered": 9}
#: End states short of entry, and the step that failed in each (None: the procedure was ended from outside).
FAILED_STEP = {"ba_refused": "ba", "recognition_failed": "recognition", "visa_refused": "visa_decision",
               "withdrawn": None}


class Status:
    DONE = "done"
    RUNNING = "running"
    OPEN = "open"  #: not begun yet
    FAILED = "failed"
    ENDED = "ended"  #: will not happen: the procedure ended before


@dataclass(frozen=True)
class StepSpec:
    id: str
    title: LocalText
    #: transitions that complete the step (the first one's fact date is the day it was done)
    done_by: tuple[str, ...]
    #: rank from which it is done, ranks in which it runs, and who owes it then (by rank)
    done_from: int
    running: dict[int, str]
    timer: str | None = None


STEPS = (
    StepSpec("agreement", LocalText("Vereinbarung und Gebühr (§ 81a Abs. 2 AufenthG)",
                                    "Agreement and fee (§ 81a(2) AufenthG)"),
             ("conclude_agreement",), 1, {0: "authority"}),
    StepSpec("recognition", LocalText("Anerkennung des Berufsabschlusses bei der zuständigen Stelle",
                                      "Recognition of the qualification by the competent body"),
             (), 99, {}),
    StepSpec("ba", LocalText("Zustimmung der Bundesagentur für Arbeit", "Approval of the Federal Employment Agency"),
             ("record_ba_approval", "record_ba_approval_not_required", "deem_ba_approval_granted"), 4,
             {3: "ba"}, timer="ba_approval"),
    StepSpec("pre_approval", LocalText("Vorabzustimmung der Ausländerbehörde", "Pre-approval by the immigration office"),
             ("issue_pre_approval",), 5, {4: "authority"}),
    StepSpec("visa_appointment", LocalText("Termin bei der Auslandsvertretung", "Appointment at the mission"),
             ("record_appointment_offered", "record_visa_application"), 7, {5: "applicant", 6: "mission"},
             timer="visa_appointment"),
    StepSpec("visa_decision", LocalText("Entscheidung über das Visum", "Visa decision"),
             ("record_visa_granted", "record_visa_refused"), 8, {7: "mission"}, timer="visa_decision"),
    StepSpec("entry", LocalText("Einreise", "Entry"), ("record_entry",), 9, {8: "applicant"}),
)


@dataclass
class Step:
    spec: StepSpec
    status: str
    owed_by: str | None = None
    #: while running: the due date of its timer; done: the day it was done
    day: date | None = None
    #: "deadline" (binding), "target", or "set" (a deadline the authority set, e.g. for documents) for a running
    #: step's date
    day_kind: str | None = None
    note: LocalText | None = None

    @property
    def title(self) -> LocalText:
        return self.spec.title


def steps(case, events, open_timers, workflows_timers, linked_deadlines=()) -> list[Step]:
    """The seven steps of this § 81a case. ``open_timers``: the case's open timers; ``workflows_timers``: the
    definition's timer specs (for the kind of each date); ``linked_deadlines``: (timer, spec) of the open timers
    of the linked recognition case."""
    rank = RANK.get(case.state)
    failed = FAILED_STEP.get(case.state, "") if rank is None else ""
    done_on = _done_days(events)
    due = {timer.timer_id: timer.due_on for timer in open_timers}
    result = []
    for spec in STEPS:
        if spec.id == "recognition":
            result.append(_recognition(case, failed, linked_deadlines))
            continue
        day = next((done_on[t] for t in spec.done_by if t in done_on), None)
        if rank is not None and rank >= spec.done_from or (rank is None and day and failed != spec.id):
            result.append(Step(spec, Status.DONE, day=day))
        elif rank is not None and rank in spec.running:
            owed = "employer" if case.state == "ba_information_missing" else spec.running[rank]
            timer_day = due.get(spec.timer) if spec.timer and owed != "employer" else None
            kind = workflows_timers[spec.timer].kind if timer_day else None
            result.append(Step(spec, Status.RUNNING, owed, timer_day, kind))
        elif rank is not None:
            result.append(Step(spec, Status.OPEN))
        else:
            result.append(Step(spec, Status.FAILED if failed == spec.id else Status.ENDED, day=day))
    return result


def _recognition(case, failed: str, linked_deadlines) -> Step:
    spec = STEPS[1]
    child = case.children[-1] if case.children else None
    if child is None:
        return Step(spec, Status.FAILED if failed == "recognition" else Status.ENDED if failed != "" else Status.OPEN)
    if child.outcome in (Outcome.POSITIVE, Outcome.PARTIAL):
        return Step(spec, Status.DONE, day=clock.berlin_date(child.closed_at) if child.closed_at else None,
                    note=LocalText("teilweise gleichwertig", "partly equivalent") if child.outcome == Outcome.PARTIAL
                    else None)
    if child.outcome is not None:
        return Step(spec, Status.FAILED)
    if failed != "":
        return Step(spec, Status.ENDED)
    # Who acts is who the recognition's state waits for (its "authority" is the body): the worker, while the body
    # waits for documents, owes the step, and the nearest date is then the deadline the body set, not a legal one.
    responsible = workflow_of(child).state(child.state).responsible
    owed = "recognition_body" if responsible == "authority" else responsible
    dated = [(timer.due_on, timer_spec) for timer, timer_spec in linked_deadlines if timer.due_on]
    if not dated:
        return Step(spec, Status.RUNNING, owed)
    due, timer_spec = min(dated, key=lambda pair: pair[0])
    return Step(spec, Status.RUNNING, owed, due, "set" if timer_spec.due_input else timer_spec.kind)


def _done_days(events) -> dict[str, date]:
    """transition id -> the fact date of its first occurrence."""
    days: dict[str, date] = {}
    for event in events:
        if event.kind == EventKind.TRANSITION and event.subject not in days:
            fact = (event.data or {}).get(EFFECTIVE_ON)
            days[event.subject] = date.fromisoformat(fact) if fact else clock.berlin_date(event.occurred_at)
    return days
