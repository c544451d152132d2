"""Template globals and filters: the active language, dates in the reader's format, definitions of cases."""
from __future__ import annotations

from datetime import date, datetime

from babel import dates as babel_dates
from flask import Flask
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l

from tracker import clock
from tracker.audit.describe import describe, fact_date_note, input_summary
from tracker.extensions import db
from tracker.parties import countries
from tracker.parties.models import Office
from tracker.procedures import labels, timer_plan
from tracker.procedures.deadlines import parse_period
from tracker.procedures.vocabulary import STAFF_ROLES, Role
from tracker.registry import workflow_of
from tracker.web.i18n import current_language


#: English month abbreviations as Babel writes them ("MMM"), read once: ``day`` formats a plain date itself, at a
#: fifth of ``format_date``'s cost, and a case file shows dozens of dates.
_MONTHS_EN = tuple(babel_dates.format_date(date(2001, month, 1), "MMM", locale="en") for month in range(1, 13))


def day(value: date | None) -> str:
    """A calendar date: 25.11.2026 in German, 25 Nov 2026 in English (a moment: its date in Berlin)."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # Flask-Babel moves it into the reader's time zone first
        return format_date(value, "dd.MM.yyyy" if current_language() == "de" else "d MMM yyyy")
    if current_language() == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year:04d}"


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "dd.MM.yyyy HH:mm" if current_language() == "de" else "d MMM yyyy, HH:mm")


def period(value) -> str:
    """An ISO period from a definition in words: P2W is "2 Wochen" in German, "2 weeks" in English."""
    if not value:
        return ""
    try:
        return parse_period(str(value)).describe(current_language())
    except ValueError:
        return str(value)


def text(value) -> str:
    """A definition's {de, en} text in the reader's language."""
    return value.get(current_language()) if value is not None else ""


def describe_event(event, workflow) -> str:
    return describe(event, workflow, current_language(), day)


def event_inputs(event, workflow, case=None) -> list[tuple[str, str]]:
    calendar = case.office.calendar if case is not None and case.office is not None else None
    return input_summary(event, workflow, current_language(), day, office_name, calendar)


def office_name(office_id) -> str:
    office = db.session.get(Office, int(office_id)) if str(office_id).isdigit() else None
    return office.name if office else str(office_id)


_PARTIES = {
    "authority": _l("Behörde"), "applicant": _l("Antragsteller/in"), "employer": _l("Arbeitgeber"),
    "ba": _l("Bundesagentur für Arbeit"), "mission": _l("Auslandsvertretung"),
    "recognition_body": _l("Anerkennungsstelle"), "none": _l("niemand"),
    "advisor": _l("Beratung (ThAFF)"),
}


def party_name(party: str) -> str:
    return str(_PARTIES.get(party, party))


def public_actor(role: str) -> str:
    """Who did something, as parties may read it: the authority (never a clerk's name), the employer, the advisor,
    the applicant or the system."""
    if role == Role.SYSTEM:
        return str(_l("System (automatisch)"))
    if role in STAFF_ROLES:
        return party_name("authority")
    return party_name(role)


def role_name(role: str) -> str:
    return labels.label(labels.ROLE, role, current_language())


def document_status_name(status: str) -> str:
    return labels.label(labels.DOCUMENT_STATUS, status, current_language())


def letter_title(kind: str) -> str:
    return labels.label(labels.LETTER_KIND, kind, current_language())


def fact_date(event) -> str:
    """"recorded on …, effective …" when the step's fact lies on another day than its recording."""
    return fact_date_note(event, current_language(), day, clock.berlin_date(event.occurred_at))


def event_reason(reason: str | None) -> str:
    """An event's reason as written, except the one the system writes itself (a legal fiction's), which reads in
    the page's language."""
    fiction = timer_plan.fiction_of_reason(reason or "")
    if fiction is None:
        return reason or ""
    due_on, basis = fiction
    return str(_l("Fristablauf am %(day)s ohne Antwort (%(basis)s)", day=day(due_on), basis=basis))


def install(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(day=day, moment=moment, t=text, period=period, event_reason=event_reason,
                                 state=lambda stored: countries.display_name(stored, current_language()),
                                 basis=lambda basis: labels.legal_basis(basis or "", current_language()))
    app.jinja_env.globals.update(current_language=current_language, workflow_for=workflow_of,
                            describe_event=describe_event, event_inputs=event_inputs,
                            party_name=party_name, role_name=role_name, document_status_name=document_status_name,
                            letter_title=letter_title, fact_date=fact_date, public_actor=public_actor,
                            state_names=lambda for_nationality=False: countries.names(
                                current_language(), for_nationality=for_nationality))
