"""Applying the pure core's decisions to in-memory cases, verb by verb, as the service applies them to rows.

The player decides nothing itself. ``engine.check_transition`` says whether a step may happen and types its inputs;
``timer_plan.plan`` says which timers the step meets, pauses, resumes or starts; ``timer_plan.due_and_warning`` gives
each timer's dates; the sweep replay follows ``cases.sweep`` day by day (expiries first, then warnings, each effect
claimed once per due date). What the player does on its own is only what the service does besides: audit events
with the same fields and data, the documents checklist, the case's state, outcome and closing time.

Time: every verb happens at a moment the caller gives (aware UTC); its day in Europe/Berlin is the service's
``clock.today()``. The deadline sweep is modelled as running once a day at 00:01 (``SWEEP_TIME``) before anyone
acts, so a replay through the real verbs with the clock set to the same moments gives the same result.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import _jsonable
from tracker.auth.actors import SYSTEM
from tracker.letters.service import letter_event_data
from tracker.procedures import timer_plan
from tracker.procedures.definition import ACT_DATE, EFFECTIVE_ON, OPENED, TimerSpec, Workflow
from tracker.procedures.engine import (
    check_transition,
    documents_recorded,
    enter_target,
    letter_date,
)
from tracker.procedures.guards import COOPERATION_TIMER, GuardContext, latest_steps
from tracker.procedures.timer_plan import Action
from tracker.procedures.vocabulary import (
    OPEN_TIMER_STATUSES,
    DocumentStatus,
    LetterKind,
    Mode,
    Role,
    TimerStatus,
)
from tracker.timers.models import TimerEffectKind

#: When the modelled daily sweep runs (Europe/Berlin).
SWEEP_TIME = time(0, 1)
ONE_DAY = timedelta(days=1)


class SimEvent:
    """The fields ``event_hash`` reads and ``seal`` writes, for an event that is not a row yet."""

    __slots__ = ("case_id", "seq", "occurred_at", "actor_id", "actor_role", "kind", "subject", "from_state",
                 "to_state", "reason", "basis", "data", "prev_hash", "key_id", "hash")


class SimPause:
    __slots__ = ("started_on", "until_on", "ended_on", "reason", "source")

    def __init__(self, started_on: date, until_on: date | None, reason: str, source: str):
        self.started_on, self.until_on, self.ended_on = started_on, until_on, None
        self.reason, self.source = reason, source


class SimTimer:
    """A timer's own dates, as ``timer_plan.TimerLike`` reads and writes them, plus the sweep effects claimed."""

    __slots__ = ("id", "spec", "timer_id", "status", "started_on", "started_by", "fixed_due_on", "end_named",
                 "calendar", "extension", "due_on", "warn_on", "finished_on", "created_at", "pauses", "effects")

    def __init__(self, spec: TimerSpec, started_on: date, started_by: str, fixed_due_on: date | None,
                 end_named: bool | None, calendar: str, created_at: datetime):
        self.id = None
        self.spec = spec
        self.timer_id = spec.id
        self.status = TimerStatus.RUNNING
        self.started_on, self.started_by = started_on, started_by
        self.fixed_due_on, self.end_named, self.calendar, self.extension = fixed_due_on, end_named, calendar, None
        self.due_on = self.warn_on = self.finished_on = None
        self.created_at = created_at
        self.pauses: list[SimPause] = []
        self.effects: list[tuple[str, date, datetime]] = []  #: (TimerEffectKind, due_on, created_at)


