"""The timer plan: which timers one case event starts, meets, pauses or resumes, and each timer's due date.

Pure (no Flask, no database). The timer service applies a plan to timer rows; the seed generator applies the same
plan to its in-memory cases; neither decides on its own, so they cannot drift apart. Due dates are computed by
``deadlines`` from a timer's own dates (trigger day, pauses, extension), never stored by hand, so every date can
explain itself.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, MutableSequence, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from . import deadlines
from .definition import LocalText, TimerSpec, Workflow
from .vocabulary import OFFICE_CALENDAR, DocumentStatus, Mode, TimerStatus


class Action(StrEnum):
    MEET = "meet"  #: the owed step was done: the timer ends as met
    RESUME = "resume"  #: an open-ended suspension ends
    PAUSE = "pause"  #: a suspension starts (open-ended, or until a date the authority set)
    START = "start"  #: the period starts running


@dataclass(frozen=True)
class OpenTimer:
    """What the plan needs to know of a case's open timer."""

    timer_id: str
    status: TimerStatus
    suspended: bool  #: an open-ended pause is running
    due_on: date | None = None  #: its due date: a breached period still takes a suspension dated before it ran out


def ran_on_day(timer: OpenTimer | TimerLike, day: date | None) -> bool:
    """Whether the period was still running on ``day``, the date of a fact that suspends it: a period flagged as
    run out is suspended by a request dated on or before its last day, however late it is recorded (LAW.md § 7);
    one dated after it suspends nothing, there is nothing left to suspend."""
    if timer.status != TimerStatus.BREACHED:
        return True
    return day is not None and timer.due_on is not None and day <= timer.due_on


@dataclass(frozen=True)
class Step:
    action: Action
    spec: TimerSpec
    #: For PAUSE: the last day of the suspension when a date ends it (§ 6(4) BQFG: the deadline set), else None.
    until_on: date | None = None
    #: The day the step takes effect (start, end, pause or resume), when the caller gave ``EventDays``.
    on: date | None = None


#: Input of a step that sets a deadline: "yes" when the letter named the end day with reference to § 31(3) s. 2
#: VwVfG, so the end is not moved off a weekend or holiday.
END_NAMED_INPUT = "end_day_named"


@dataclass(frozen=True)
class EventDays:
    """The dates an event carries (LAW.md § 7: the legal trigger, not the day of recording)."""

    recorded_on: date  #: the day the step is recorded
    effective_on: date | None = None  #: the date of the fact, when the clerk gave one
    #: the arrival of the last document the file needs (§ 6(3) s. 2 BQFG), when known
    documents_complete_on: date | None = None
    #: calendar of the case's office: a deadline the authority set ends on a working day (§ 31(3) s. 1 VwVfG)
    calendar: str | None = None
    #: the date the step names for its act (``date``: the agreement, the decision, the visa granted), when it has one
    act_on: date | None = None

    @property
    def fact_on(self) -> date:
        """The fact's date as given; else the act's own date (an agreement of 25 Nov recorded on 2 Dec was
        concluded on 25 Nov: the steps after it may lie between); else the day recorded."""
        return self.effective_on or self.act_on or self.recorded_on


#: A notice posted within Germany is deemed notified on the fourth day after posting (§ 41(2) s. 1 VwVfG, since
#: 1 Jan 2025; ThürVwVfG § 1(1)).
DAYS_TO_NOTIFICATION = 4


def notified_on(days: EventDays, inputs: Mapping[str, object]) -> date:
    """The day a step's notice reached the applicant: the day the clerk gives as the fact's date when it is known
    (handed over, or received later: § 41(2) s. 3 VwVfG), else the fourth day after the notice's date, taken as the
    day it was posted (§ 41(2) s. 1 VwVfG). A step without a notice (an applicant's choice received): its fact."""
    if days.effective_on is not None or not inputs.get("date"):
        return days.fact_on
    return as_date(inputs["date"]) + timedelta(days=DAYS_TO_NOTIFICATION)


def start_day(spec: TimerSpec, days: EventDays, inputs: Mapping[str, object] | None = None) -> date:
    """The trigger day of ``spec`` for an event with these dates (``starts_from`` in the definition)."""
    if spec.starts_from == "recorded":
        return days.recorded_on
    if spec.starts_from == "notified":
        return notified_on(days, inputs or {})
    if spec.starts_from == "documents_complete":
        # The law's date is the last document's arrival (§ 6(3) s. 2 BQFG), which the checklist holds once every
        # document is in hand: not the day the clerk confirms completeness (LAW.md § 7). The step's own date
        # serves only while the checklist cannot tell.
        return days.documents_complete_on or days.effective_on or days.recorded_on
    return days.fact_on


