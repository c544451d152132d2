"""The pure transition check: may these roles apply this transition to a case in this state, with these inputs?

The service calls check_transition before changing anything; the Decision says why not, in both languages, with the
form field to mark, and hands back the inputs typed (dates as date), ready to store.
"""
from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from .definition import EFFECTIVE_ON, InputSpec, LocalText, State, Transition, Workflow
from .guards import GUARDS, GuardContext, act_day_of
from .vocabulary import DocumentStatus, Role

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Refusal:
    code: str
    message: LocalText
    field: str | None = None  #: the input to mark in the form


@dataclass(frozen=True)
class Decision:
    allowed: bool
    refusals: tuple[Refusal, ...] = ()
    inputs: dict = field(default_factory=dict)  #: declared input name -> typed value (None when not given)


def _refused(*refusals: Refusal, inputs: dict | None = None) -> Decision:
    return Decision(False, tuple(refusals), inputs or {})


def check_transition(workflow: Workflow, transition_id: str, current_state: str, roles: set[str],
                     raw_inputs: Mapping[str, object], context: GuardContext) -> Decision:
    """Checks in order, stopping at the first failing stage: existence, state, role, inputs, guards.

    Within the input and the guard stage every problem is reported, so a form can show them all at once.
    """
    transition = workflow.transitions.get(transition_id)
    if transition is None:
        return _refused(Refusal("unknown_transition", LocalText(
            f"Den Schritt „{transition_id}“ gibt es in {workflow.id} v{workflow.version} nicht.",
            f"There is no step '{transition_id}' in {workflow.id} v{workflow.version}.")))
    state_refusal = _check_state(workflow, transition, current_state)
    if state_refusal:
        return _refused(state_refusal)
    role_refusal = _check_roles(transition, roles)
    if role_refusal:
        return _refused(role_refusal)
    inputs, input_refusals = clean_inputs(transition, raw_inputs)
    input_refusals += _check_dates(inputs, workflow, transition, context)
    if input_refusals:
        return _refused(*input_refusals, inputs=inputs)
    guard_context = dataclasses.replace(context, inputs={**context.inputs, **inputs})
    guard_refusals = tuple(_guard_refusals(workflow, transition.guards, guard_context))
    return Decision(not guard_refusals, guard_refusals, inputs)


def _guard_refusals(workflow: Workflow, names, context: GuardContext) -> list[Refusal]:
    """The refusal of each guard in ``names`` that does not hold, with document titles for its message."""
    titles = {document.id: document.title for document in workflow.documents}
    return [Refusal(f"guard:{name}", GUARDS[name].refusal(context, titles), GUARDS[name].needs_input)
            for name in names if not GUARDS[name].holds(context)]


def _check_state(workflow: Workflow, transition: Transition, current_state: str) -> Refusal | None:
    if current_state in transition.sources:
        return None
    state = workflow.states.get(current_state)
    if state is not None and state.terminal:
        return Refusal("state_terminal", LocalText(
            f"Der Vorgang ist abgeschlossen ({state.title.de}); es sind keine Schritte mehr möglich.",
            f"The case is closed ({state.title.en}); no further steps are possible."))
    title = state.title if state else LocalText(current_state, current_state)
    return Refusal("wrong_state", LocalText(
        f"„{transition.label.de}“ ist im Status „{title.de}“ nicht möglich.",
        f"'{transition.label.en}' is not possible in state '{title.en}'."))


def _check_roles(transition: Transition, roles: set[str]) -> Refusal | None:
    if transition.is_system:
        if Role.SYSTEM in roles:
            return None
        # A legal fiction (e.g. § 36(2) BeschV) happens by expiry of time, never by a click.
        return Refusal("system_only", LocalText(
            f"„{transition.label.de}“ tritt nur durch Fristablauf ein und kann nicht von Hand ausgelöst werden.",
            f"'{transition.label.en}' happens only when a deadline expires; it cannot be done by hand."))
    if transition.roles & set(roles):
        return None
    return Refusal("role_not_allowed", LocalText(
        f"Ihre Rolle darf „{transition.label.de}“ nicht ausführen.",
        f"Your role may not perform '{transition.label.en}'."))