class SimCase:
    __slots__ = ("id", "workflow", "office", "applicant", "employer_id", "assignee", "parent", "child",
                 "accelerated", "profession", "reference_occupation", "training_country", "received_on", "opened_at", "state", "outcome",
                 "closed_at", "documents", "timers", "events", "now", "version", "reference", "swept_through",
                 "last_fact_on")

    def __init__(self, workflow: Workflow, office: dict, applicant, employer_id: int | None,
                 profession: tuple[str, str], received_on: date, parent: SimCase | None = None):
        self.id = None
        self.workflow = workflow
        self.office = office
        self.applicant = applicant
        self.employer_id = employer_id
        self.assignee = None
        self.parent = parent
        self.child: SimCase | None = None
        self.accelerated = parent is not None
        self.profession, self.reference_occupation = profession
        #: Where the qualification was obtained: the passport's country for the seeded people (a linked case
        #: inherits it).
        self.training_country = parent.training_country if parent is not None else (
            applicant[3] if isinstance(applicant, tuple) else "")
        self.received_on = received_on
        self.opened_at = None
        self.state = workflow.initial_state
        self.outcome = None
        self.closed_at = None
        #: document id -> [status, reason, requested_until, updated_at, position, required, received_on]
        self.documents = {spec.id: [DocumentStatus.MISSING, "", None, None, position, spec.required, None]
                          for position, spec in enumerate(workflow.documents)}
        self.timers: list[SimTimer] = []
        self.events: list[SimEvent] = []
        self.now: datetime | None = None  #: the moment of the latest verb or sweep
        self.version = 1
        self.reference = None
        self.swept_through: date | None = None  #: the modelled sweep has run on every day up to this one
        self.last_fact_on: date = received_on  #: the latest date of a fact people recorded (not the system)

    @property
    def mode(self) -> Mode:
        return Mode.of(self.accelerated)

    def open_timers(self) -> list[SimTimer]:
        return [timer for timer in self.timers if timer.status in OPEN_TIMER_STATUSES]

    def checklist(self) -> dict[str, timer_plan.Document]:
        return {document_id: timer_plan.Document(row[5], row[0], row[6]) for document_id, row in self.documents.items()}


@lru_cache(maxsize=4096)
def sweep_moment(day: date) -> datetime:
    """The modelled daily sweep's run on ``day``, in UTC."""
    return datetime.combine(day, SWEEP_TIME, tzinfo=clock.BERLIN).astimezone(timezone.utc)


@lru_cache(maxsize=64)
def _required_documents(workflow: Workflow) -> tuple[str, ...]:
    return tuple(spec.id for spec in workflow.documents if spec.required)


_DATES: dict = {}


def _recompute(timer: SimTimer, day: date) -> None:
    """``timers.service.recompute``: ``timer_plan.due_and_warning``, memoised on everything it reads."""
    open_ended = timer_plan.open_pause(timer) is not None
    key = (timer.spec, timer.status, timer.started_on, timer.calendar, timer.fixed_due_on, timer.extension,
           tuple((pause.started_on, pause.until_on, pause.ended_on) for pause in timer.pauses),
           day if open_ended else None)  # only an open-ended pause counts up to today
    dates = _DATES.get(key)
    if dates is None:
        if len(_DATES) > 200_000:
            _DATES.clear()
        dates = _DATES[key] = timer_plan.due_and_warning(timer, timer.spec, day)
    timer.due_on, timer.warn_on = dates