def end_day(spec: TimerSpec, days: EventDays, inputs: Mapping[str, object]) -> date:
    """The day the owed act was done (``ends_from``): an authority's act when recorded, others on the fact's date,
    or a date input of the step (e.g. the appointment the mission offered, § 31a(1) AufenthV)."""
    if spec.ends_from.startswith("input:"):
        given = inputs.get(spec.ends_from[len("input:"):])
        return as_date(given) if given else days.fact_on
    if spec.ends_from == "recorded":
        return days.recorded_on
    return days.fact_on


def authority_end(day: date, calendar: str | None, end_named: bool) -> date:
    """A deadline the authority set ends on the next working day when it falls on a Saturday, Sunday or holiday
    (§ 31(3) s. 1 VwVfG), unless the letter named that day with reference to s. 2."""
    if end_named or calendar is None:
        return day
    cal = deadlines.get_calendar(calendar)
    return cal.next_working_day(day) if cal.shifts else day


def day_named(inputs: Mapping[str, object]) -> bool:
    """Whether the step's letter names the end day of the deadline it sets with reference to § 31(3) s. 2 VwVfG."""
    return str(inputs.get(END_NAMED_INPUT) or "") == "yes"


def set_deadline_ends(inputs: Mapping[str, object], calendar: str | None, due_input: str = "due_date") -> date | None:
    """The day a deadline a step sets (the date entered as ``due_input``) ends: that date, moved off a Saturday,
    Sunday or holiday of ``calendar`` unless the letter names it (``authority_end``, as the timer and the suspension
    count). What the letter, the e-mail, the checklist and the parties' pages state, so none of them names a day
    before the real end. None when the step sets no date."""
    given = inputs.get(due_input)
    return authority_end(as_date(given), calendar, day_named(inputs)) if given else None


def plan(workflow: Workflow, mode: Mode | str, event_id: str, inputs: Mapping[str, object],
         open_timers: Mapping[str, OpenTimer], days: EventDays | None = None) -> list[Step]:
    """The steps, in the order to apply them, for one event (a transition id or ``OPENED``) of a case in ``mode``.

    Per timer: the event first meets it (the owed act), then ends or starts a suspension, then starts it anew if the
    event is one of its triggers (and suspends the new period at once when the event also suspends it: a skills
    analysis started while documents are missing, § 14 BQFG). An expired (breached) period is not suspended any
    more, unless the fact that suspends it is dated before it ran out (``ran_on_day``). With ``days`` every step
    carries the day it takes effect (``on``)."""
    steps: list[Step] = []
    fact_on = days.fact_on if days else None
    end_named = day_named(inputs)

    def pauses(spec, timer):
        for rule in spec.pauses:
            if rule.unless and str(inputs.get(rule.unless[0]) or "") == rule.unless[1]:
                continue  # e.g. a request for certified copies does not suspend (§ 12(3) s. 3 BQFG)
            if event_id in rule.resume_on and timer.suspended:
                steps.append(Step(Action.RESUME, spec, on=fact_on))
                timer = OpenTimer(timer.timer_id, TimerStatus.RUNNING, suspended=False)
            if rule.on == event_id:
                until = inputs.get(rule.until_input) if rule.until_input else None
                if until is None and timer.suspended:
                    continue  # already suspended without end: one open pause at a time
                until_on = authority_end(as_date(until), days.calendar if days else None, end_named) \
                    if until else None
                steps.append(Step(Action.PAUSE, spec, until_on, on=fact_on))
                if until is None:
                    timer = OpenTimer(timer.timer_id, TimerStatus.PAUSED, suspended=True)
        return timer

    for spec in workflow.timers.values():
        if not spec.applies_to(mode):
            continue
        timer = open_timers.get(spec.id)
        if timer is not None and event_id in spec.stops_on:
            steps.append(Step(Action.MEET, spec, on=end_day(spec, days, inputs) if days else None))
            timer = None
        if timer is not None and ran_on_day(timer, fact_on):
            timer = pauses(spec, timer)
        if timer is None and event_id in spec.starts_on:
            steps.append(Step(Action.START, spec, on=start_day(spec, days, inputs) if days else None))
            pauses(spec, OpenTimer(spec.id, TimerStatus.RUNNING, suspended=False))
    return steps


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def calendar_for(spec: TimerSpec, office_calendar: str) -> str:
    return office_calendar if spec.calendar == OFFICE_CALENDAR else spec.calendar


