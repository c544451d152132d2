"""Procedure definitions as immutable values, built by the loader from workflows/*.yaml.

A definition is the *type* of a case: states, transitions, timers with their periods and legal basis. Cases keep
their own dates and history; they refer to a definition by id and version, so nothing here may change after load.
"""
from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import (
    OFFICE_CALENDAR,
    CalendarName,
    LetterKind,
    Mode,
    OfficeKind,
    Outcome,
    Role,
    TimerKind,
)

ROLES = tuple(Role)
#: Who must act next in a state, and who owes a timer's step.
RESPONSIBLE_PARTIES = ("authority", "applicant", "employer", "ba", "mission", "recognition_body", "none")
OUTCOMES = tuple(Outcome)
OFFICE_KINDS = tuple(OfficeKind)
#: "office": a recognition body chosen from the offices set up in the app (the service checks it exists).
INPUT_TYPES = ("text", "date", "choice", "office")
TIMER_KINDS = tuple(TimerKind)
CALENDARS = (OFFICE_CALENDAR, *CalendarName)
MODES = tuple(Mode)
LETTER_KINDS = tuple(LetterKind)
#: Who sends a document of the checklist: the applicant (their own papers) or the employer (its papers in a § 81a
#: case). The applicant's status page offers only the applicant's documents.
DOCUMENT_PARTIES = ("applicant", "employer")
#: Side effects the service performs when a transition is applied; a fixed set so typos fail at load time.
EFFECTS = ("open_linked_recognition", "reverse_fiction")
#: Pseudo event that starts timers when a case is created.
OPENED = "opened"
#: `to: same` keeps the case in the state it is in (a self-loop from each of the transition's sources).
SAME_STATE = "same"
DEFAULT_LANGUAGE = "de"
#: The date of the fact a step records (default: the day it is recorded). Every transition takes it.
EFFECTIVE_ON = "effective_on"
#: The input that dates a step's act (the agreement, the notice, the visa granted): the fact's date unless another
#: is given (``timer_plan.EventDays.fact_on``).
ACT_DATE = "date"
#: Which date starts a timer: the step's effective_on, the arrival of the last document the file needs
#: (§ 6(3) s. 2 BQFG: "Eingang der vollständigen Unterlagen"), the day the step is recorded, or the day the step's
#: notice reached the applicant ("notified": § 11(4) s. 2 BQFG "ab dem Zugang dieser Entscheidung").
STARTS_FROM = ("effective_on", "documents_complete", "recorded", "notified")
#: Which date ends a timer: the fact's date (effective_on) or the recording day (an act the authority owes is done
#: when it is recorded); or a date input of the stopping step named ``input:<name>`` (e.g. the appointment offered).
ENDS_FROM = ("effective_on", "recorded")


@dataclass(frozen=True)
class LocalText:
    de: str
    en: str

    def get(self, lang: str | None) -> str:
        """The text in `lang`; German, the legally binding language, for anything else."""
        return self.en if lang == "en" else self.de

    def format(self, **params) -> LocalText:
        return LocalText(self.de.format(**params), self.en.format(**params))


EFFECTIVE_ON_LABEL = LocalText("Datum des Ereignisses (wirksam am)", "Date of the fact (effective on)")


@dataclass(frozen=True)
class Retention:
    """How long a closed case keeps its personal data, per outcome (ISO periods, years written as months), counted
    from the day it closed; then the retention job erases it (``tracker.privacy.retention``)."""

    basis: str  #: the rule the periods follow (an authority's records schedule, a statute)
    after_closing: dict[str, str]  #: outcome -> period, e.g. {"positive": "P120M"}

    def period_for(self, outcome: str | None) -> str | None:
        return self.after_closing.get(outcome) if outcome else None


