"""Named preconditions that procedure definitions attach to transitions (`guards:` in workflows/*.yaml).

A guard sees only a GuardContext the service assembles from the case, so it stays pure and testable. Each guard
carries its refusal text: the clerk must learn *why* a button is refused, not just that it is.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .definition import EFFECTIVE_ON, LocalText
from .vocabulary import DocumentStatus

#: A required document counts as present in these statuses (README: "received or accepted").
PRESENT_STATUSES = frozenset(status for status in DocumentStatus if status.is_in_hand)


#: The deadline of the written warning of refusal for non-cooperation (§ 15(3) BQFG): a refusal on that ground
#: needs it to have run out (its due date, moved off a weekend and extended as the case may be).
COOPERATION_TIMER = "cooperation_deadline"
#: § 81a(3) s. 1 no. 2 (certificate evaluation of a university degree) or no. 2a AufenthG (an expert body's
#: confirmation): the step recording its result, and the input and value that say the qualification was confirmed.
CONFIRMATION_STEP = "record_expert_confirmation"
#: The step that chose that route instead of a linked recognition.
QUALIFICATION_CHECK_STEP = "start_qualification_check"
CONFIRMED = ("result", "confirmed")
NOT_CONFIRMED = ("result", "not_confirmed")
#: § 81a(3) s. 1 no. 2, 2a, second half-sentence AufenthG: for a profession regulated in Germany the licence to
#: practise is obtained; § 18(2) no. 3 AufenthG: granted or promised. The step that records it, and the input a
#: step uses to say the profession is regulated.
LICENCE_STEP = "record_licence_obtained"
REGULATED_INPUT = "regulated"


def latest_steps(steps: Iterable[tuple[str, Mapping]]) -> dict[str, Mapping]:
    """(transition id, recorded inputs) of a case's steps by people, oldest first -> the inputs of each
    transition's latest step: what guards read about the case's own history."""
    latest: dict[str, Mapping] = {}
    for transition_id, data in steps:
        latest[transition_id] = data or {}
    return latest


@dataclass(frozen=True)
class GuardContext:
    documents: Mapping[str, str] = field(default_factory=dict)  #: document id -> a DocumentStatus
    required_documents: tuple[str, ...] = ()
    linked_outcome: str | None = None  #: outcome of the linked recognition case once it has ended
    #: the linked recognition found substantial differences with a measure to come (``State.differences_found``)
    linked_differences_found: bool = False
    linked_exists: bool = False
    inputs: Mapping[str, object] = field(default_factory=dict)  #: cleaned (typed) transition inputs
    today: date = field(default_factory=date.today)
    #: The latest date of the case's earlier facts: a new step's effective_on may not lie before it.
    earliest_fact_on: date | None = None
    #: The arrival of the last document the file needs, once every one is in hand (§ 6(3) s. 2 BQFG).
    documents_complete_on: date | None = None
    #: Due date of the deadline in the last written warning of refusal for non-cooperation (§ 15(3) BQFG).
    cooperation_deadline: date | None = None
    #: Transition id -> inputs of the case's latest step of that kind taken by people (``latest_steps``).
    steps: Mapping[str, Mapping] = field(default_factory=dict)
    #: The linked recognition runs under a definition for a profession regulated in Germany (a licence is needed).
    linked_regulated: bool = False
    #: A legal fiction the sweep applied stands (a timer of the case has fired, e.g. § 36(2) BeschV).
    fiction_applied: bool = False

    @property
    def qualification_check_started(self) -> bool:
        """The case took the route instead of recognition (§ 81a(3) s. 1 no. 2, 2a AufenthG)."""
        return QUALIFICATION_CHECK_STEP in self.steps

    @property
    def qualification_confirmed(self) -> bool:
        """§ 81a(3) s. 1 no. 6 "Vorliegen der Vergleichbarkeit": the certificate evaluation or the expert body's
        confirmation (no. 2, 2a) came back positive."""
        return _step_says(self, CONFIRMATION_STEP, CONFIRMED)

    @property
    def qualification_not_confirmed(self) -> bool:
        return _step_says(self, CONFIRMATION_STEP, NOT_CONFIRMED)

    @property
    def regulated_profession(self) -> bool:
        """The worker is to work in a profession regulated in Germany: the linked recognition is one for such a
        profession, or the step that started the qualification check said so."""
        return self.linked_regulated or any(str(data.get(REGULATED_INPUT)) == "yes" for data in self.steps.values())


def _step_says(context: GuardContext, step: str, said: tuple[str, str]) -> bool:
    name, value = said
    return step in context.steps and str(context.steps[step].get(name)) == value


@dataclass(frozen=True)
class Guard:
    name: str
    description: LocalText  #: when it holds, for the definition view
    predicate: Callable[[GuardContext], bool]
    message: LocalText  #: refusal text; may use {missing}
    needs_input: str | None = None  #: an input the transition must declare for the guard to make sense

    def holds(self, context: GuardContext) -> bool:
        return self.predicate(context)

    def refusal(self, context: GuardContext, titles: Mapping[str, LocalText] | None = None) -> LocalText:
        """The refusal text; `titles` maps document ids to their titles so clerks see names, not ids."""
        titles = titles or {}
        missing = missing_documents(context)
        return LocalText(
            self.message.de.format(missing=", ".join(_title(d, titles, "de") for d in missing)),
            self.message.en.format(missing=", ".join(_title(d, titles, "en") for d in missing)),
        )


def _title(document_id: str, titles: Mapping[str, LocalText], lang: str) -> str:
    title = titles.get(document_id)
    return title.get(lang) if title else document_id


def missing_documents(context: GuardContext) -> list[str]:
    return [d for d in context.required_documents if context.documents.get(d) not in PRESENT_STATUSES]


def _date_not_in_future(context: GuardContext) -> bool:
    given = context.inputs.get("date")
    return not isinstance(given, date) or given <= context.today


def _pre_approval_recognition(context: GuardContext) -> bool:
    """§ 81a(3) s. 1 no. 6: equivalence established (a linked recognition, no. 2) or comparability shown (a
    certificate evaluation or an expert body's confirmation, no. 2, 2a); after substantial differences (a deficit
    notice, § 10 notice) the procedure continues only towards § 16d (§ 81a(3) s. 2). BA approval is the state's
    precondition (``ba_cleared``)."""
    purpose = context.inputs.get("purpose")
    if context.linked_outcome == "positive":  # equivalent: nothing left to compensate, so no measure under § 16d
        return purpose in (None, "employment")
    if context.linked_outcome == "partial" or context.linked_differences_found:
        return purpose == "16d"
    # § 16d is the path of a recognition notice with differences; a confirmation does not lead there.
    return context.qualification_confirmed and purpose in (None, "employment")


def _licence_if_regulated(context: GuardContext) -> bool:
    """§ 81a(3) s. 1 no. 2, 2a, second half-sentence; § 18(2) no. 3 AufenthG: the licence to practise is granted
    or promised before the pre-approval, where the profession is regulated. Towards § 16d (a recognition measure
    still to come) no licence can exist yet."""
    if not context.regulated_profession or context.inputs.get("purpose") == "16d":
        return True
    return LICENCE_STEP in context.steps


def _cooperation_warning_lapsed(context: GuardContext) -> bool:
    """The refusal is dated after the deadline's last day: a decision dated on that day (recorded later or not)
    comes before the deadline has run out."""
    if context.inputs.get("ground") != "non_cooperation":
        return True
    return context.cooperation_deadline is not None and context.cooperation_deadline < act_day(context)


def act_day(context: GuardContext) -> date:
    """The day of the act a step records: the date it names for its act (``date``: the decision), else the date of
    the fact (``effective_on``), else today."""
    return act_day_of(context.inputs, context.today)


def act_day_of(inputs: Mapping[str, object], today: date) -> date:
    """``act_day`` of a step's typed inputs."""
    for name in ("date", EFFECTIVE_ON):
        given = inputs.get(name)
        if isinstance(given, date):
            return given
    return today


