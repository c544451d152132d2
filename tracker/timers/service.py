"""Timers follow case events: the pure timer plan says what an event starts, meets, pauses or resumes; this module
applies it to the timer rows and writes the audit events.

Due dates are computed by the pure ``tracker.procedures.deadlines`` module from the trigger day, the pauses and the
extension stored on the timer, never edited by hand, so every date can explain itself.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from tracker import clock
from tracker.audit.models import Event, EventKind
from tracker.audit.service import append_event
from tracker.extensions import db
from tracker.procedures import deadlines, timer_plan
from tracker.procedures.definition import OPENED, LocalText, TimerSpec, Workflow
from tracker.procedures.timer_plan import Action
from tracker.procedures.vocabulary import OPEN_TIMER_STATUSES, Mode, TimerStatus
from tracker.registry import workflow_of
from tracker.timers.models import Timer, TimerPause


class TimerError(Exception):
    """``field``: the form input the refusal is about, where there is one."""

    def __init__(self, message: LocalText, field: str | None = None, code: str = "timer_refused"):
        super().__init__(message.de)
        self.message, self.field, self.code = message, field, code


def mode_of(case) -> Mode:
    return Mode.of(case.accelerated)


def open_timers(case) -> list[Timer]:
    return [timer for timer in case_timers(case) if timer.status in OPEN_TIMER_STATUSES]


def case_timers(case) -> list[Timer]:
    """Every timer of the case, oldest first (``Case.timers``: read once per unit of work, with their pauses in the
    same statement; the relationship alone would read the pauses in a second one)."""
    state = inspect(case)
    if "timers" in state.unloaded and state.persistent:
        loaded = db.session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.id)
                                    .options(joinedload(Timer.pauses))).unique().all()
        set_committed_value(case, "timers", list(loaded))
    return list(case.timers)


def on_event(case, workflow: Workflow, event_id: str, inputs: dict, day: date, actor,
             days: timer_plan.EventDays | None = None) -> None:
    """Apply the timer plan (``procedures.timer_plan``) for one case event: a transition id or "opened". ``days``
    gives the dates of the fact (LAW.md § 7); without it everything happens on ``day``."""
    timers = {timer.timer_id: timer for timer in open_timers(case)}
    known = {timer_id: timer_plan.OpenTimer(timer_id, TimerStatus(timer.status), timer.open_pause() is not None,
                                            timer.due_on)
             for timer_id, timer in timers.items()}
    days = days or timer_plan.EventDays(recorded_on=day, effective_on=day, calendar=case.office.calendar)
    steps = timer_plan.plan(workflow, mode_of(case), event_id, inputs, known, days)
    timer_plan.apply(steps, timers, RowBook(case, actor), inputs, day, event_id)
    refresh_summary(case)


#: The audit event each applied step writes.
STEP_EVENTS = {Action.MEET: EventKind.TIMER_MET, Action.RESUME: EventKind.TIMER_RESUMED,
               Action.PAUSE: EventKind.TIMER_PAUSED, Action.START: EventKind.TIMER_STARTED}


class RowBook:
    """``timer_plan.TimerBook`` over the timer rows of one case, with audit events."""

    def __init__(self, case, actor):
        self.case, self.actor = case, actor

    def start(self, spec: TimerSpec, started_on: date, inputs, event_id: str) -> Timer:
        timer = Timer(case=self.case, timer_id=spec.id, status=TimerStatus.RUNNING, started_on=started_on,
                      started_by=event_id, fixed_due_on=timer_plan.fixed_due(spec, inputs),
                      end_named=timer_plan.end_named(spec, inputs),
                      calendar=timer_plan.calendar_for(spec, self.case.office.calendar), created_at=clock.now())
        db.session.add(timer)  # SQLAlchemy 2 does not cascade along the back-reference
        self.recompute(timer, spec)
        self.record(Action.START, spec, data={"due_on": timer.due_on, "started_on": started_on})
        return timer

    def new_pause(self, started_on: date, until_on: date | None, reason: str, source: str) -> TimerPause:
        return TimerPause(started_on=started_on, until_on=until_on, reason=reason, source=source)

    def recompute(self, timer: Timer, spec: TimerSpec) -> None:
        recompute(timer, spec)

    def record(self, action: Action, spec: TimerSpec, *, reason: str = "", data) -> None:
        append_event(self.case, STEP_EVENTS[action], self.actor, subject=spec.id, reason=reason, basis=spec.basis,
                     data=dict(data))


def start_label(workflow: Workflow, timer: Timer, lang: str) -> str:
    """The legal trigger of the period (LAW.md § 7), not the clerk's step, where the definition names it."""
    spec = workflow.timers.get(timer.timer_id)
    if spec is not None and spec.trigger is not None:
        return spec.trigger.get(lang)
    if timer.started_by == OPENED:
        return timer_plan.START_LABEL.get(lang)
    transition = workflow.transitions.get(timer.started_by)
    return transition.label.get(lang) if transition else timer.started_by