def end_named(spec: TimerSpec, inputs: Mapping[str, object]) -> bool | None:
    """For a deadline the authority set: whether its letter named the end day with reference to § 31(3) s. 2
    VwVfG (then it is not moved off a weekend or holiday); None for other timers."""
    return day_named(inputs) if spec.due_input else None


def fixed_due(spec: TimerSpec, inputs: Mapping[str, object]) -> date | None:
    """For a deadline the authority set (``due_input``): the date it named."""
    return as_date(inputs[spec.due_input]) if spec.due_input else None


# --- due dates ---------------------------------------------------------------------------------------------------

class PauseLike(Protocol):
    started_on: date
    until_on: date | None
    ended_on: date | None


class TimerLike(Protocol):
    """A timer row or the seed's in-memory timer: the dates a due date is computed from."""

    status: str
    started_on: date
    due_on: date | None
    warn_on: date | None
    finished_on: date | None
    fixed_due_on: date | None
    calendar: str
    extension: str | None
    pauses: MutableSequence[PauseLike]
    end_named: bool | None  #: a deadline the authority set whose end day the letter named (§ 31(3) s. 2 VwVfG)


def pause_days(pause: PauseLike, today: date) -> int:
    """Days a pause suspends the period: until the date set when there is one (docs/law.md open point 5: the set
    deadline's length, even if the answer came earlier), else until it ended or today."""
    return max(((pause_end(pause) or today) - pause.started_on).days, 0)


def pause_end(pause: PauseLike) -> date | None:
    """The day after a pause's last suspended day: the date set, else the day it ended; None while it runs."""
    return pause.until_on if pause.until_on is not None else pause.ended_on


def authority_suspensions(workflow: Workflow, timers) -> list[tuple[date, date | None]]:
    """The stretches in which the authority's own periods stood still, from the pauses of the timers it owes,
    merged where they overlap: (first suspended day, day after the last; None while one still runs)."""
    owed = {spec.id for spec in workflow.timers.values() if spec.owed_by == "authority"}
    return merge_stretches((pause.started_on, pause_end(pause)) for timer in timers if timer.timer_id in owed
                           for pause in timer.pauses)


def merge_stretches(stretches) -> list[tuple[date, date | None]]:
    """(first suspended day, day after the last, None while it runs) stretches, sorted and merged where they overlap
    or touch, so a day two suspensions share is counted once."""
    stretches = sorted(stretches, key=lambda stretch: stretch[0])
    merged: list[tuple[date, date | None]] = []
    for start, end in stretches:
        if end is not None and end <= start:
            continue
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, None if last_end is None or end is None else max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def days_suspended(suspensions: Sequence[tuple[date, date | None]], start: date, end: date) -> int:
    """Days from ``start`` up to (not including) ``end`` that lie in one of the merged ``suspensions``."""
    total = 0
    for first, after in suspensions:
        overlap = (min(end, after) if after is not None else end) - max(start, first)
        total += max(overlap.days, 0)
    return total


def timer_suspensions(timer: TimerLike, today: date) -> list[tuple[date, date]]:
    """The stretches in which ``timer`` stood still, merged: two suspensions that overlap (a second request for
    documents while the first deadline set still runs, a pause by hand inside one) stop the period once for the
    days they share, § 209 BGB counts time not run, not reasons for it. A pause still running lasts until today."""
    return _stretches(timer.pauses, today)


def _stretches(pauses: Sequence[PauseLike], today: date) -> list[tuple[date, date]]:
    merged = merge_stretches((pause.started_on, pause_end(pause)) for pause in pauses)
    return [(first, after or today) for first, after in merged if (after or today) > first]


def _days_in(stretches: Sequence[tuple[date, date]]) -> int:
    return sum((after - first).days for first, after in stretches)


def suspended_days(timer: TimerLike, today: date) -> int:
    """Days the timer stood still, each counted once however many suspensions cover it."""
    return _days_in(timer_suspensions(timer, today))


@dataclass(frozen=True)
class Grant:
    """When an extension to an end date communicated was granted (read from its audit event): the day, and how
    many pauses the timer had then (None for grants recorded before this was kept)."""

    on: date
    pauses_known: int | None = None


