"""Audit events in plain language for the timeline ("Unterlagen angefordert – Frist bis 15.03.2026")."""
from __future__ import annotations

from datetime import date

from tracker.audit.models import EventKind
from tracker.procedures import labels, timer_plan
from tracker.procedures.definition import EFFECTIVE_ON, LocalText, Workflow

_KIND_TEXT = {
    "opened": LocalText("Fall angelegt", "Case opened"),
    "assigned": LocalText("Zuständigkeit geändert: {assignee}", "Assigned to {assignee}"),
    "document": LocalText("Unterlage „{document}“: {status}", "Document '{document}': {status}"),
    "note": LocalText("Interne Notiz hinzugefügt", "Internal note added"),
    "timer_started": LocalText("Frist „{timer}“ läuft bis {due_on}", "Deadline '{timer}' runs until {due_on}"),
    "timer_paused": LocalText("Frist „{timer}“ gehemmt", "Deadline '{timer}' suspended"),
    "timer_resumed": LocalText("Frist „{timer}“ läuft weiter bis {due_on}", "Deadline '{timer}' resumed, due {due_on}"),
    "timer_extended": LocalText("Frist „{timer}“ verlängert bis {due_on}", "Deadline '{timer}' extended to {due_on}"),
    "timer_met": LocalText("Frist „{timer}“ eingehalten", "Deadline '{timer}' met"),
    "timer_warning": LocalText("Frist „{timer}“ läuft am {due_on} ab", "Deadline '{timer}' expires on {due_on}"),
    "timer_breached": LocalText("Frist „{timer}“ überschritten (fällig {due_on})",
                                "Deadline '{timer}' breached (due {due_on})"),
    "letter": LocalText("Schreiben erstellt: {letter}", "Letter produced: {letter}"),
    "timer_cancelled": LocalText("Frist „{timer}“ entfallen (Verfahren beendet)",
                                 "Deadline '{timer}' cancelled (procedure ended)"),
    "authorisation_recorded": LocalText("Vollmacht für {employer} erfasst ({period})",
                                        "Authorisation of {employer} recorded ({period})"),
    "authorisation_revoked": LocalText("Vollmacht für {employer} widerrufen", "Authorisation of {employer} revoked"),
    "employer_invited": LocalText("Arbeitgeber-Kontakt eingeladen", "Employer contact invited"),
    "advisor_granted": LocalText("{employer} gibt der Beratung {advisor} Einblick ({period})",
                                 "{employer} granted the advisor {advisor} access ({period})"),
    "advisor_revoked": LocalText("{employer} hat den Einblick der Beratung {advisor} widerrufen",
                                 "{employer} revoked the advisor {advisor}'s access"),
    "access_code_issued": LocalText("Zugangscode für die Statusseite ausgestellt",
                                    "Access code for the status page issued"),
    "document_uploaded": LocalText("Unterlage „{document}“ hochgeladen", "Document '{document}' uploaded"),
    "message": LocalText("Nachricht im Nachrichtenverlauf", "Message in the thread"),
    "personal_data_exported": LocalText("Auskunft über personenbezogene Daten erteilt (Art. 15 DSGVO)",
                                        "Personal data disclosed on request (Art. 15 GDPR)"),
    "personal_data_erased": LocalText("Personenbezogene Daten gelöscht (Art. 17 DSGVO)",
                                      "Personal data erased (Art. 17 GDPR)"),
    "parent_case_ended": LocalText("Beschleunigtes Fachkräfteverfahren {parent} beendet: {ended_as}, wirksam am "
                                   "{ended_on}", "Accelerated skilled-worker procedure {parent} ended: {ended_as}, "
                                   "effective {ended_on}"),
}
_LATE = LocalText(" – verspätet", " – late")


_RECORDED_EFFECTIVE = LocalText("erfasst am {recorded}, wirksam am {effective}", "recorded on {recorded}, effective {effective}")


def _letter(data: dict, lang: str, format_day) -> str:
    if not data.get("letter"):
        return ""
    text = labels.label(labels.LETTER_KIND, data["letter"], lang)
    if data.get("number", 1) > 1:
        text += f" ({data['number']})"
    if data.get("dated"):
        text += LocalText(" vom {day}", " of {day}").get(lang).format(day=format_day(date.fromisoformat(data["dated"])))
    return text


def fact_date_note(event, lang: str, format_day, recorded_on: date) -> str:
    """"erfasst am …, wirksam am …" for a step whose fact lies on another day than the one it was recorded on
    (its ``effective_on``); empty otherwise."""
    effective = (event.data or {}).get(EFFECTIVE_ON)
    if event.kind != EventKind.TRANSITION or not effective or date.fromisoformat(effective) == recorded_on:
        return ""
    return _RECORDED_EFFECTIVE.get(lang).format(recorded=format_day(recorded_on),
                                                effective=format_day(date.fromisoformat(effective)))