def deadline_of(timer: Timer, spec: TimerSpec, today: date | None = None,
                label: str | None = None) -> deadlines.Deadline | None:
    """The computed deadline with its explanation, or None while an open-ended pause leaves it undetermined."""
    return timer_plan.deadline_of(timer, spec, today or clock.today(), label, grant=extension_grant(timer))


def shown_deadline(timer: Timer, spec: TimerSpec, today: date,
                   label: str | None = None) -> tuple[deadlines.Deadline | None, bool]:
    """What a page explains of a timer: (its deadline, False); while an open-ended suspension runs, (the deadline
    if it ended today, True: ``timer_plan.deadline_if_resumed_today``); (None, False) when there is neither. The
    extension's grant is read once for both."""
    grant = extension_grant(timer)
    deadline = timer_plan.deadline_of(timer, spec, today, label, grant=grant)
    if deadline is not None:
        return deadline, False
    if_resumed = timer_plan.deadline_if_resumed_today(timer, spec, today, label, grant=grant)
    return if_resumed, if_resumed is not None


def recompute(timer: Timer, spec: TimerSpec) -> None:
    # A new due date means a new warning is owed (the sweep clears warn_on once it has warned).
    timer.due_on, timer.warn_on = timer_plan.due_and_warning(timer, spec, clock.today(), extension_grant(timer))


def extension_grant(timer: Timer) -> timer_plan.Grant | None:
    """When the timer was extended to an end date communicated, from the audit event that recorded it (the row keeps
    the date, the audit trail the day it was granted): a suspension after the grant prolongs that date (§ 6(4)
    BQFG). None for other timers, and while the grant is being recorded."""
    _, until = timer_plan.extension_of(timer)
    if until is None or timer.case_id is None:
        return None
    events = db.session.scalars(select(Event).where(
        Event.case_id == timer.case_id, Event.kind == EventKind.TIMER_EXTENDED, Event.subject == timer.timer_id,
        Event.occurred_at >= timer.created_at).order_by(Event.seq))
    # A timer is extended once; an earlier timer of the same id was extended before this one was created.
    for event in events:
        data = event.data or {}
        if data.get("extension") == timer.extension:
            return timer_plan.Grant(clock.berlin_date(event.occurred_at), data.get("pauses_known"))
    return None


def cancel_open(case, actor, day: date | None = None) -> None:
    """The case ended: nothing is owed any more. Each cancellation is an audit event, so the timeline says why a
    period stopped without being met. ``day``: the date of the fact that ended it (a withdrawal takes effect on
    receipt), default today. A legal fiction the sweep applied for a period that ran out only after that day
    (§ 36(2) BeschV: the week ended after the withdrawal took effect) never happened, nothing was pending any more:
    its timer is cancelled on that day too, audited beside the fiction, nothing deleted (LAW.md § 7)."""
    day = day or clock.today()
    for timer in open_timers(case):
        timer_plan.cancel(timer, day)
        append_event(case, EventKind.TIMER_CANCELLED, actor, subject=timer.timer_id, data={"due_on": timer.due_on})
    for timer in case_timers(case):
        if timer_plan.fiction_voided(timer, day):
            timer_plan.cancel(timer, day)
            append_event(case, EventKind.TIMER_CANCELLED, actor, subject=timer.timer_id,
                         data={"due_on": timer.due_on, "corrects_fiction": True})
    refresh_summary(case)