_GUARD_LIST = (
    Guard(
        "pre_approval_recognition",
        LocalText("Gleichwertigkeit festgestellt oder Vergleichbarkeit bestätigt (Zeugnisbewertung, Bestätigung der "
                  "fachkundigen Stelle); nach wesentlichen Unterschieden nur zum Zweck des § 16d AufenthG "
                  "(§ 81a(3) S. 1 Nr. 6, S. 2 AufenthG).",
                  "Equivalence established or comparability confirmed (certificate evaluation, expert body's "
                  "confirmation); after substantial differences only for § 16d AufenthG "
                  "(§ 81a(3) s. 1 no. 6, s. 2 AufenthG)."),
        _pre_approval_recognition,
        LocalText("Eine Vorabzustimmung setzt die festgestellte Gleichwertigkeit voraus (oder eine positive "
                  "Zeugnisbewertung bzw. Bestätigung der fachkundigen Stelle); nach einem Defizitbescheid nur für "
                  "eine Anerkennungsmaßnahme nach § 16d AufenthG.",
                  "A pre-approval needs equivalence established (or a positive certificate evaluation or expert "
                  "body's confirmation); after a deficit notice only for a recognition measure under § 16d "
                  "AufenthG."),
        needs_input="purpose",
    ),
    Guard(
        "licence_if_regulated",
        LocalText("Bei einem im Inland reglementierten Beruf ist die Berufsausübungserlaubnis erteilt oder zugesagt "
                  "(§ 81a(3) S. 1 Nr. 2, 2a AufenthG, § 18(2) Nr. 3 AufenthG).",
                  "For a profession regulated in Germany the licence to practise is granted or promised "
                  "(§ 81a(3) s. 1 nos. 2, 2a AufenthG, § 18(2) no. 3 AufenthG)."),
        _licence_if_regulated,
        LocalText("Der Beruf ist im Inland reglementiert: Erst muss die Berufsausübungserlaubnis erteilt oder "
                  "zugesagt sein (§ 81a(3) S. 1 Nr. 2 AufenthG).",
                  "The profession is regulated in Germany: the licence to practise must first be granted or "
                  "promised (§ 81a(3) s. 1 no. 2 AufenthG)."),
        needs_input="purpose",
    ),
    Guard(
        "qualification_not_confirmed",
        LocalText("Die Zeugnisbewertung oder die Bestätigung der fachkundigen Stelle fiel negativ aus.",
                  "The certificate evaluation or the expert body's confirmation was negative."),
        lambda c: c.qualification_not_confirmed,
        LocalText("Es liegt keine negative Zeugnisbewertung oder Bestätigung vor.",
                  "There is no negative certificate evaluation or confirmation."),
    ),
    Guard(
        "qualification_check_route",
        LocalText("Statt der Anerkennung wurde eine Zeugnisbewertung oder die Bestätigung einer fachkundigen Stelle "
                  "eingeleitet (§ 81a(3) S. 1 Nr. 2, 2a AufenthG).",
                  "A certificate evaluation or an expert body's confirmation was started instead of recognition "
                  "(§ 81a(3) s. 1 nos. 2, 2a AufenthG)."),
        lambda c: c.qualification_check_started,
        LocalText("In diesem Fall wurde keine Zeugnisbewertung oder Bestätigung einer fachkundigen Stelle "
                  "eingeleitet: Er läuft über das verknüpfte Anerkennungsverfahren.",
                  "No certificate evaluation or expert body's confirmation was started in this case: it runs "
                  "through the linked recognition case."),
    ),
    Guard(
        "fiction_applied",
        LocalText("Eine gesetzliche Fiktion ist eingetreten (die Frist ist ohne Mitteilung abgelaufen).",
                  "A legal fiction took effect (the period ran out without a notice)."),
        lambda c: c.fiction_applied,
        LocalText("In diesem Fall ist keine Fiktion eingetreten.", "No legal fiction took effect in this case."),
    ),
    Guard(
        "cooperation_warning_lapsed",
        LocalText("Ablehnung mangels Mitwirkung nur nach schriftlichem Hinweis und fruchtlosem Fristablauf "
                  "(§ 15(3) BQFG).",
                  "Refusal for lack of cooperation only after a written warning and a lapsed deadline "
                  "(§ 15(3) BQFG)."),
        _cooperation_warning_lapsed,
        LocalText("Ablehnung mangels Mitwirkung erst nach schriftlichem Hinweis auf diese Folge und Ablauf der "
                  "darin gesetzten Frist (§ 15(3) BQFG).",
                  "Refusal for lack of cooperation only after a written warning of that consequence and once the "
                  "deadline it set has run out (§ 15(3) BQFG)."),
        needs_input="ground",
    ),
    Guard(
        "documents_complete",
        LocalText("Alle Pflichtunterlagen der Checkliste liegen vor (eingegangen oder anerkannt).",
                  "Every required document of the checklist is received or accepted."),
        lambda c: not missing_documents(c),
        LocalText("Es fehlen noch Pflichtunterlagen: {missing}.", "Required documents are still missing: {missing}."),
    ),
    Guard(
        "linked_recognition_positive",
        LocalText("Das verknüpfte Anerkennungsverfahren endete mit voller oder teilweiser Gleichwertigkeit.",
                  "The linked recognition case ended with full or partial equivalence."),
        lambda c: c.linked_outcome in ("positive", "partial"),
        LocalText("Das verknüpfte Anerkennungsverfahren hat noch keine (teilweise) Gleichwertigkeit festgestellt.",
                  "The linked recognition case has not (yet) established full or partial equivalence."),
    ),
    Guard(
        "linked_recognition_negative",
        LocalText("Das verknüpfte Anerkennungsverfahren endete mit Ablehnung oder Rücknahme.",
                  "The linked recognition case ended with a refusal or was withdrawn."),
        lambda c: c.linked_outcome in ("negative", "withdrawn"),
        LocalText("Das verknüpfte Anerkennungsverfahren ist nicht mit Ablehnung oder Rücknahme beendet.",
                  "The linked recognition case has not ended with a refusal or withdrawal."),
    ),
    Guard(
        "linked_recognition_open",
        LocalText("Ein verknüpftes Anerkennungsverfahren existiert.", "A linked recognition case exists."),
        lambda c: c.linked_exists,
        LocalText("Es gibt noch kein verknüpftes Anerkennungsverfahren.", "There is no linked recognition case yet."),
    ),
    Guard(
        "date_not_in_future",
        LocalText("Das angegebene Datum liegt nicht in der Zukunft.", "The date given is not in the future."),
        _date_not_in_future,
        LocalText("Das Datum darf nicht in der Zukunft liegen.", "The date must not be in the future."),
        needs_input="date",
    ),
)

GUARDS: dict[str, Guard] = {guard.name: guard for guard in _GUARD_LIST}