class Player:
    """The service verbs (``cases.service``, ``timers.service``, ``cases.sweep``) on in-memory cases."""

    def __init__(self, workflows, parties):
        self.workflows = workflows
        self.parties = parties

    # verbs ----------------------------------------------------------------------------------------------------

    def open(self, case: SimCase, actor, moment: datetime) -> None:
        """``open_case``: the opened event, then the timers that start on receipt (counted from the receipt day)."""
        day = self._begin(case, moment, sweep=False)
        if case.received_on > day:
            raise ValueError("the date of receipt cannot be after the opening")
        case.opened_at = moment
        case.swept_through = day  # the day's sweep ran before the case existed
        workflow = case.workflow
        self._event(case, EventKind.OPENED, actor, to_state=case.state, basis=workflow.legal_basis,
                    data={"procedure": workflow.id, "version": workflow.version, "received_on": case.received_on,
                          "parent": None})  # the parent's reference is known only when written
        self._timers_on(case, OPENED, {}, case.received_on, day, actor)

    def transition(self, case: SimCase, transition_id: str, actor, moment: datetime, raw_inputs: dict | None = None,
                   ) -> bool:
        """``apply_transition``; a step the engine refuses leaves the case as it was and returns False."""
        day = self._begin(case, moment)
        return self._apply(case, transition_id, actor, day, raw_inputs or {})

    def set_document(self, case: SimCase, document_id: str, status: DocumentStatus, actor, moment: datetime,
                     reason: str = "") -> None:
        """``set_document_status``."""
        day = self._begin(case, moment)
        row = case.documents[document_id]
        # cases.service.set_document_status: a document in hand keeps the day it arrived (default: today)
        row[6] = ((row[6] if DocumentStatus(row[0]).is_in_hand else None) or day) if status.is_in_hand else None
        row[0], row[1], row[3] = status, reason.strip() if status is DocumentStatus.REJECTED else "", moment
        self._event(case, EventKind.DOCUMENT, actor, subject=document_id, reason=row[1],
                    data={"status": str(status), "received_on": row[6]})
        case.version += 1

    def assign(self, case: SimCase, assignee, actor, moment: datetime) -> None:
        """``assign`` (to staff of the case's office; the caller picks them)."""
        self._begin(case, moment)
        if case.assignee == assignee:
            return
        case.assignee = assignee
        self._event(case, EventKind.ASSIGNED, actor, data={"assignee_id": assignee.id, "assignee": assignee.name})
        case.version += 1

    def sweep_through(self, case: SimCase, last_day: date) -> None:
        """What the daily sweep did to this case on every day up to ``last_day``: only days on which a running
        timer is overdue or owes a warning change anything, so only those are visited."""
        while True:
            running = [timer for timer in case.timers if timer.status == TimerStatus.RUNNING]
            owed = [timer.due_on + ONE_DAY for timer in running if timer.due_on is not None]
            owed += [timer.warn_on for timer in running if timer.warn_on is not None]
            if not owed:
                break
            day = max(min(owed), case.swept_through + ONE_DAY)
            if day > last_day:
                break
            self._sweep_day(case, day)
            case.swept_through = day
        case.swept_through = max(case.swept_through, last_day)

    # the service's steps --------------------------------------------------------------------------------------

    def _begin(self, case: SimCase, moment: datetime, sweep: bool = True) -> date:
        day = clock.berlin_date(moment)
        if sweep:
            self.sweep_through(case, day)
        case.now = moment
        return day

    def _guard_context(self, case: SimCase, raw_inputs: dict, day: date) -> GuardContext:
        """``cases.service.guard_context`` at the case's current moment: the linked case's outcome counts once it
        closed before now (its story is played ahead; the replay interleaves both by time)."""
        child = case.child
        closed = child is not None and child.closed_at is not None and child.closed_at < case.now
        checklist = case.checklist()
        needed = timer_plan.needed(list(checklist.values()))
        return GuardContext(
            documents={document_id: row[0] for document_id, row in case.documents.items()},
            required_documents=tuple(document_id for document_id, document in checklist.items()
                                     if document in needed),
            linked_outcome=child.outcome if closed else None, linked_exists=child is not None,
            linked_regulated=child is not None and child.workflow.regulated_profession,
            steps=latest_steps((event.subject, event.data) for event in case.events
                               if event.kind == EventKind.TRANSITION and event.actor_role != Role.SYSTEM),
            inputs=raw_inputs, today=day, earliest_fact_on=case.last_fact_on,
            cooperation_deadline=next((timer.due_on for timer in reversed(case.timers)
                                       if timer.timer_id == COOPERATION_TIMER), None))

    def _apply(self, case: SimCase, transition_id: str, actor, day: date, raw_inputs: dict, reason: str = "") -> bool:
        workflow = case.workflow
        raw_inputs = {key: value for key, value in raw_inputs.items() if value not in (None, "")}
        decision = check_transition(workflow, transition_id, case.state, {actor.role}, raw_inputs,
                                    self._guard_context(case, raw_inputs, day))
        if not decision.allowed:
            return False
        transition = workflow.transitions[transition_id]
        inputs = decision.inputs
        recorded = documents_recorded(transition, {document_id: row[0] for document_id, row in case.documents.items()},
                                      inputs, inputs.get(EFFECTIVE_ON) or day)
        for document_id, arrived in recorded.items():  # cases.service._mark_recorded
            row = case.documents[document_id]
            row[0], row[3], row[6] = DocumentStatus.RECEIVED, case.now, arrived
        days = timer_plan.EventDays(
            recorded_on=day, effective_on=inputs.get(EFFECTIVE_ON), act_on=inputs.get(ACT_DATE),
            calendar=case.office["calendar"],
            documents_complete_on=timer_plan.documents_complete_on(list(case.checklist().values()), case.received_on))
        inputs[EFFECTIVE_ON] = days.fact_on
        if actor.role != Role.SYSTEM:
            case.last_fact_on = max(case.last_fact_on, days.fact_on)
        from_state = case.state
        target = enter_target(case, workflow, transition, case.now)
        self._event(case, EventKind.TRANSITION, actor, subject=transition.id, from_state=from_state,
                    to_state=case.state, reason=str(inputs.get("reason") or reason), basis=transition.basis,
                    data={key: value for key, value in inputs.items() if key != "reason" and value is not None})
        if inputs.get("documents"):
            self._mark_requested(case, inputs)
        for effect in transition.effects:
            EFFECTS[effect](self, case, actor, inputs, day)
        self._timers_on(case, transition.id, inputs, day, day, actor, days)
        if target.terminal:
            for timer in case.open_timers():  # timers.service.cancel_open
                timer_plan.cancel(timer, days.fact_on)
                self._event(case, EventKind.TIMER_CANCELLED, actor, subject=timer.timer_id,
                            data={"due_on": timer.due_on})
            for timer in case.timers:  # timers.service.cancel_open: a fiction after the end never happened
                if timer_plan.fiction_voided(timer, days.fact_on):
                    timer_plan.cancel(timer, days.fact_on)
                    self._event(case, EventKind.TIMER_CANCELLED, actor, subject=timer.timer_id,
                                data={"due_on": timer.due_on, "corrects_fiction": True})
        if transition.letter:  # letters.service.keep: the letter's own row is the service's, its event is here too
            number = 1 + sum(1 for event in case.events
                             if event.kind == EventKind.LETTER and event.subject == transition.letter)
            self._event(case, EventKind.LETTER, actor, subject=transition.letter,
                        data=letter_event_data(LetterKind(transition.letter), number, letter_date(inputs, day)))
        case.version += 1
        return True

    def _mark_requested(self, case: SimCase, inputs: dict) -> None:
        wanted = {item.strip() for item in str(inputs["documents"]).split(",")}
        due = inputs.get("due_date")  # cases.service._mark_requested: the day the deadline set ends
        until = timer_plan.set_deadline_ends(inputs, case.office["calendar"]) if isinstance(due, date) else None
        for document_id, row in case.documents.items():
            if document_id in wanted:
                row[0], row[2], row[3] = DocumentStatus.REQUESTED, until, case.now

    def _open_linked_recognition(self, parent: SimCase, actor, inputs: dict, day: date) -> None:
        """§ 81a(3) no. 2 AufenthG: the recognition case, accelerated, received today, unassigned."""
        workflow = self.workflows.latest(inputs["procedure"])
        child = SimCase(workflow, self.parties.office_by_id(inputs["recognition_office"]), parent.applicant,
                        parent.employer_id, (parent.profession, parent.reference_occupation),
                        inputs.get(EFFECTIVE_ON) or day, parent=parent)
        parent.child = child
        self.open(child, actor, parent.now)

    # timers (timers.service.on_event) ---------------------------------------------------------------------------

    def _timers_on(self, case: SimCase, event_id: str, inputs: dict, day: date, today: date, actor,
                   days: timer_plan.EventDays | None = None) -> None:
        """``timers.service.on_event``: the plan for one event, applied by the same ``timer_plan.apply``. ``day``
        is the event's day (the receipt day for "opened"), ``today`` the day it is recorded on."""
        timers = {timer.timer_id: timer for timer in case.open_timers()}
        known = {timer_id: timer_plan.OpenTimer(timer_id, TimerStatus(timer.status),
                                                timer_plan.open_pause(timer) is not None, timer.due_on)
                 for timer_id, timer in timers.items()}
        days = days or timer_plan.EventDays(recorded_on=day, effective_on=day, calendar=case.office["calendar"])
        steps = timer_plan.plan(case.workflow, case.mode, event_id, inputs, known, days)
        timer_plan.apply(steps, timers, SimBook(self, case, actor, today), inputs, day, event_id)

    # the deadline sweep (cases.sweep.sweep), one day ------------------------------------------------------------

    def _sweep_day(self, case: SimCase, day: date) -> None:
        case.now = moment = sweep_moment(day)
        order = {id(timer): index for index, timer in enumerate(case.timers)}  # the rows' ids
        expired = sorted((timer for timer in case.timers if timer.status == TimerStatus.RUNNING
                          and timer.due_on is not None and timer.due_on < day),
                         key=lambda timer: (timer.due_on, order[id(timer)]))
        claimed = [self._claim(timer, _expiry_kind(timer.spec), moment) for timer in expired]
        for timer, fresh in zip(expired, claimed):
            if fresh:
                self._expire(case, timer, day)
        warn = sorted((timer for timer in case.timers if timer.status == TimerStatus.RUNNING
                       and timer.warn_on is not None and timer.warn_on <= day),
                      key=lambda timer: (timer.warn_on, order.get(id(timer), len(order))))
        claimed = [self._claim(timer, TimerEffectKind.WARNING, moment) for timer in warn]
        for timer, fresh in zip(warn, claimed):
            timer.warn_on = None  # owed once per due date
            if fresh:
                self._event(case, EventKind.TIMER_WARNING, SYSTEM, subject=timer.timer_id,
                            data={"due_on": timer.due_on})
        if expired or warn:
            case.version += 1

    @staticmethod
    def _claim(timer: SimTimer, kind: TimerEffectKind, moment: datetime) -> bool:
        """The effect's unique key (timer, kind, due date): False if it was claimed before."""
        if any(effect[0] == kind and effect[1] == timer.due_on for effect in timer.effects):
            return False
        timer.effects.append((kind, timer.due_on, moment))
        return True

    def _expire(self, case: SimCase, timer: SimTimer, day: date) -> None:
        spec = timer.spec
        timer.warn_on = None
        if _expiry_kind(spec) is TimerEffectKind.FICTION and self._apply(
                case, spec.fiction_transition, SYSTEM, day, {}, reason=timer_plan.fiction_reason(spec, timer.due_on)):
            timer.status = TimerStatus.FIRED
            timer.finished_on = day
            return
        timer.status = TimerStatus.BREACHED
        self._event(case, EventKind.TIMER_BREACHED, SYSTEM, subject=timer.timer_id, basis=spec.basis,
                    data={"due_on": timer.due_on})

    # the audit trail (audit.service.append_event) ------------------------------------------------------------

    @staticmethod
    def _event(case: SimCase, kind: EventKind, actor, *, subject=None, from_state=None, to_state=None, reason="",
               basis="", data=None) -> None:
        event = SimEvent()
        event.seq = len(case.events) + 1
        event.occurred_at = case.now
        event.actor_id = actor.id
        event.actor_role = actor.role
        event.kind = str(kind)
        event.subject = subject
        event.from_state = from_state
        event.to_state = to_state
        event.reason = reason or ""
        event.basis = basis or ""
        event.data = _jsonable(data or {})
        case.events.append(event)