def describe(event, workflow: Workflow, lang: str, format_day) -> str:
    data = event.data or {}
    if event.kind == "transition":
        transition = workflow.transitions.get(event.subject)
        label = transition.label.get(lang) if transition else event.subject
        target = workflow.states.get(event.to_state)
        reached = target.title.get(lang) if target else event.to_state
        return label if reached == label else f"{label} → {reached}"  # a step named as the state it reaches, once
    template = _KIND_TEXT.get(event.kind)
    if template is None:
        return event.kind
    timer = workflow.timers.get(event.subject or "")
    document = next((d for d in workflow.documents if d.id == event.subject), None)
    due = data.get("due_on")
    text = template.get(lang).format(
        assignee=data.get("assignee") or ("–"),
        document=document.title.get(lang) if document else event.subject,
        status=labels.label(labels.DOCUMENT_STATUS, data.get("status", ""), lang),
        timer=timer.name.get(lang) if timer else event.subject,
        due_on=format_day(date.fromisoformat(due)) if due else "–",
        letter=_letter(data, lang, format_day),
        employer=data.get("employer", "–"),
        advisor=data.get("advisor", "–"),
        period=_period(data, lang, format_day),
        parent=event.subject or "–",
        ended_as=(data.get("ended_as") or {}).get(lang, "–"),
        ended_on=format_day(date.fromisoformat(data["ended_on"])) if data.get("ended_on") else "–",
    )
    if event.kind == "timer_met" and data.get("late"):
        text += _LATE.get(lang)
    if event.kind == "timer_paused" and data.get("until_on"):
        until = format_day(date.fromisoformat(data["until_on"]))
        text += LocalText(f" bis {until}", f" until {until}").get(lang)
    return text


def _period(data: dict, lang: str, format_day) -> str:
    begins = data.get("valid_from")
    if not begins:
        return "–"
    ends = data.get("valid_until")
    begins = format_day(date.fromisoformat(begins))
    if ends:
        return LocalText(f"{begins} bis {format_day(date.fromisoformat(ends))}", f"{begins} to "
                         f"{format_day(date.fromisoformat(ends))}").get(lang)
    return LocalText(f"ab {begins}, bis auf Widerruf", f"from {begins} until revoked").get(lang)


#: Beside a deadline's date as entered, the day it ends when § 31(3) s. 1 VwVfG moves it off a weekend or holiday.
_MOVED_TO = LocalText("endet am {day}, § 31 Abs. 3 VwVfG", "ends on {day}, section 31(3) VwVfG")


def input_summary(event, workflow: Workflow, lang: str, format_day, office_name=str,
                  office_calendar: str | None = None) -> list[tuple[str, str]]:
    """The inputs a transition was given, labelled as in its form (dates formatted, choices in words, typed text
    until it is erased). A deadline's date as entered is followed by the day it ends where the two differ (the
    letter and the timer state that day; ``office_calendar``: the case office's)."""
    transition = workflow.transitions.get(event.subject or "") if event.kind == "transition" else None
    if transition is None:
        return []
    deadlines = {spec.due_input: spec for spec in workflow.timers_started_by(transition.id) if spec.due_input}
    # What a person typed (findings, differences, notes) lives in the event's erasable part: shown while it is kept.
    given = getattr(event, "details", None) or event.data or {}
    rows = []
    for spec in transition.inputs:
        value = given.get(spec.name)
        if value in (None, "") or spec.name == "reason":
            continue
        if spec.type == "date":
            entered = date.fromisoformat(value)
            value = format_day(entered)
            timer = deadlines.get(spec.name)
            if timer is not None and office_calendar is not None:
                ends = timer_plan.set_deadline_ends(event.data, timer_plan.calendar_for(timer, office_calendar),
                                                    spec.name)
                if ends is not None and ends != entered:
                    value += f" ({_MOVED_TO.get(lang).format(day=format_day(ends))})"
        elif spec.type == "choice":
            value = next((c.label.get(lang) for c in spec.choices if c.value == value), value)
        elif spec.type == "office":
            value = office_name(value)
        elif spec.name == "documents":
            titles = {document.id: document.title.get(lang) for document in workflow.documents}
            value = ", ".join(titles.get(item.strip(), item.strip()) for item in str(value).split(","))
        rows.append((spec.label.get(lang), str(value)))
    return rows