def granted_after(pauses: Sequence[PauseLike], grant: Grant | None) -> list[PauseLike]:
    """The suspensions an end date communicated did not count yet: those that start after the day it was granted,
    or on that day but recorded after the grant (the date the clerk named was checked against the due date with the
    pauses recorded until then). One recorded later but dated before the grant started before the authority named
    the date, knowing its own request: the date counts it (LAW.md § 7, the fact's date, not the day recorded)."""
    if grant is None:
        return []
    known = len(pauses) if grant.pauses_known is None else grant.pauses_known
    return [pause for index, pause in enumerate(pauses)
            if pause.started_on > grant.on or (pause.started_on == grant.on and index >= known)]


def split_suspended_days(timer: TimerLike, spec: TimerSpec, today: date, grant: Grant | None = None
                         ) -> tuple[int, int, tuple[date, date] | None]:
    """(days suspended within the period, days suspended within its extension, a suspension on the moved last day).

    A suspension that starts while the period runs (up to its end, moved off a weekend or holiday) prolongs the
    period, and the extension then runs from that later end (§ 190 BGB). One that starts after the period's last
    day but on or before the working day its end was moved to (§ 31(3) s. 1 VwVfG) finds the period on its last
    day: returned as (first day, end), the period ends when it ends (``deadlines.compute_due``), not its length
    after the unmoved last day, which could fall while the period is still suspended. A suspension that starts
    after it, inside the extension, suspends the extended period (§ 6(4) BQFG suspends "die Frist nach Absatz 3",
    extended or not): its days are added to the extended end, also to an end date communicated with the
    extension, which they would otherwise be lost from. An end date communicated replaces the end the period had
    when it was granted (``grant``): a suspension that starts after the grant, even before the old end, is added to
    it too."""
    stretches = timer_suspensions(timer, today)
    extension, until = extension_of(timer)
    late = {id(pause) for pause in granted_after(timer.pauses, grant)} if until else set()
    earlier = _stretches([pause for pause in timer.pauses if id(pause) not in late], today)
    calendar = deadlines.get_calendar(timer.calendar)
    end = deadlines.add_period(timer.started_on, deadlines.parse_period(spec.period))
    within = later = 0
    last_day: tuple[date, date] | None = None
    for first, after in earlier:
        reached = last_day[1] if last_day else end + timedelta(days=within)
        if first <= reached:
            within += (after - first).days
        elif first <= calendar.end_of(reached):
            last_day = (first, after)
        elif extension or until:
            later += (after - first).days
        else:
            within += (after - first).days
    # Days the suspensions after the grant add, each counted once where they share days with earlier ones.
    return within, later + _days_in(stretches) - _days_in(earlier), last_day


def open_pause(timer: TimerLike) -> PauseLike | None:
    return next((pause for pause in timer.pauses if pause.ended_on is None and pause.until_on is None), None)


# --- applying a step to a timer's own fields ------------------------------------------------------------------
# The timer service applies these to timer rows, the seed generator to its in-memory timers: one rule each.

def finish(timer: TimerLike, status: TimerStatus, day: date) -> bool:
    """End the timer (met, fired, cancelled …) on ``day``; an open-ended pause ends with it. True if it ended late."""
    late = timer.due_on is not None and day > timer.due_on
    timer.status = status
    timer.finished_on = day
    timer.warn_on = None
    for pause in timer.pauses:
        if pause.ended_on is None and pause.until_on is None:
            pause.ended_on = day
    return late


def suspend(timer: TimerLike, pause: PauseLike) -> None:
    """Add a pause; an open-ended one (no date set) stops the clock until it is resumed."""
    timer.pauses.append(pause)
    if pause.until_on is None:
        timer.status = TimerStatus.PAUSED


def cancel(timer: TimerLike, day: date) -> None:
    """Nothing is owed any more (refusal, withdrawal, a failed precondition): the timer ends on the fact's day."""
    finish(timer, TimerStatus.CANCELLED, day)


def fiction_voided(timer: TimerLike, day: date) -> bool:
    """Whether a legal fiction the sweep applied (§ 36(2) BeschV) never happened because the case ended on ``day``
    (a withdrawal takes effect on receipt), on or before the period's last day: when the period ran out nothing was
    pending any more. Its timer is then cancelled on that day like an open one (``cancel``)."""
    return timer.status == TimerStatus.FIRED and timer.due_on is not None and day <= timer.due_on