def _pause(case, timer, spec, day, actor, *, reason, source) -> None:
    """A suspension recorded by hand (the rule's suspensions come from the plan)."""
    timer_plan.suspend(timer, TimerPause(started_on=day, until_on=None, reason=reason, source=source))
    recompute(timer, spec)
    append_event(case, EventKind.TIMER_PAUSED, actor, subject=spec.id, reason=reason, basis=spec.basis,
                 data={"until_on": None, "source": source, "due_on": timer.due_on})


def _resume(case, timer, spec, day, actor, *, reason, source) -> None:
    timer_plan.end_suspension(timer, day)
    recompute(timer, spec)
    append_event(case, EventKind.TIMER_RESUMED, actor, subject=spec.id, reason=reason, basis=spec.basis,
                 data={"source": source, "due_on": timer.due_on})


def _spec(case, timer) -> TimerSpec:
    return workflow_of(case).timers[timer.timer_id]


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise TimerError(LocalText("Bitte geben Sie einen Grund an.", "Please give a reason."))
    return reason


#: The form input that carries the date of the fact a pause by hand starts or ends with (LAW.md § 7).
EFFECTIVE_ON = "effective_on"


def _fact_day(on: date | None, earliest: date, earliest_what: LocalText) -> date:
    """The date of the fact a pause by hand starts or ends on (the request letter, the documents' arrival), as the
    transitions take it: default today, never in the future, never before ``earliest`` (LAW.md § 7)."""
    if on is None:
        return clock.today()
    if on > clock.today():
        raise TimerError(LocalText("Das Datum des Ereignisses darf nicht in der Zukunft liegen.",
                                   "The date of the fact cannot be in the future."), EFFECTIVE_ON,
                         "effective_on_in_future")
    if on < earliest:
        raise TimerError(LocalText(
            f"Das Datum des Ereignisses darf nicht vor {earliest_what.de} ({earliest:%d.%m.%Y}) liegen.",
            f"The date of the fact cannot be before {earliest_what.en} ({earliest:%-d %b %Y})."), EFFECTIVE_ON,
            "effective_on_before_earlier_facts")
    return on


def pause(case, timer: Timer, actor, reason: str, on: date | None = None) -> None:
    """A suspension by hand from ``on``, the date of the fact that suspends (default today): it counts from that
    day, not from the day it is recorded. Not before the period began (nor the case's receipt): there was nothing
    to suspend."""
    spec = _spec(case, timer)
    reason = _require_reason(reason)
    if not spec.manual_pause:
        raise TimerError(LocalText("Diese Frist kann nicht angehalten werden.", "This deadline cannot be paused."))
    day = _fact_day(on, max(timer.started_on, case.received_on),
                    LocalText("dem Beginn der Frist", "the start of the period"))
    if timer.status not in (TimerStatus.RUNNING, TimerStatus.BREACHED):
        raise TimerError(LocalText("Nur laufende Fristen können angehalten werden.",
                                   "Only running deadlines can be paused."))
    # A period flagged as run out takes a pause dated before it ran out (timer_plan.ran_on_day), no later one.
    if not timer_plan.ran_on_day(timer, day):
        raise TimerError(LocalText(
            f"Die Frist war am {day:%d.%m.%Y} schon abgelaufen (Fristende {timer.due_on:%d.%m.%Y}): es gibt nichts "
            f"mehr zu hemmen.",
            f"The period had already run out on {day:%-d %b %Y} (it ended on {timer.due_on:%-d %b %Y}): nothing is "
            f"left to suspend."), EFFECTIVE_ON, "effective_on_after_expiry")
    _pause(case, timer, spec, day, actor, reason=reason, source="manual")
    refresh_summary(case)