def _check_dates(inputs: Mapping[str, object], workflow: Workflow, transition: Transition,
                 context: GuardContext) -> list[Refusal]:
    """The checks of the dates a step gives, against the case (its earlier facts, its checklist, today)."""
    return (_check_effective_on(inputs.get(EFFECTIVE_ON), context)
            + _check_completeness_date(inputs.get(EFFECTIVE_ON), workflow, transition, context)
            + _check_act_date(inputs.get("date"), transition, context)
            + _check_fact_after_act(inputs.get(EFFECTIVE_ON), inputs.get("date"), transition)
            + _check_set_deadline(inputs, transition, context)
            + _check_arrivals(inputs, transition, context))


def field_refusals(workflow: Workflow, transition_id: str, raw_inputs: Mapping[str, object],
                   context: GuardContext) -> tuple[Refusal, ...]:
    """What the definition says about the inputs that were given, each at its field, for a form that has problems
    of its own elsewhere (a required text left empty): the input and date checks, and the guards that judge one
    given input (``needs_input``). A form can then show every problem in one round instead of the date's only
    after the text is fixed. Missing inputs are left to the form, which names them itself."""
    transition = workflow.transitions.get(transition_id)
    if transition is None:
        return ()
    inputs, refusals = clean_inputs(transition, raw_inputs)
    refusals = [refusal for refusal in refusals if refusal.field in raw_inputs]
    refusals += _check_dates(inputs, workflow, transition, context)
    judged = dataclasses.replace(context, inputs={**context.inputs, **inputs})
    refusals += _guard_refusals(workflow, [name for name in transition.guards
                                           if GUARDS[name].needs_input in raw_inputs], judged)
    return tuple(refusal for refusal in refusals if refusal.field)


def clean_inputs(transition: Transition, raw_inputs: Mapping[str, object]) -> tuple[dict, list[Refusal]]:
    """Typed values for every declared input (undeclared ones are dropped) and the refusals for bad ones."""
    values, refusals = {}, []
    for spec in transition.form_inputs:
        value, refusal = _clean(spec, raw_inputs.get(spec.name))
        values[spec.name] = value
        if refusal:
            refusals.append(refusal)
    return values, refusals


def _clean(spec: InputSpec, raw: object) -> tuple[object, Refusal | None]:
    if isinstance(raw, date) and spec.type == "date":  # the deadline sweep passes dates, forms pass text
        return raw, None
    text = "" if raw is None else str(raw).strip()
    if not text:
        if spec.required:
            return None, Refusal("input_required", LocalText(
                f"Bitte „{spec.label.de}“ angeben.", f"Please enter '{spec.label.en}'."), spec.name)
        return None, None
    if spec.type == "date":
        try:  # only YYYY-MM-DD: Python 3.11 would also take 20260101 or week dates
            if _ISO_DATE.fullmatch(text):
                return date.fromisoformat(text), None
        except ValueError:
            pass
        return None, _bad_date(spec)
    if spec.type == "office":
        if not text.isdigit():
            return None, Refusal("input_invalid_office", LocalText(
                f"„{spec.label.de}“: bitte eine Stelle auswählen.", f"'{spec.label.en}': please choose an office."),
                spec.name)
        return int(text), None
    if spec.type == "choice" and text not in spec.choice_values():
        allowed = spec.choices
        return None, Refusal("input_invalid_choice", LocalText(
            f"„{spec.label.de}“: bitte eine der Möglichkeiten wählen ({', '.join(c.label.de for c in allowed)}).",
            f"'{spec.label.en}': please pick one of the options ({', '.join(c.label.en for c in allowed)})."),
            spec.name)
    return text, None


def _check_effective_on(effective_on: date | None, context: GuardContext) -> list[Refusal]:
    """The date of a fact is never in the future and never before the case's earlier facts (LAW.md § 7)."""
    if effective_on is None:
        return []
    if effective_on > context.today:
        return [Refusal("effective_on_in_future", LocalText(
            "Das Datum des Ereignisses darf nicht in der Zukunft liegen.",
            "The date of the fact cannot be in the future."), EFFECTIVE_ON)]
    return _not_before_earlier_facts(effective_on, context, "effective_on_before_earlier_facts", EFFECTIVE_ON,
                                     LocalText("Das Datum des Ereignisses", "The date of the fact"))