def running_again(timer: TimerLike, today: date) -> None:
    """A period flagged as run out whose due date moved to today or later (a suspension dated before it ran out, an
    extension, § 31(7) VwVfG) runs again; the sweep flags it anew if it runs out again."""
    if timer.status == TimerStatus.BREACHED and timer.due_on is not None and timer.due_on >= today:
        timer.status = TimerStatus.RUNNING


def end_suspension(timer: TimerLike, day: date) -> None:
    open_pause(timer).ended_on = day
    timer.status = TimerStatus.RUNNING


class TimerBook(Protocol):
    """Where a case's timers live (rows in the database, the seed generator's memory) and how their changes are
    recorded. ``apply`` decides; a book only stores."""

    def start(self, spec: TimerSpec, started_on: date, inputs: Mapping[str, object], event_id: str) -> TimerLike:
        """A new running timer from ``started_on``, stored, its due date computed, its start recorded."""

    def new_pause(self, started_on: date, until_on: date | None, reason: str, source: str) -> PauseLike: ...

    def recompute(self, timer: TimerLike, spec: TimerSpec) -> None:
        """Due date and warning day after the timer's dates changed."""

    def record(self, action: Action, spec: TimerSpec, *, reason: str = "", data: Mapping[str, object]) -> None:
        """The audit event of one applied step."""


def apply(steps: Sequence[Step], timers: dict[str, TimerLike], book: TimerBook, inputs: Mapping[str, object],
          day: date, event_id: str) -> None:
    """Apply a plan's steps to the case's open timers (``timers``: timer id -> open timer, updated in place).
    Each step takes effect on its own day (``Step.on``), else on ``day``."""
    for step in steps:
        spec, timer, on = step.spec, timers.get(step.spec.id), step.on or day
        if step.action is Action.MEET:
            late = finish(timer, TimerStatus.MET, on)
            book.record(Action.MEET, spec, data={"due_on": timer.due_on, "late": late})
            timers.pop(spec.id)
        elif step.action is Action.RESUME:
            end_suspension(timer, on)
            book.recompute(timer, spec)
            book.record(Action.RESUME, spec, data={"source": event_id, "due_on": timer.due_on})
        elif step.action is Action.PAUSE:
            if step.until_on is None and open_pause(timer) is not None:
                continue  # one open-ended suspension at a time
            reason = pause_reason(inputs)
            suspend(timer, book.new_pause(on, step.until_on, reason, event_id))
            book.recompute(timer, spec)
            running_again(timer, day)
            book.record(Action.PAUSE, spec, reason=reason,
                        data={"until_on": step.until_on, "source": event_id, "due_on": timer.due_on})
        else:
            timers[spec.id] = book.start(spec, on, inputs, event_id)


@dataclass(frozen=True)
class Document:
    """A checklist item as completeness needs it."""

    required: bool
    status: DocumentStatus
    received_on: date | None


def needed(documents: Sequence[Document]) -> list[Document]:
    """The documents the file needs to be complete: the required ones, and optional ones that became part of the
    file (requested or submitted, e.g. the translations § 5(2) s. 2 BQFG asks for; § 23(3) VwVfG)."""
    return [document for document in documents if document.required or document.status != DocumentStatus.MISSING]


def documents_complete_on(documents: Sequence[Document], received_on: date) -> date | None:
    """The arrival of the last document the file needs (§ 6(3) s. 2 BQFG), once every one is in hand; a document
    without its own date came with the application (``received_on``)."""
    wanted = needed(documents)
    if not wanted or not all(DocumentStatus(d.status).is_in_hand for d in wanted):
        return None
    return max((d.received_on or received_on) for d in wanted)


def pause_reason(inputs: Mapping[str, object]) -> str:
    """The reason a rule's pause records: the transition's ``reason`` input as given."""
    return str(inputs.get("reason", ""))


def fiction_reason(spec: TimerSpec, due_on: date) -> str:
    """What the sweep records when it performs a legal fiction (e.g. § 36(2) BeschV): German, the file's language,
    in a fixed form that ``fiction_of_reason`` reads back for a page in another language."""
    return f"Fristablauf am {due_on.strftime('%d.%m.%Y')} ohne Antwort ({spec.basis})"


_FICTION_REASON = re.compile(r"Fristablauf am (\d{2})\.(\d{2})\.(\d{4}) ohne Antwort \((.+)\)")


def fiction_of_reason(reason: str) -> tuple[date, str] | None:
    """(due date, basis) of a reason ``fiction_reason`` wrote; None for any other reason."""
    found = _FICTION_REASON.fullmatch(reason or "")
    if found is None:
        return None
    day, month, year, basis = found.groups()
    try:
        return date(int(year), int(month), int(day)), basis
    except ValueError:
        return None