def resume(case, timer: Timer, actor, reason: str, on: date | None = None) -> None:
    """End a suspension by hand on ``on``, the date of the fact that ends it (default today), not before it began."""
    spec = _spec(case, timer)
    reason = _require_reason(reason)
    if timer.status != TimerStatus.PAUSED or timer.open_pause() is None:
        raise TimerError(LocalText("Die Frist ist nicht angehalten.", "The deadline is not paused."))
    if timer.open_pause().source != "manual":
        # A pause by rule (e.g. a skills analysis, § 14 BQFG) lasts until the step that ends it is recorded.
        raise TimerError(LocalText("Diese Hemmung endet nicht von Hand, sondern mit ihrem Verfahrensschritt (z. B. "
                                   "Abschluss der Qualifikationsanalyse).", "This suspension does not end by hand but "
                                   "with its step (e.g. finishing the skills analysis)."))
    day = _fact_day(on, timer.open_pause().started_on, LocalText("dem Beginn der Hemmung", "the start of the pause"))
    _resume(case, timer, spec, day, actor, reason=reason, source="manual")
    refresh_summary(case)


def extend(case, timer: Timer, actor, period: str, reason: str, until: date | None = None,
           documents: Sequence[str] = ()) -> None:
    """One extension, with a reason, at most the definition's maximum (e.g. § 6(3) s. 3-4 BQFG), before expiry
    unless the definition allows it afterwards (§ 31(7) s. 2 VwVfG for a deadline the authority set). It runs from
    the (shifted) end of the period, or to ``until``, the end date communicated to the applicant. A suspension
    that lasts until the extended deadline follows it (§ 6(4) BQFG). ``documents``: the checklist items still
    requested under the deadline, whose day the case verb moves to the new end (``cases.service.extend_timer``):
    the audit event names them."""
    spec = _spec(case, timer)
    reason = _require_reason(reason)
    if spec.extension is None:
        raise TimerError(LocalText("Diese Frist kann nicht verlängert werden.", "This deadline cannot be extended."))
    if timer.extension:
        raise TimerError(LocalText("Die Frist wurde bereits einmal verlängert; eine weitere Verlängerung ist nicht "
                                   "vorgesehen.", "The deadline was already extended once; no further extension "
                                   "is allowed."))
    expired = timer.due_on is None or clock.today() > timer.due_on or timer.status == TimerStatus.BREACHED
    if timer.status not in (TimerStatus.RUNNING, TimerStatus.BREACHED) or (expired and not spec.extension.after_expiry):
        raise TimerError(LocalText("Eine abgelaufene oder ruhende Frist kann nicht mehr verlängert werden.",
                                   "An expired or paused deadline can no longer be extended."))
    old_due = timer.due_on
    maximum = deadlines.parse_period(spec.extension.max)
    if until is not None and period:
        raise TimerError(LocalText("Bitte geben Sie entweder eine Dauer oder ein neues Fristende an, nicht beides.",
                                   "Please give either a length or a new end date, not both."), "until",
                         "extension_length_or_end")
    if until is None and not period:
        raise TimerError(LocalText("Bitte wählen Sie eine Dauer oder geben Sie ein neues Fristende an.",
                                   "Please choose a length or give a new end date."), "period", "extension_length_or_end")
    if until is not None:
        if old_due is not None and until <= old_due:
            raise TimerError(LocalText("Das neue Fristende muss nach dem bisherigen liegen.",
                                       "The new end date must be after the current one."), "until",
                             "extension_not_later")
        latest = _due_if_extended(timer, spec, str(maximum))
        if latest is not None and until > latest:
            raise TimerError(LocalText(
                f"Höchstens {maximum.describe('de')} Verlängerung: das neue Fristende darf nicht nach dem "
                f"{latest:%d.%m.%Y} liegen.",
                f"At most {maximum.describe('en')} extension: the new end date cannot be after {latest:%-d %b %Y}."),
                "until", "extension_beyond_maximum")
        value = until.isoformat()
    else:
        try:
            wanted = deadlines.parse_period(period)
        except ValueError:
            raise TimerError(LocalText("Ungültige Dauer, z. B. P2W oder P1M.",
                                       "Invalid length, e.g. P2W or P1M."), "period", "invalid_period") from None
        if _reaches_beyond(timer, spec, wanted, maximum):
            raise TimerError(LocalText(f"Höchstens {maximum.describe('de')} Verlängerung.",
                                       f"At most {maximum.describe('en')} extension."), "period",
                             "extension_beyond_maximum")
        value = str(wanted)
    timer.extension = value
    timer.extension_reason = reason
    recompute(timer, spec)
    timer_plan.running_again(timer, clock.today())  # extended retroactively
    # The pauses recorded so far are counted in an end date communicated; later ones prolong it (extension_grant).
    append_event(case, EventKind.TIMER_EXTENDED, actor, subject=spec.id, reason=reason,
                 basis=spec.extension.basis,
                 data={"extension": value, "due_on": timer.due_on, "pauses_known": len(timer.pauses)}
                 | ({"documents": ",".join(documents)} if documents else {}))
    if spec.due_input and old_due is not None:
        _follow_suspensions(case, timer, old_due)
    refresh_summary(case)