def _not_before_earlier_facts(day: date, context: GuardContext, code: str, field: str,
                              subject: LocalText) -> list[Refusal]:
    """A date a step gives (the fact's, the act's) is never before the case's earlier facts (LAW.md § 7)."""
    earliest = context.earliest_fact_on
    if earliest is None or day >= earliest:
        return []
    return [Refusal(code, LocalText(
        f"{subject.de} darf nicht vor früheren Ereignissen des Falls liegen ({earliest:%d.%m.%Y}).",
        f"{subject.en} cannot be before the case's earlier facts ({earliest:%-d %b %Y})."), field)]


def _check_completeness_date(effective_on: date | None, workflow: Workflow, transition: Transition,
                             context: GuardContext) -> list[Refusal]:
    """A step that starts the decision period from complete documents cannot date them complete before the
    checklist's last arrival: the file was not complete then (§ 6(3) s. 2 BQFG)."""
    complete_on = context.documents_complete_on
    if effective_on is None or complete_on is None or effective_on >= complete_on or not any(
            spec.starts_from == "documents_complete" and transition.id in spec.starts_on
            for spec in workflow.timers.values()):
        return []
    return [Refusal("effective_on_before_documents_complete", LocalText(
        f"Laut Checkliste ist die letzte Unterlage am {complete_on:%d.%m.%Y} eingegangen: vorher waren die "
        f"Unterlagen nicht vollständig (§ 6(3) S. 2 BQFG). Stimmt ein Eingangsdatum nicht, bitte in der Checkliste "
        f"berichtigen.",
        f"By the checklist the last document arrived on {complete_on:%-d %b %Y}: the documents were not complete "
        f"before (§ 6(3) s. 2 BQFG). If an arrival date is wrong, please correct it in the checklist."),
        EFFECTIVE_ON)]


def _check_act_date(named: object, transition: Transition, context: GuardContext) -> list[Refusal]:
    """The date a step names for its act (``date``: the decision, the pre-approval) is never before the case's
    earlier facts: a decision cannot come before the application or the steps it rests on (LAW.md § 7)."""
    if not isinstance(named, date):
        return []
    label = transition.input("date").label
    return _not_before_earlier_facts(named, context, "date_before_earlier_facts", "date",
                                     LocalText(f"„{label.de}“: das Datum", f"'{label.en}': the date"))


def _check_fact_after_act(effective_on: object, act_on: object, transition: Transition) -> list[Refusal]:
    """The fact a step records is its act (the agreement concluded, the notice issued) or what follows it (the
    notice received, the visa granted learnt of): never before the act's own date. A decision dated 1 Dec cannot
    have taken effect on 30 Nov. Except where the date is a document's of an earlier fact (``date_is_evidence``:
    the certificate of a test taken before)."""
    if not isinstance(effective_on, date) or not isinstance(act_on, date) or effective_on >= act_on \
            or transition.date_is_evidence:
        return []
    label = transition.input("date").label
    return [Refusal("effective_on_before_act", LocalText(
        f"Das Datum des Ereignisses kann nicht vor „{label.de}“ liegen ({act_on:%d.%m.%Y}). Ist es dieser Tag, "
        f"lassen Sie es leer.",
        f"The date of the fact cannot be before '{label.en}' ({act_on:%-d %b %Y}). If it is that day, leave it "
        f"empty."), EFFECTIVE_ON)]


def _check_set_deadline(inputs: Mapping[str, object], transition: Transition, context: GuardContext) -> list[Refusal]:
    """A deadline the step sets (``due_date``: documents by, cooperation by) ends after the day it is set: one
    ending on or before it would be breached as soon as it is set."""
    due, spec = inputs.get("due_date"), transition.input("due_date")
    set_on = act_day_of(inputs, context.today)
    if not isinstance(due, date) or spec is None or due > set_on:
        return []
    return [Refusal("due_date_not_after_step", LocalText(
        f"„{spec.label.de}“: die Frist muss nach dem Tag liegen, an dem sie gesetzt wird ({set_on:%d.%m.%Y}).",
        f"'{spec.label.en}': the deadline must end after the day it is set ({set_on:%-d %b %Y})."), spec.name)]