@dataclass(frozen=True)
class Reading:
    """Where the law is uncertain: the point, the reading this definition takes and why (in German and English,
    shown on the procedure page), the source it rests on, and the ids of the states, transitions, timers or
    documents it governs."""

    point: LocalText
    reading: LocalText
    source: str = ""
    applies_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class State:
    id: str
    title: LocalText
    description: LocalText  #: plain language for applicants
    responsible: str  #: one of RESPONSIBLE_PARTIES
    terminal: bool
    outcome: str | None  #: one of OUTCOMES, set exactly on terminal states
    employer: LocalText = LocalText("", "")  #: for the employer's portal: what it means for them, what they do
    staff: LocalText = LocalText("", "")  #: for clerks: what the authority does next, with the legal anchor
    #: The body found substantial differences and a measure to compensate them is still to come (§ 10, § 11 BQFG):
    #: the path towards § 16d AufenthG (§ 81a(3) s. 2), like a terminal notice with differences ("partial").
    differences_found: bool = False

    def text_for(self, audience: str) -> LocalText:
        """The text for one audience: "applicant", "employer" or "staff"."""
        return {"employer": self.employer, "staff": self.staff}.get(audience, self.description)


@dataclass(frozen=True)
class Choice:
    value: str
    label: LocalText


@dataclass(frozen=True)
class InputSpec:
    name: str
    type: str  #: one of INPUT_TYPES
    required: bool
    label: LocalText
    choices: tuple[Choice, ...] = ()

    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)


@dataclass(frozen=True)
class Transition:
    id: str
    sources: tuple[str, ...]
    target: str  #: a state id, or SAME_STATE: use target_from() to get the state a case ends up in
    label: LocalText
    roles: frozenset[str]
    basis: str
    inputs: tuple[InputSpec, ...] = ()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    #: The letter this step owes (kept as sent when the step is applied), or None.
    letter: str | None = None
    #: (document id, input naming the day it arrived): the documents this step records as received.
    records_documents: tuple[tuple[str, str], ...] = ()
    #: The step records the arrival of every document requested so far (on its effective_on).
    records_requested: bool = False
    #: The ``date`` input dates a document of an earlier fact (a certificate of a test taken before): the fact's
    #: date may lie before it. Otherwise the fact is the act or follows it, never before its date.
    date_is_evidence: bool = False

    @property
    def is_system(self) -> bool:
        """Only the deadline sweep performs it (a legal fiction such as § 36(2) BeschV)."""
        return self.roles == frozenset({Role.SYSTEM})

    @property
    def stays(self) -> bool:
        return self.target == SAME_STATE

    def target_from(self, current_state: str) -> str:
        return current_state if self.stays else self.target

    def input(self, name: str) -> InputSpec | None:
        return next((spec for spec in self.inputs if spec.name == name), None)

    @property
    def form_inputs(self) -> tuple[InputSpec, ...]:
        """The inputs a form shows: the declared ones, then the date of the fact (every step has one)."""
        return self.inputs if self.input(EFFECTIVE_ON) else (*self.inputs, EFFECTIVE_ON_INPUT)


EFFECTIVE_ON_INPUT = InputSpec(EFFECTIVE_ON, "date", False, EFFECTIVE_ON_LABEL)


@dataclass(frozen=True)
class PauseRule:
    on: str  #: transition id that pauses the timer
    until_input: str | None  #: date input of `on` that ends the pause (§ 6(4) BQFG: the deadline set)
    resume_on: tuple[str, ...] = ()  #: or: transitions that end the pause
    #: (input, value): no pause when the step's input has this value (§ 12(3) s. 3 BQFG: a request for
    #: certified copies does not suspend the period)
    unless: tuple[str, str] | None = None


@dataclass(frozen=True)
class ExtensionRule:
    max: str  #: ISO period
    basis: str
    #: A deadline the authority set may be extended even after it ran out (§ 31(7) s. 2 VwVfG).
    after_expiry: bool = False


