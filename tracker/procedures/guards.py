"""Named preconditions that procedure definitions attach to transitions (`guards:` in workflows/*.yaml).

A guard sees only a GuardContext the service assembles from the case, so it stays pure and testable. Each guard
carries its refusal text: the clerk must learn *why* a button is refused, not just that it is.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .definition import LocalText
from .vocabulary import DocumentStatus

#: A required document counts as present in these statuses (README: "received or accepted").
PRESENT_STATUSES = frozenset(status for status in DocumentStatus if status.is_in_hand)


#: The deadline of the written warning of refusal for non-cooperation (§ 15(3) BQFG): a refusal on that ground
#: needs it to have run out (its due date, moved off a weekend and extended as the case may be).
COOPERATION_TIMER = "cooperation_deadline"


@dataclass(frozen=True)
class GuardContext:
    documents: Mapping[str, str] = field(default_factory=dict)  #: document id -> a DocumentStatus
    required_documents: tuple[str, ...] = ()
    linked_outcome: str | None = None  #: outcome of the linked recognition case once it has ended
    linked_exists: bool = False
    inputs: Mapping[str, object] = field(default_factory=dict)  #: cleaned (typed) transition inputs
    today: date = field(default_factory=date.today)
    #: The latest date of the case's earlier facts: a new step's effective_on may not lie before it.
    earliest_fact_on: date | None = None
    #: Due date of the deadline in the last written warning of refusal for non-cooperation (§ 15(3) BQFG).
    cooperation_deadline: date | None = None


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
    """§ 81a(3) s. 1 no. 6: equivalence established; after substantial differences (a deficit notice, § 10 notice)
    the procedure continues only towards § 16d (§ 81a(3) s. 2)."""
    if context.linked_outcome == "positive":
        return context.inputs.get("purpose") in (None, "employment", "16d")
    return context.linked_outcome == "partial" and context.inputs.get("purpose") == "16d"


def _cooperation_warning_lapsed(context: GuardContext) -> bool:
    if context.inputs.get("ground") != "non_cooperation":
        return True
    return context.cooperation_deadline is not None and context.cooperation_deadline < context.today


_GUARD_LIST = (
    Guard(
        "pre_approval_recognition",
        LocalText("Gleichwertigkeit festgestellt; nach wesentlichen Unterschieden nur zum Zweck des § 16d AufenthG "
                  "(§ 81a(3) S. 2 AufenthG).",
                  "Equivalence established; after substantial differences only for § 16d AufenthG "
                  "(§ 81a(3) s. 2 AufenthG)."),
        _pre_approval_recognition,
        LocalText("Eine Vorabzustimmung setzt die festgestellte Gleichwertigkeit voraus; nach einem Defizitbescheid "
                  "nur für eine Anerkennungsmaßnahme nach § 16d AufenthG.",
                  "A pre-approval needs equivalence established; after a deficit notice only for a recognition "
                  "measure under § 16d AufenthG."),
        needs_input="purpose",
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