def _reaches_beyond(timer: Timer, spec: TimerSpec, wanted: deadlines.Period, maximum: deadlines.Period) -> bool:
    """Whether extending by ``wanted`` ends later than extending by ``maximum``, compared as the calendar dates both
    reach from the end of the period (§ 190 BGB), before any weekend shift: "höchstens einen Monat" (§ 6(3) s. 4
    BQFG) is a month of the calendar, so 31 days exceed it after a 30-day month and 4 weeks never do."""
    # Only a running (or breached) timer is extended, so neither end is left open by an open-ended pause.
    wanted_end, maximum_end = (timer_plan.deadline_of(_WithExtension(timer, str(period)), spec, clock.today()).raw_end
                               for period in (wanted, maximum))
    return wanted_end > maximum_end


def _due_if_extended(timer: Timer, spec: TimerSpec, extension: str) -> date | None:
    """The due date ``timer`` would have, extended by the period ``extension`` (the longest allowed): the latest
    end date an extension to a day may name."""
    deadline = timer_plan.deadline_of(_WithExtension(timer, extension), spec, clock.today())
    return deadline.due if deadline else None


class _WithExtension:
    """A timer as it would read with another extension, for the plan to compute: the row itself is never changed
    (a temporary change could reach the database with any flush in between)."""

    def __init__(self, timer: Timer, extension: str):
        self._timer, self.extension = timer, extension

    def __getattr__(self, name: str):
        return getattr(self._timer, name)


def _follow_suspensions(case, extended: Timer, old_due: date) -> None:
    """A period suspended until the deadline set (§ 6(4) BQFG) stays suspended until the extended deadline. The
    further days are a pause of their own, from the old end to the new one, recorded now: the pause as it stood is
    what an end date communicated meanwhile was named with (``timer_plan.granted_after``), the further days are
    not."""
    workflow = workflow_of(case)
    for other in open_timers(case):
        if other is extended:
            continue
        followed = [pause for pause in other.pauses if pause.source == extended.started_by
                    and pause.until_on == old_due and pause.ended_on is None]
        for pause in followed:
            timer_plan.suspend(other, TimerPause(started_on=old_due, until_on=extended.due_on, reason=pause.reason,
                                                 source=pause.source))
        if followed:
            recompute(other, workflow.timers[other.timer_id])


def refresh_summary(case) -> None:
    """Recompute the case's queue summary (nearest open due date, any breach) from its timers, as
    ``refresh_summaries`` does in SQL for a batch."""
    counted = [timer for timer in case.timers if timer.status in OPEN_TIMER_STATUSES and timer.due_on is not None]
    case.next_due_on = min((timer.due_on for timer in counted), default=None)
    case.breached = any(timer.status == TimerStatus.BREACHED for timer in counted)


def refresh_summaries(cases) -> None:
    """``refresh_summary`` for many cases in one query (the deadline sweep refreshes a batch at once)."""
    by_id = {case.id: case for case in cases}
    found = {case_id: (next_due_on, breached) for case_id, next_due_on, breached in db.session.execute(
        select(Timer.case_id, func.min(Timer.due_on), func.count(Timer.id).filter(Timer.status == TimerStatus.BREACHED))
        .where(Timer.case_id.in_(by_id), Timer.status.in_(OPEN_TIMER_STATUSES), Timer.due_on.is_not(None))
        .group_by(Timer.case_id))}
    for case_id, case in by_id.items():
        next_due_on, breached = found.get(case_id, (None, 0))
        case.next_due_on = next_due_on
        case.breached = bool(breached)