START_LABEL = LocalText("Eingang des Antrags", "application received")


def deadline_of(timer: TimerLike, spec: TimerSpec, today: date, label: str | None = None,
                grant: Grant | None = None) -> deadlines.Deadline | None:
    """The computed deadline with its explanation, or None while an open-ended pause leaves it undetermined.
    ``grant``: when an extension to an end date communicated was granted (``split_suspended_days``)."""
    if timer.status == TimerStatus.PAUSED and open_pause(timer) is not None:
        return None
    return _deadline(timer, spec, today, label, grant)


def deadline_if_resumed_today(timer: TimerLike, spec: TimerSpec, today: date, label: str | None = None,
                              grant: Grant | None = None) -> deadlines.Deadline | None:
    """While an open-ended suspension runs (documents requested, § 6(4) BQFG): the deadline the period would have
    if the suspension ended today, its days counted up to today. Each further day of suspension moves it one day
    on; it shows the clerk how much of the period is left. None for a timer without an open-ended suspension."""
    if timer.status != TimerStatus.PAUSED or open_pause(timer) is None:
        return None
    return _deadline(timer, spec, today, label, grant)


def _deadline(timer: TimerLike, spec: TimerSpec, today: date, label: str | None,
              grant: Grant | None) -> deadlines.Deadline:
    label = label or (spec.trigger.de if spec.trigger else None)
    extension, until = extension_of(timer)
    if spec.due_input:
        deadline = deadlines.set_by_authority(timer.started_on, timer.fixed_due_on, basis=spec.basis,
                                              start_label=label, calendar=timer.calendar,
                                              end_named=bool(getattr(timer, "end_named", False)))
        if until or extension:  # § 31(7) VwVfG: extended, from the (shifted) end or to the day communicated
            end = until or deadlines.add_period(deadline.due, deadlines.parse_period(extension))
            # The new end is shifted off a weekend or holiday too (§ 31(3) s. 1 VwVfG): the extension form does
            # not name it with reference to s. 2.
            due = authority_end(end, timer.calendar, False)
            shift = (deadlines.Step("shift", due, {"from": end.isoformat(), "calendar": timer.calendar}),) \
                if due != end else ()
            body, tail = (deadline.steps[:-1], deadline.steps[-1:]) if spec.basis else (deadline.steps, ())
            # Said as what it was: an end date communicated, or a period from the end (§ 190 BGB).
            extended = deadlines.Step("until", end) if until else \
                deadlines.Step("extension", end, {"period": extension})
            steps = (*body, extended, *shift, *tail)
            return deadlines.Deadline(due=due, raw_end=end, steps=steps)
        return deadline
    if spec.working_days:
        return deadlines.add_working_days(timer.started_on, spec.working_days, calendar=timer.calendar,
                                          basis=spec.basis, start_label=label)
    within, later, last_day = split_suspended_days(timer, spec, today, grant)
    return deadlines.compute_due(timer.started_on, spec.period, calendar=timer.calendar, extension=extension,
                                 paused_days=within, basis=spec.basis, start_label=label,
                                 pause_basis=spec.suspension_basis, extended_until=until,
                                 extension_paused_days=later, last_day_suspension=last_day)


def extension_of(timer: TimerLike) -> tuple[str | None, date | None]:
    """A timer's extension: a period ("P1M", from the end of the period, § 190 BGB) or the end date communicated to
    the applicant (stored as YYYY-MM-DD), which governs as it is."""
    value = timer.extension
    if not value:
        return None, None
    if value[:1].isdigit():
        return None, date.fromisoformat(value)
    return value, None


def due_and_warning(timer: TimerLike, spec: TimerSpec, today: date,
                    grant: Grant | None = None) -> tuple[date | None, date | None]:
    """(due date, day to warn on). A warning is owed only for a running timer with a due date."""
    deadline = deadline_of(timer, spec, today, grant=grant)
    due = deadline.due if deadline else None
    warn = due - lead_time(spec.warn_before) if due and timer.status == TimerStatus.RUNNING else None
    return due, warn


def lead_time(period: str) -> timedelta:
    """A warning's lead time, not a legal period: a month counts as 30 days here."""
    return timedelta(days=approximate_days(deadlines.parse_period(period), month=30))


def approximate_days(period: deadlines.Period, month: int = 31) -> int:
    return period.amount * {"D": 1, "W": 7, "M": month}[period.unit]


