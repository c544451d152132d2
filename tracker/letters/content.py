"""What a letter says, built from the case, its events and its timers: the same dates the case file shows.

A letter is a list of paragraphs in the applicant's language (German or English), so the print view and the PDF
render the same text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from sqlalchemy import select

from tracker import clock
from tracker.audit.models import Event
from tracker.extensions import db
from tracker.procedures.deadlines import parse_period
from tracker.procedures.definition import LocalText
from tracker.procedures.vocabulary import OPEN_TIMER_STATUSES, DocumentStatus
from tracker.timers.models import Timer

LETTER_TITLES = {
    "receipt": LocalText("Eingangsbestätigung", "Confirmation of receipt"),
    "documents_request": LocalText("Anforderung fehlender Unterlagen", "Request for missing documents"),
    "pre_approval": LocalText("Vorabzustimmung (§ 81a Abs. 3 Nr. 6 AufenthG)",
                              "Pre-approval (section 81a(3) no. 6 Residence Act)"),
}
RECEIPT_TRANSITIONS = ("confirm_receipt_complete", "confirm_receipt_incomplete")
PRE_APPROVAL_TRANSITION = "issue_pre_approval"


@dataclass
class Letter:
    kind: str
    lang: str
    title: str
    office: str
    recipient: list[str]
    reference: str
    dated: str
    salutation: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    closing: str = ""


def _events(case, subjects) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "transition",
                                                       Event.subject.in_(subjects)).order_by(Event.seq)))


def _request_transitions(workflow) -> list[str]:
    return [t.id for t in workflow.transitions.values()
            if t.input("documents") is not None and t.input("due_date") is not None]


def letters_for(case, workflow) -> list[str]:
    kinds = []
    if workflow.office_kind == "recognition_body":
        if _events(case, RECEIPT_TRANSITIONS):  # the § 6(2) confirmation exists once receipt was confirmed
            kinds.append("receipt")
        if _events(case, _request_transitions(workflow)):
            kinds.append("documents_request")
    elif _events(case, [PRE_APPROVAL_TRANSITION]):
        kinds.append("pre_approval")
    return kinds


def _day(value: date, lang: str) -> str:
    return format_date(value, "dd.MM.yyyy" if lang == "de" else "d MMMM yyyy", locale=lang)


def _decision_timer(case, workflow):
    mode = "accelerated" if case.accelerated else "standard"
    specs = [spec for spec in workflow.timers.values() if spec.id.startswith("decision") and spec.applies_to(mode)]
    if not specs:
        return None, None
    spec = specs[0]
    timer = db.session.scalar(select(Timer).where(Timer.case_id == case.id, Timer.timer_id == spec.id)
                              .order_by(Timer.id.desc()).limit(1))
    return spec, timer


def _missing(case, workflow, lang) -> list[str]:
    titles = {document.id: document.title for document in workflow.documents}
    rows = []
    for document in case.documents:
        if document.required and document.status in (DocumentStatus.MISSING, DocumentStatus.REQUESTED,
                                                     DocumentStatus.REJECTED):
            text = titles[document.document_id].get(lang) if document.document_id in titles else document.document_id
            if document.status == DocumentStatus.REJECTED and document.reason:
                text += f" ({document.reason})"
            rows.append(text)
    return rows


def build(case, workflow, kind: str, lang: str | None = None) -> Letter:
    lang = lang or (case.applicant.preferred_language if case.applicant.preferred_language in ("de", "en") else "de")
    de = lang == "de"
    recipient = [case.applicant.full_name]
    if case.employer:
        recipient += [LocalText("vertreten durch", "represented by").get(lang), case.employer.name]
    letter = Letter(
        kind=kind, lang=lang, title=LETTER_TITLES[kind].get(lang), office=case.office.name, recipient=recipient,
        reference=case.reference, dated=_day(clock.today(), lang),
        salutation=f"Guten Tag {case.applicant.full_name}," if de else f"Dear {case.applicant.full_name},",
        closing="Mit freundlichen Grüßen" if de else "Kind regards",
    )
    if kind == "receipt":
        _receipt(letter, case, workflow, lang, parse_period)
    elif kind == "documents_request":
        _documents_request(letter, case, workflow, lang)
    elif kind == "pre_approval":
        _pre_approval(letter, case, workflow, lang)
    return letter


def _receipt(letter: Letter, case, workflow, lang: str, parse_period) -> None:
    de = lang == "de"
    received = _day(case.received_on, lang)
    letter.paragraphs.append(
        f"Ihr Antrag auf Anerkennung Ihrer Berufsqualifikation „{case.profession}“ (Referenzberuf: "
        f"{case.reference_occupation}) ist am {received} bei uns eingegangen." if de else
        f"We received your application for recognition of your qualification '{case.profession}' (German reference "
        f"occupation: {case.reference_occupation}) on {received}.")
    spec, timer = _decision_timer(case, workflow)
    if spec is None:
        return
    period = parse_period(spec.period).describe(lang) if spec.period else ""
    target = spec.kind == "target"
    if timer is not None and timer.status in OPEN_TIMER_STATUSES and timer.due_on:
        due = _day(timer.due_on, lang)
        letter.paragraphs.append(
            f"Ihre Unterlagen sind vollständig. Wir entscheiden über Ihren Antrag {'möglichst ' if target else ''}"
            f"bis zum {due} ({period} ab Vollständigkeit der Unterlagen, {spec.basis})." if de else
            f"Your documents are complete. We will decide on your application {'if possible ' if target else ''}"
            f"by {due} ({period} from the day your documents were complete, {spec.basis}).")
        return
    missing = _missing(case, workflow, lang)
    if missing:
        letter.paragraphs.append("Für die Prüfung fehlen noch folgende Unterlagen:" if de else
                                 "To examine your application we still need these documents:")
        letter.items = missing
    letter.paragraphs.append(
        f"Die Frist für unsere Entscheidung ({period}, {spec.basis}) beginnt erst, wenn alle Unterlagen vollständig "
        f"vorliegen. Wir teilen Ihnen dann das Datum mit." if de else
        f"The period for our decision ({period}, {spec.basis}) only starts once all documents are complete. We will "
        f"then tell you the date.")


def _documents_request(letter: Letter, case, workflow, lang: str) -> None:
    de = lang == "de"
    event = _events(case, _request_transitions(workflow))[-1]
    due_date = date.fromisoformat(event.data["due_date"])
    due = _day(due_date, lang)
    titles = {document.id: document.title for document in workflow.documents}
    requested = [doc_id.strip() for doc_id in str(event.data.get("documents", "")).split(",") if doc_id.strip()]
    letter.paragraphs.append(
        "Für die Bearbeitung Ihres Antrags benötigen wir noch folgende Unterlagen:" if de else
        "To process your application we need the following documents:")
    letter.items = [titles[doc_id].get(lang) if doc_id in titles else doc_id for doc_id in requested]
    letter.paragraphs.append(
        f"Bitte reichen Sie die Unterlagen bis zum {due} ein (§ 15 Abs. 1 und 3 BQFG, § 31 Abs. 2 VwVfG)." if de
        else f"Please send these documents by {due} (section 15(1) and (3) BQFG, section 31(2) VwVfG).")
    if event.reason:
        letter.paragraphs.append(event.reason)
    letter.paragraphs.append(
        "Solange diese Frist läuft, ist die Frist für unsere Entscheidung gehemmt (§ 6 Abs. 4 BQFG). Wenn Sie die "
        "Unterlagen nicht einreichen, können wir über Ihren Antrag nur nach Aktenlage entscheiden oder ihn nach "
        "vorherigem schriftlichem Hinweis ablehnen (§ 15 Abs. 3 BQFG)." if de else
        "While this deadline runs, the period for our decision is suspended (section 6(4) BQFG). If you do not "
        "send the documents, we can only decide on the documents we have, or refuse the application after a "
        "written warning (section 15(3) BQFG).")


def _pre_approval(letter: Letter, case, workflow, lang: str) -> None:
    de = lang == "de"
    event = _events(case, [PRE_APPROVAL_TRANSITION])[-1]
    issued = _day(clock.berlin_date(event.occurred_at), lang)
    linked = case.children[0] if case.children else None
    letter.paragraphs.append(
        f"im beschleunigten Fachkräfteverfahren nach § 81a AufenthG erteilen wir am {issued} die Vorabzustimmung "
        f"zur Erteilung des Visums (§ 81a Abs. 3 Nr. 6 AufenthG, § 31 Abs. 3 AufenthV)." if de else
        f"in the accelerated skilled-worker procedure under section 81a Residence Act we grant, on {issued}, the "
        f"pre-approval for the visa (section 81a(3) no. 6 Residence Act, section 31(3) Residence Ordinance).")
    if linked is not None:
        letter.paragraphs.append(
            f"Die Gleichwertigkeit der Berufsqualifikation wurde im Verfahren {linked.reference} festgestellt." if de
            else f"The equivalence of the qualification was established in procedure {linked.reference}.")
    letter.paragraphs.append(
        "Bitte vereinbaren Sie mit dieser Vorabzustimmung einen Termin bei der zuständigen deutschen "
        "Auslandsvertretung. Diese soll den Termin innerhalb von drei Wochen anbieten (§ 31a Abs. 1 AufenthV) und "
        "in der Regel innerhalb von drei Wochen nach vollständigem Visumantrag entscheiden (§ 31a Abs. 2 AufenthV)."
        if de else
        "Please use this pre-approval to book an appointment at the German mission abroad. The mission is to offer "
        "an appointment within three weeks (section 31a(1) Residence Ordinance) and, as a rule, to decide within "
        "three weeks of the complete visa application (section 31a(2) Residence Ordinance).")