def _check_arrivals(inputs: Mapping[str, object], transition: Transition, context: GuardContext) -> list[Refusal]:
    """A date a step records a document's arrival with (the agreement's date, the day the fee was paid) is not in
    the future, as in the checklist."""
    refusals = []
    for name in dict.fromkeys(name for _, name in transition.records_documents):
        given, spec = inputs.get(name), transition.input(name)
        if isinstance(given, date) and spec is not None and given > context.today:
            refusals.append(Refusal("input_in_future", LocalText(
                f"„{spec.label.de}“: das Datum darf nicht in der Zukunft liegen.",
                f"'{spec.label.en}': the date cannot be in the future."), name))
    return refusals


def _bad_date(spec: InputSpec) -> Refusal:
    return Refusal("input_invalid_date", LocalText(
        f"„{spec.label.de}“: bitte ein Datum im Format JJJJ-MM-TT angeben.",
        f"'{spec.label.en}': please enter a date as YYYY-MM-DD."), spec.name)


def available_transitions(workflow: Workflow, state: str, roles: set[str]) -> list[Transition]:
    """Buttons to offer: steps from `state` these roles may perform; guards are checked only when applied."""
    return [t for t in workflow.transitions_from(state) if not t.is_system and t.roles & set(roles)]


def blocked_whatever_typed(transition: Transition, context: GuardContext) -> list[str]:
    """The guards that refuse ``transition`` whatever its form is given (a step they block gets no form: sending it
    could only be refused): those that read no input and do not hold, and those that read a choice input when no
    choice (nor leaving an optional one empty) lets them all hold: the pre-approval while the recognition has not
    ended, whichever purpose is picked. Guards of a typed value (a date) are left to the form."""
    blocked = [name for name in transition.guards
               if not GUARDS[name].needs_input and not GUARDS[name].holds(context)]
    by_choice = [name for name in transition.guards if GUARDS[name].needs_input
                 and getattr(transition.input(GUARDS[name].needs_input), "type", None) == "choice"]
    if not by_choice:
        return blocked
    specs = {transition.input(GUARDS[name].needs_input) for name in by_choice}
    choices = [dict(values) for values in itertools.product(*(
        [(spec.name, value) for value in (*spec.choice_values(), *((None,) if not spec.required else ()))]
        for spec in specs))]

    def holds(name: str, values: dict) -> bool:
        return GUARDS[name].holds(dataclasses.replace(context, inputs={**context.inputs, **values}))

    if any(all(holds(name, values) for name in by_choice) for values in choices):
        return blocked
    never = [name for name in by_choice if not any(holds(name, values) for values in choices)]
    return blocked + (never or by_choice)


def enter_target(case, workflow: Workflow, transition: Transition, moment) -> State:
    """Move ``case`` (a case row or the seed generator's in-memory case) to the transition's target state; a
    terminal state closes it at ``moment`` with the state's outcome. Returns the state entered."""
    case.state = transition.target_from(case.state)
    target = workflow.state(case.state)
    if target.terminal:
        case.outcome = target.outcome
        case.closed_at = moment
    return target


def documents_recorded(transition: Transition, statuses: Mapping[str, str], inputs: Mapping[str, object],
                       fact_on: date) -> dict[str, date]:
    """The checklist items a step records as received, with the day each arrived: those it names
    (``records_documents``, each dated by its own input, else the step's fact date) and, for
    ``records_requested``, every item still requested. Items already in hand keep their own date."""
    in_hand = (DocumentStatus.RECEIVED, DocumentStatus.ACCEPTED)
    recorded = {}
    for document_id, day_input in transition.records_documents:
        day = inputs.get(day_input)
        recorded[document_id] = day if isinstance(day, date) else fact_on
    if transition.records_requested:
        recorded.update({document_id: fact_on for document_id, status in statuses.items()
                         if status == DocumentStatus.REQUESTED})
    return {document_id: day for document_id, day in recorded.items()
            if document_id in statuses and statuses[document_id] not in in_hand}


def letter_date(inputs: Mapping[str, object], recorded_on: date) -> date:
    """A letter's date: the date the step names for its act (``date``: the decision, the pre-approval), else the day
    the letter is produced."""
    named = inputs.get("date")
    if isinstance(named, str):
        named = date.fromisoformat(named)
    return named if isinstance(named, date) else recorded_on