def _expiry_kind(spec: TimerSpec) -> TimerEffectKind:
    """``cases.sweep._expiry_kind``: a legal fiction, or a breach."""
    return TimerEffectKind.FICTION if spec.on_expiry == "fiction" else TimerEffectKind.BREACH


#: ``cases.service.EFFECTS``: what a transition's ``effects`` do besides changing the state.
EFFECTS = {"open_linked_recognition": Player._open_linked_recognition}

#: The audit event each applied timer step writes (as ``timers.service.STEP_EVENTS``).
STEP_EVENTS = {Action.MEET: EventKind.TIMER_MET, Action.RESUME: EventKind.TIMER_RESUMED,
               Action.PAUSE: EventKind.TIMER_PAUSED, Action.START: EventKind.TIMER_STARTED}


class SimBook:
    """``timer_plan.TimerBook`` over one in-memory case."""

    def __init__(self, player: Player, case: SimCase, actor, today: date):
        self.player, self.case, self.actor, self.today = player, case, actor, today

    def start(self, spec: TimerSpec, started_on: date, inputs, event_id: str) -> SimTimer:
        timer = SimTimer(spec, started_on, event_id, timer_plan.fixed_due(spec, inputs),
                         timer_plan.end_named(spec, inputs), timer_plan.calendar_for(spec, self.case.office["calendar"]),
                         self.case.now)
        self.recompute(timer, spec)
        self.case.timers.append(timer)
        self.record(Action.START, spec, data={"due_on": timer.due_on, "started_on": started_on})
        return timer

    def new_pause(self, started_on: date, until_on: date | None, reason: str, source: str) -> SimPause:
        return SimPause(started_on, until_on, reason, source)

    def recompute(self, timer: SimTimer, spec: TimerSpec) -> None:
        _recompute(timer, self.today)

    def record(self, action: Action, spec: TimerSpec, *, reason: str = "", data) -> None:
        self.player._event(self.case, STEP_EVENTS[action], self.actor, subject=spec.id, reason=reason,
                           basis=spec.basis, data=dict(data))

__all__ = ["Player", "SimBook", "SimCase", "SimTimer", "SimPause", "SimEvent", "SWEEP_TIME", "sweep_moment"]
