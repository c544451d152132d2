"""What a letter says, built from the case, the step that owes it and its timers: the same dates the case file shows.

A letter is a sender block, a recipient block, reference and date, and paragraphs (each with the list it leads in to)
in the applicant's language (German or English), so the print view and the PDF render the same text. It is built
once, when the step that owes it is applied (``tracker.letters.service.keep``), and kept as sent.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from flask import current_app, has_app_context
from sqlalchemy import select

from tracker.audit.models import EventKind
from tracker.audit.service import case_events
from tracker.procedures.deadlines import parse_period
from tracker.procedures.definition import LocalText
from tracker.procedures.guards import CONFIRMATION_STEP, LICENCE_STEP, latest_steps
from tracker.procedures.labels import LETTER_KIND
from tracker.procedures.timer_plan import day_named, set_deadline_ends
from tracker.procedures.vocabulary import (
    OPEN_TIMER_STATUSES,
    DocumentStatus,
    LetterKind,
    Mode,
    OfficeKind,
    Outcome,
    TimerKind,
)
from tracker.registry import workflow_of

LANGUAGES = ("de", "en")

#: Where the applicant's access code to the status page goes in a letter. The code is kept only hashed, so the
#: letter is kept with this mark: the copy printed when the code is issued carries the code (``fill_access_code``),
#: every later print says the code is not kept.
ACCESS_CODE_MARK = "[[ACCESS-CODE]]"
ACCESS_CODE_NOT_KEPT = {"de": "(steht nur auf dem versandten Original; aus Sicherheitsgründen nicht gespeichert)",
                        "en": "(printed only on the original as sent; not kept, for security)"}

#: A reading the definition marks for verification is the tracker's note to itself, not part of a citation.
_READING_NOTE = re.compile(r"\s*\((?:mirrors BQFG[^)]*)\)")


@dataclass
class Paragraph:
    text: str
    #: The list the paragraph leads in to (missing documents), printed below it.
    items: list[str] = field(default_factory=list)


@dataclass
class Letter:
    kind: str
    lang: str
    title: str
    #: Sender block: office name, street, postcode and city, phone, e-mail.
    sender: list[str]
    #: Recipient block: the applicant's postal address, or the employer's as representative (§ 81a AufenthG).
    recipient: list[str]
    reference: str
    dated: str
    salutation: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    closing: str = ""
    signature: str = ""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Letter:
        return cls(**{**data, "paragraphs": [Paragraph(**paragraph) for paragraph in data["paragraphs"]]})

    @property
    def office(self) -> str:
        return self.sender[0] if self.sender else ""


def day(value: date, lang: str) -> str:
    return format_date(value, "dd.MM.yyyy" if lang == "de" else "d MMMM yyyy", locale=lang)


def cite(basis: str) -> str:
    return _READING_NOTE.sub("", basis).strip()


def _lines(*parts: str) -> list[str]:
    return [part for part in parts if part and part.strip()]


def sender_block(office, lang: str) -> list[str]:
    de = lang == "de"
    return _lines(office.name, office.street, f"{office.postcode} {office.city}".strip(),
                  f"{'Telefon' if de else 'Phone'}: {office.phone}" if office.phone else "",
                  f"{'E-Mail' if de else 'Email'}: {office.email}" if office.email else "")


def represented(case) -> bool:
    """§ 81a AufenthG: the employer runs the procedure for the skilled worker (with the worker's power of attorney),
    also the recognition the immigration office opened for it; letters go to the employer."""
    return case.employer is not None and (case.parent_id is not None or case.office.kind == OfficeKind.IMMIGRATION_OFFICE)


def recipient_block(case, lang: str) -> list[str]:
    person = case.applicant
    if represented(case):
        employer = case.employer
        return _lines(employer.name,
                      f"{'als Bevollmächtigte für' if lang == 'de' else 'as representative of'} {person.full_name}",
                      employer.street, f"{employer.postcode} {employer.city}".strip())
    return _lines(person.full_name, person.street, f"{person.postcode} {person.city}".strip(),
                  person.country.upper() if person.country and person.country.strip().lower() not in
                  ("deutschland", "germany") else "")


def _salutation(case, lang: str) -> str:
    if represented(case):  # the letter goes to the employer, an organisation
        return "Sehr geehrte Damen und Herren," if lang == "de" else "Dear Sir or Madam,"
    name = case.applicant.full_name
    return f"Guten Tag {name}," if lang == "de" else f"Dear {name},"


@dataclass(frozen=True)
class Voice:
    """How a letter speaks of the application and the qualification: to the applicant ("Ihr Antrag", "Ihrer
    Berufsqualifikation"), or to the employer as representative (§ 81a AufenthG), whose qualification it is not
    ("der Antrag", "der Berufsqualifikation von …")."""

    application: str  #: "Ihr Antrag" / "Der Antrag"; "your application" / "the application"
    of_application: str  #: "Ihres Antrags" / "des Antrags"
    on_application: str  #: "Ihren Antrag" / "den Antrag"
    qualification: str  #: "Ihrer Berufsqualifikation" / "der Berufsqualifikation von …"; "your qualification" / …
    documents: str  #: "Ihre Unterlagen" / "Die Unterlagen"; "Your documents" / "The documents"


def voice(case, lang: str) -> Voice:
    name = case.applicant.full_name
    if lang == "de":
        if represented(case):
            return Voice("Der Antrag", "des Antrags", "den Antrag", f"der Berufsqualifikation von {name}",
                         "Die Unterlagen")
        return Voice("Ihr Antrag", "Ihres Antrags", "Ihren Antrag", "Ihrer Berufsqualifikation", "Ihre Unterlagen")
    if represented(case):
        return Voice("the application", "the application", "the application", f"the qualification of {name}",
                     "The documents")
    return Voice("your application", "your application", "your application", "your qualification", "Your documents")


def build(case, workflow, kind: str, lang: str, *, event, dated: date) -> Letter:
    letter = Letter(
        kind=str(kind), lang=lang, title=LETTER_KIND[LetterKind(kind)].get(lang),
        sender=sender_block(case.office, lang), recipient=recipient_block(case, lang), reference=case.reference,
        dated=day(dated, lang), salutation=_salutation(case, lang),
        closing="Mit freundlichen Grüßen" if lang == "de" else "Kind regards", signature=case.office.name,
    )
    BUILDERS[LetterKind(kind)](letter, case, workflow, event)
    return letter


def _say(letter: Letter, de: str, en: str, items: list[str] | None = None) -> None:
    letter.paragraphs.append(Paragraph(de if letter.lang == "de" else en, items or []))


def _decision_timer(case, workflow):
    mode = Mode.of(case.accelerated)
    specs = [spec for spec in workflow.timers.values() if spec.id.startswith("decision") and spec.applies_to(mode)]
    if not specs:
        return None, None
    spec = specs[0]
    # The case's timers are loaded once per unit of work (``Case.timers``); the newest of the kind counts.
    timer = next((timer for timer in reversed(case.timers) if timer.timer_id == spec.id), None)
    return spec, timer


def _titles(workflow, ids, lang: str) -> list[str]:
    titles = {document.id: document.title for document in workflow.documents}
    return [titles[doc_id].get(lang) if doc_id in titles else doc_id for doc_id in ids]


def _missing(case, workflow, lang) -> list[str]:
    rows = []
    for document, text in zip(case.documents, _titles(workflow, [d.document_id for d in case.documents], lang)):
        if document.required and document.status in (DocumentStatus.MISSING, DocumentStatus.REQUESTED,
                                                     DocumentStatus.REJECTED):
            if document.status == DocumentStatus.REJECTED and document.reason:
                text += f" ({document.reason})"
            rows.append(text)
    return rows


def _requested(event) -> list[str]:
    return [doc_id.strip() for doc_id in str((event.data or {}).get("documents", "")).split(",") if doc_id.strip()]


def _asked_for(case, workflow, event, lang) -> list[str]:
    """What a letter asks the applicant for: the items the step names (the clerk's choice, as the timeline and the
    e-mail say it), a rejected one with its reason; without any named, what the checklist still lacks."""
    named = _requested(event)
    if not named:
        return _missing(case, workflow, lang)
    reasons = {d.document_id: d.reason for d in case.documents if d.status == DocumentStatus.REJECTED and d.reason}
    return [f"{title} ({reasons[doc_id]})" if doc_id in reasons else title
            for doc_id, title in zip(named, _titles(workflow, named, lang))]


def _receipt(letter: Letter, case, workflow, event) -> None:
    lang = letter.lang
    received = day(case.received_on, lang)
    transition = workflow.transitions[event.subject]
    basis = cite(transition.basis)
    de, en = voice(case, "de"), voice(case, "en")
    _say(letter,
         f"{de.application} auf Anerkennung {de.qualification} „{case.profession}“ (Referenzberuf: "
         f"{case.reference_occupation}) ist am {received} bei uns eingegangen. Wir bestätigen den Eingang ({basis}).",
         f"We received {en.application} for recognition of {en.qualification} '{case.profession}' (German reference "
         f"occupation: {case.reference_occupation}) on {received}. We confirm its receipt ({basis}).")
    spec, timer = _decision_timer(case, workflow)
    if spec is None:
        return
    period = parse_period(spec.period).describe(lang) if spec.period else ""
    target = spec.kind == TimerKind.TARGET
    if timer is not None and timer.status in OPEN_TIMER_STATUSES and timer.due_on:
        due, complete = day(timer.due_on, lang), day(timer.started_on, lang)
        _say(letter,
             f"{de.documents} sind vollständig; die letzte Unterlage ist am {complete} eingegangen. Die Frist für "
             f"unsere Entscheidung ({period}, {cite(spec.basis)}) beginnt mit dem Eingang der vollständigen "
             f"Unterlagen. Wir entscheiden über {de.on_application} {'möglichst ' if target else ''}bis zum {due}.",
             f"{en.documents} are complete; the last of them arrived on {complete}. The period for our decision "
             f"({period}, {cite(spec.basis)}) runs from the receipt of the complete documents. We will decide on "
             f"{en.on_application} {'if possible ' if target else ''}by {due}.")
        return
    missing = _asked_for(case, workflow, event, lang)
    if missing:
        _say(letter, "Für die Prüfung fehlen noch folgende Unterlagen:",
             f"To examine {en.on_application} we still need these documents:", missing)
    _say(letter,
         f"Die Frist für unsere Entscheidung ({period}, {cite(spec.basis)}) beginnt erst mit dem Eingang der "
         f"vollständigen Unterlagen. Wir teilen Ihnen dann mit, bis wann wir entscheiden.",
         f"The period for our decision ({period}, {cite(spec.basis)}) only begins once we have received the complete "
         f"documents. We will then tell you by when we will decide.")


def _receipt_with_status_page(letter: Letter, case, workflow, event) -> None:
    """The receipt, and on the first one (the step out of the initial state) to the applicant themselves the way to
    the status page with the mark where the access code goes (a represented applicant's letters go to the
    employer, who has the portal). Read from the step, not the database: building a letter costs no statement."""
    _receipt(letter, case, workflow, event)
    if represented(case) or event.from_state != workflow.initial_state:
        return
    url = (current_app.config.get("BASE_URL", "") if has_app_context() else "") + "/status"
    _say(letter,
         f"Wie weit Ihr Verfahren ist, sehen Sie jederzeit auf unserer Statusseite {url}. Geben Sie dort Ihr "
         f"Aktenzeichen {case.reference} und diesen Zugangscode ein: {ACCESS_CODE_MARK}. Bitte geben Sie den Code "
         f"nicht weiter.",
         f"You can see where your case stands at any time on our status page {url}. Enter your reference "
         f"{case.reference} and this access code there: {ACCESS_CODE_MARK}. Please do not pass the code on.")


def carries_access_code(content: dict) -> bool:
    """Whether a kept letter (``LetterRecord.content``) has the place for the access code."""
    return any(ACCESS_CODE_MARK in paragraph["text"] for version in content.values()
               for paragraph in version["paragraphs"])


def fill_access_code(letter: Letter, code: str | None) -> Letter:
    """The letter with the access code in its place (``code``: only in the request that issued it), or with the
    note that the code is not kept."""
    text = code or ACCESS_CODE_NOT_KEPT.get(letter.lang, ACCESS_CODE_NOT_KEPT["de"])
    return dataclasses.replace(letter, paragraphs=[
        Paragraph(paragraph.text.replace(ACCESS_CODE_MARK, text), paragraph.items) for paragraph in letter.paragraphs])


def _suspends(case, workflow, event) -> str | None:
    """The suspension basis when this request suspends a running decision period (the definition's pause rule,
    not a request for certified copies); None when nothing runs yet or the request does not suspend."""
    spec, timer = _decision_timer(case, workflow)
    if spec is None or timer is None or timer.status not in OPEN_TIMER_STATUSES:
        return None
    for rule in spec.pauses:
        if rule.on == event.subject and not (rule.unless and (event.data or {}).get(rule.unless[0]) == rule.unless[1]):
            return cite(spec.suspension_basis)
    return None


def _details(event) -> dict:
    """The step's inputs, with what a person typed (kept in the event's erasable part, ``Event.details``)."""
    details = getattr(event, "details", None)
    return details if details is not None else (event.data or {})


def _deadline_set(case, event, lang: str) -> str:
    """The day the deadline the step set ends, as the letter states it: the date entered, moved off a Saturday,
    Sunday or holiday (§ 31(3) s. 1 VwVfG) as the timer counts it, unless the letter names that day (s. 2)."""
    return day(set_deadline_ends(event.data or {}, case.office.calendar), lang)


def _day_named(letter: Letter, event, due: str) -> None:
    """Where the clerk said the letter names the end day with reference to § 31(3) s. 2 VwVfG (``end_day_named``):
    the paragraph that names it, without which the day would move off a weekend or holiday after all."""
    if day_named(event.data or {}):
        _say(letter,
             f"Wir teilen Ihnen den {due} unter Hinweis auf § 31 Abs. 3 Satz 2 VwVfG i. V. m. § 1 Abs. 1 ThürVwVfG "
             f"als Ende der Frist mit: Die Frist "
             f"endet an diesem Tag auch dann, wenn er ein Sonnabend, Sonntag oder gesetzlicher Feiertag ist; sie "
             f"verlängert sich nicht bis zum nächsten Werktag.",
             f"With reference to section 31(3) sentence 2 of the Administrative Procedure Act (VwVfG), applicable under "
             f"section 1(1) of the Thuringian Administrative Procedure Act (ThürVwVfG), we name "
             f"{due} as the end of the deadline: it ends on that day even if it is a Saturday, Sunday or public "
             f"holiday, and is not extended to the next working day.")


def _documents_request(letter: Letter, case, workflow, event) -> None:
    lang = letter.lang
    due = _deadline_set(case, event, lang)
    transition = workflow.transitions[event.subject]
    # A request that names no items asks for what the checklist still lacks; with nothing lacking there, for
    # information (a request during review, § 5(4) BQFG), whose details the clerk gives as the reason.
    items = _asked_for(case, workflow, event, lang)
    de, en = voice(case, "de"), voice(case, "en")
    if items:
        _say(letter, f"Für die Bearbeitung {de.of_application} benötigen wir noch folgende Unterlagen:",
             f"To process {en.of_application} we need the following documents:", items)
    else:
        _say(letter, f"Für die Bearbeitung {de.of_application} benötigen wir noch Auskünfte oder Unterlagen von Ihnen.",
             f"To process {en.of_application} we need further information or documents from you.")
    _say(letter, f"Bitte reichen Sie die Unterlagen bis zum {due} ein ({cite(transition.basis)}).",
         f"Please send these documents by {due} ({cite(transition.basis)}).")
    _day_named(letter, event, due)
    if event.reason:
        _say(letter, event.reason, event.reason)
    suspension = _suspends(case, workflow, event)
    if suspension:
        _say(letter, f"Bis zum Ablauf dieser Frist ist die Frist für unsere Entscheidung gehemmt ({suspension}).",
             f"Until this deadline ends, the period for our decision is suspended ({suspension}).")
    elif workflow.office_kind == OfficeKind.RECOGNITION_BODY and _decision_timer(case, workflow)[1] is None:
        _say(letter, "Die Frist für unsere Entscheidung beginnt erst mit dem Eingang der vollständigen Unterlagen.",
             "The period for our decision only begins once we have received the complete documents.")
    _say(letter,
         f"Wenn Sie die Unterlagen nicht einreichen, können wir über {de.on_application} nur nach Aktenlage entscheiden "
         f"oder ihn nach vorherigem schriftlichem Hinweis mit Frist ablehnen.",
         "If you do not send the documents, we can only decide on the documents we have, or refuse the application "
         "after a written warning with a deadline.")


def _refusal_warning(letter: Letter, case, workflow, event) -> None:
    lang = letter.lang
    due = _deadline_set(case, event, lang)
    basis = cite(workflow.transitions[event.subject].basis)
    _say(letter,
         f"Sie haben uns die angeforderten Unterlagen bisher nicht vorgelegt. Wir setzen Ihnen hierfür eine letzte "
         f"Frist bis zum {due}. Wenn Sie bis dahin nicht mitwirken, können wir {voice(case, 'de').on_application} "
         f"ohne weitere Ermittlungen ablehnen ({basis}).",
         f"You have not yet sent us the documents we requested. We set you a final deadline of {due}. If you do not "
         f"cooperate by then, we may refuse {voice(case, 'en').on_application} without further inquiry ({basis}).")
    _day_named(letter, event, due)
    text = str(_details(event).get("letter") or "").strip()
    if text:
        _say(letter, text, text)


#: What a notice decides, by the step that issues it, in the words of the notice (a state's title is the clerk's
#: label: "Ausgleichsmaßnahme erforderlich – Wahl offen" is no ruling). A step not named here says its state's title.
RULINGS = {
    "grant_full_equivalence": LocalText(
        "Volle Gleichwertigkeit festgestellt. Die Berufsqualifikation ist dem Referenzberuf {occupation} "
        "gleichwertig.",
        "Full equivalence established. The qualification is equivalent to the German reference occupation "
        "{occupation}."),
    "issue_deficit_notice": LocalText(
        "Teilweise Gleichwertigkeit. Die Berufsqualifikation ist dem Referenzberuf {occupation} nicht in vollem "
        "Umfang gleichwertig; was vorhanden ist und was wesentlich fehlt, folgt.",
        "Partial equivalence. The qualification is not fully equivalent to the German reference occupation "
        "{occupation}; what exists and what substantially differs follows."),
    "require_compensation": LocalText(
        "Zum Referenzberuf {occupation} bestehen wesentliche Unterschiede, die durch eine Ausgleichsmaßnahme "
        "ausgeglichen werden können: einen Anpassungslehrgang oder eine Eignungsprüfung. Sie haben die Wahl zwischen "
        "beiden; bitte teilen Sie uns mit, welche Maßnahme Sie wählen.",
        "There are substantial differences from the German reference occupation {occupation} that a compensation "
        "measure can make up for: an adaptation period or an aptitude test. You may choose between them; please "
        "tell us which one you choose."),
    "impose_aptitude_test": LocalText(
        "Zum Referenzberuf {occupation} bestehen wesentliche Unterschiede, die durch eine Eignungsprüfung "
        "ausgeglichen werden können. Nach Ablegen der Prüfung wird die Gleichwertigkeit festgestellt.",
        "There are substantial differences from the German reference occupation {occupation} that an aptitude test "
        "can make up for. Once the test is passed, equivalence is established."),
    "close_without_compensation": LocalText(
        "Die Ausgleichsmaßnahme wurde nicht abgeschlossen. Das Verfahren ist beendet; die wesentlichen Unterschiede "
        "zum Referenzberuf {occupation} bleiben festgestellt.",
        "The compensation measure was not completed. The procedure has ended; the substantial differences from the "
        "German reference occupation {occupation} remain established."),
    "refuse": LocalText("Der Antrag wird abgelehnt.", "The application is refused."),
}


def _decision(letter: Letter, case, workflow, event) -> None:
    lang = letter.lang
    transition = workflow.transitions[event.subject]
    state = workflow.states.get(event.to_state)
    basis = cite(transition.basis)
    data = _details(event)
    de, en = voice(case, "de"), voice(case, "en")
    _say(letter,
         f"über {de.on_application} vom {day(case.received_on, lang)} auf Feststellung der Gleichwertigkeit "
         f"{de.qualification} „{case.profession}“ mit dem Referenzberuf {case.reference_occupation} entscheiden wir "
         f"wie folgt ({basis}):",
         f"We decide as follows on {en.on_application} of {day(case.received_on, lang)} for a finding of equivalence "
         f"of {en.qualification} '{case.profession}' with the German reference occupation "
         f"{case.reference_occupation} ({basis}):")
    ruling = RULINGS.get(transition.id)
    if ruling is not None:
        # replace, not format: the occupation is typed text and may hold braces.
        _say(letter, "Entscheidung: " + ruling.de.replace("{occupation}", case.reference_occupation),
             "Decision: " + ruling.en.replace("{occupation}", case.reference_occupation))
    elif state is not None:
        _say(letter, f"Entscheidung: {state.title.de}.", f"Decision: {state.title.en}.")
    if data.get("differences"):
        _say(letter, f"Vorhandene Qualifikationen und wesentliche Unterschiede: {data['differences']}",
             f"Existing qualifications and substantial differences: {data['differences']}")
    ground = transition.input("ground")
    if ground is not None and data.get("ground"):
        choice = next((c for c in ground.choices if c.value == data["ground"]), None)
        if choice is not None:
            _say(letter, f"Grund: {choice.label.de}", f"Ground: {choice.label.en}")
    if event.reason:
        _say(letter, f"Begründung: {event.reason}", f"Reasons: {event.reason}")
    _remedy(letter, case.office)


def _remedy(letter: Letter, office) -> None:
    """The instructions on legal remedies every notice carries (§ 37(6) VwVfG, § 58 VwGO; without them the objection
    period is a year, § 58(2) VwGO). Thuringia keeps the objection procedure (§ 68 VwGO) for these decisions: the
    reading an authority takes (README, "Letters")."""
    at = ", ".join(_lines(office.name, office.street, f"{office.postcode} {office.city}".strip()))
    _say(letter,
         f"Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch "
         f"erhoben werden. Der Widerspruch ist schriftlich, in elektronischer Form nach § 3a Abs. 2 VwVfG "
         f"i. V. m. § 1 Abs. 1 ThürVwVfG oder zur "
         f"Niederschrift bei der Behörde einzulegen, die den Bescheid erlassen hat: {at} (§§ 68, 70 VwGO).",
         f"Information on legal remedies: an objection (Widerspruch) may be lodged against this decision within one "
         f"month of its notification, in writing, in electronic form under section 3a(2) VwVfG (applicable under "
         f"section 1(1) ThürVwVfG), or on record at "
         f"{at} (sections 68, 70 of the Code of Administrative Court Procedure, VwGO).")


def _pre_approval(letter: Letter, case, workflow, event) -> None:
    issued = letter.dated
    linked = case.children[0] if case.children else None
    _say(letter,
         f"im beschleunigten Fachkräfteverfahren nach § 81a AufenthG erteilen wir am {issued} die Vorabzustimmung "
         f"zur Erteilung des Visums (§ 81a Abs. 3 Nr. 6 AufenthG, § 31 Abs. 3 AufenthV).",
         f"In the accelerated skilled-worker procedure under section 81a Residence Act we grant, on {issued}, the "
         f"pre-approval for the visa (section 81a(3) no. 6 Residence Act, section 31(3) Residence Ordinance).")
    steps = latest_steps((e.subject, e.details) for e in case_events(case.id) if e.kind == EventKind.TRANSITION)
    if linked is not None and (linked.outcome == Outcome.PARTIAL
                               or workflow_of(linked).state(linked.state).differences_found):
        _say(letter, f"Im Verfahren {linked.reference} wurden wesentliche Unterschiede festgestellt. Die "
                     f"Vorabzustimmung gilt der Einreise zu einer Maßnahme zur Anerkennung nach § 16d AufenthG "
                     f"(§ 81a Abs. 3 Satz 2 AufenthG).",
             f"Procedure {linked.reference} found substantial differences. The pre-approval is for entry to take "
             f"part in a measure towards recognition under section 16d Residence Act (section 81a(3) sentence 2 "
             f"Residence Act).")
    elif linked is not None:
        _say(letter, f"Die Gleichwertigkeit der Berufsqualifikation wurde im Verfahren {linked.reference} festgestellt.",
             f"The equivalence of the qualification was established in procedure {linked.reference}.")
    elif CONFIRMATION_STEP in steps:
        route = str((steps.get("start_qualification_check") or {}).get("route") or "")
        body = str((steps.get("start_qualification_check") or {}).get("body") or "").strip()
        at_de, at_en = (f"Stelle: {body}; ", f"body: {body}; ") if body else ("", "")
        if route == "certificate_evaluation":
            _say(letter, f"Die Vergleichbarkeit des ausländischen Hochschulabschlusses wurde durch Zeugnisbewertung "
                         f"bestätigt ({at_de}§ 81a Abs. 3 Nr. 2 AufenthG).",
                 f"The comparability of the foreign university degree was confirmed by a certificate evaluation "
                 f"({at_en}section 81a(3) no. 2 Residence Act).")
        else:
            _say(letter, f"Eine fachkundige inländische Stelle hat die staatlich anerkannte ausländische "
                         f"Qualifikation bestätigt ({at_de}§ 81a Abs. 3 Nr. 2a AufenthG).",
                 f"A competent body in Germany confirmed the state-recognised foreign qualification ({at_en}section "
                 f"81a(3) no. 2a Residence Act).")
    licence = str((steps.get(LICENCE_STEP) or {}).get("licence") or "")
    if licence:
        done_de, done_en = ("zugesagt", "promised") if licence == "promised" else ("erteilt", "granted")
        _say(letter, f"Die Berufsausübungserlaubnis wurde {done_de} (§ 18 Abs. 2 Nr. 3 AufenthG).",
             f"The licence to practise the profession has been {done_en} (section 18(2) no. 3 Residence Act).")
    _say(letter,
         "Bitte beantragen Sie mit dieser Vorabzustimmung bei der zuständigen deutschen Auslandsvertretung einen "
         "Termin zur Visumantragstellung. Die Auslandsvertretung bietet Ihnen einen Termin an, der innerhalb der "
         "nächsten drei Wochen liegt (§ 31a Abs. 1 AufenthV), und entscheidet über den Visumantrag in der Regel "
         "innerhalb von drei Wochen nach Vorlage der vollständigen Antragsunterlagen (§ 31a Abs. 2 AufenthV).",
         "Please present this pre-approval to the competent German mission abroad and ask for an appointment to apply "
         "for the visa. The mission offers you an appointment that lies within the next three weeks (section "
         "31a(1) Residence Ordinance) and, as a rule, decides on the visa application within three weeks of the "
         "complete application (section 31a(2) Residence Ordinance).")


BUILDERS = {
    LetterKind.RECEIPT: _receipt_with_status_page,
    LetterKind.DOCUMENTS_REQUEST: _documents_request,
    LetterKind.REFUSAL_WARNING: _refusal_warning,
    LetterKind.DECISION: _decision,
    LetterKind.PRE_APPROVAL: _pre_approval,
}