@dataclass(frozen=True)
class TimerSpec:
    id: str
    name: LocalText
    basis: str
    kind: str  #: "deadline" ("muss") or "target" ("soll", "in der Regel")
    period: str | None  #: exactly one of period, working_days, due_input is set
    working_days: int | None
    due_input: str | None  #: a date input of the starting transition holds the due date
    owed_by: str
    calendar: str
    starts_on: tuple[str, ...]
    stops_on: tuple[str, ...]
    pauses: tuple[PauseRule, ...]
    manual_pause: bool
    extension: ExtensionRule | None
    warn_before: str
    on_expiry: str  #: "breach" or "fiction"
    fiction_transition: str | None
    only_when: str | None  #: one of MODES, None: always
    starts_from: str = "effective_on"  #: one of STARTS_FROM
    ends_from: str = "recorded"  #: one of ENDS_FROM, or "input:<name>"
    #: The legal trigger, first line of the explanation ("Eingang der vollständigen Unterlagen").
    trigger: LocalText | None = None
    #: Plain language for the applicant's status page ("Antwort der Bundesagentur für Arbeit zu Ihrer Stelle"),
    #: where ``name`` is the authority's term; None: the status page shows ``name``.
    applicant: LocalText | None = None
    #: Where the suspension rule is, for the explanation's pause line (§ 13(4) ThürBQFG, § 14a(4) BQFG ...).
    suspension_basis: str = "§ 6(4) BQFG"

    @property
    def plain_name(self) -> LocalText:
        """What the applicant's status page calls it."""
        return self.applicant or self.name

    def applies_to(self, mode: str | None) -> bool:
        return mode is None or self.only_when is None or self.only_when == mode


@dataclass(frozen=True)
class DocumentSpec:
    id: str
    title: LocalText
    required: bool
    owed_by: str = "applicant"  #: one of DOCUMENT_PARTIES: who sends it


@dataclass(frozen=True, eq=False)  # identity equality: dict fields make value hashing impossible
class Workflow:
    id: str
    version: int
    title: LocalText
    legal_basis: str
    reference_prefix: str
    office_kind: str
    initial_state: str
    readings: tuple[Reading, ...]
    states: dict[str, State]  #: in file order
    transitions: dict[str, Transition]  #: in file order
    timers: dict[str, TimerSpec]
    documents: tuple[DocumentSpec, ...]
    source: str  #: path of the YAML file
    #: Recognition for a profession regulated in Germany: a § 81a case linked to it needs the licence to practise
    #: (§ 81a(3) s. 1 no. 2, second half-sentence AufenthG).
    regulated_profession: bool = False
    retention: Retention | None = None  #: None: the retention job never erases this procedure's cases

    def state(self, state_id: str) -> State:
        return self.states[state_id]

    def transitions_from(self, state_id: str) -> list[Transition]:
        return [t for t in self.transitions.values() if state_id in t.sources]

    def timers_started_by(self, event_id: str, mode: str | None = None) -> list[TimerSpec]:
        """Timers that `event_id` (a transition id or OPENED) starts; with `mode`, only those applying to it."""
        return [t for t in self.timers.values() if event_id in t.starts_on and t.applies_to(mode)]

    def timers_stopped_by(self, event_id: str, mode: str | None = None) -> list[TimerSpec]:
        return [t for t in self.timers.values() if event_id in t.stops_on and t.applies_to(mode)]

    def required_documents(self) -> tuple[DocumentSpec, ...]:
        return tuple(d for d in self.documents if d.required)

    def name_of(self, item_id: str) -> LocalText:
        """The name people read for a state, transition, timer or document id (a reading's ``applies_to``)."""
        if item_id in self.timers:
            return self.timers[item_id].name
        if item_id in self.transitions:
            return self.transitions[item_id].label
        if item_id in self.states:
            return self.states[item_id].title
        document = next((d for d in self.documents if d.id == item_id), None)
        return document.title if document else LocalText(item_id, item_id)
