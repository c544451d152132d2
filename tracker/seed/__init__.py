"""``flask --app tracker seed --cases N``: realistic synthetic cases for load tests and benchmarks.

Each case is played through its procedure the way clerks and the deadline sweep would have moved it: the real
engine (``check_transition``) decides every step, timers follow the definition's starts/stops/pauses with the
app's own deadline arithmetic (``timers.service.recompute``), and a small replay of the sweep issues the warnings,
breaches and legal fictions that fell due on the way. What would have been written row by row is then inserted in
bulk (SQLAlchemy Core, one transaction per batch): persons, cases, the documents checklist, timers with their pauses
and sweep effects, and the audit events, hashed into a valid chain exactly as ``audit.service.append_event`` does.
The queue summary (``next_due_on``, ``breached``) is what ``timers.service.refresh_summary`` would compute, and
reference numbers are reserved through ``ReferenceCounter``, so seeded references never collide with real ones.

Synthetic data only: invented names, ``*.seed.example`` addresses, one shared password (``SEED_PASSWORD``).
"""
from __future__ import annotations

import json
import os
import queue
import random
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from tracker import clock
from tracker.audit.chain import GENESIS, event_hash
from tracker.audit.models import Event, EventKind
from tracker.audit.service import _jsonable
from tracker.auth.actors import SYSTEM
from tracker.auth.models import User
from tracker.cases.models import Case, CaseDocument, ReferenceCounter
from tracker.extensions import db
from tracker.parties.models import Employer, Office, Person
from tracker.procedures.engine import check_transition
from tracker.procedures.guards import GuardContext
from tracker.procedures.vocabulary import (
    OPEN_TIMER_STATUSES,
    CalendarName,
    DocumentStatus,
    OfficeKind,
    Role,
    TimerStatus,
)
from tracker.timers import service as timer_service
from tracker.timers.models import Timer, TimerEffect, TimerEffectKind, TimerPause

SEED_PASSWORD = "seed-passwort"  # every seeded account; synthetic data only
EMAIL_DOMAIN = "seed.example"

# --- invented people and organisations ---------------------------------------------------------------------

GERMAN_GIVEN = ("Katrin", "Thomas", "Miriam", "Jonas", "Sabine", "Andreas", "Petra", "Lena", "Stefan", "Claudia",
                "Michael", "Anja", "Frank", "Susanne", "Jens", "Kerstin", "Uwe", "Nadine", "Tobias", "Julia",
                "Matthias", "Franziska", "Sebastian", "Doreen", "Ronny", "Mandy", "Sandra", "Christian")
GERMAN_FAMILY = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
                 "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
                 "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Herrmann",
                 "Walter", "König", "Vogel")
#: (nationality as in the passport, given names, family names, preferred language, weight)
APPLICANT_ORIGINS = (
    ("Vietnam", ("Anh", "Minh", "Thu", "Lan", "Hoa", "Tuan", "Huong", "Duc"),
     ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang"), "en", 12),
    ("Indien", ("Rahul", "Priya", "Anjali", "Arjun", "Deepa", "Vikram", "Sneha"),
     ("Sharma", "Patel", "Singh", "Kumar", "Nair", "Reddy", "Iyer"), "en", 14),
    ("Philippinen", ("Maria", "Jose", "Angelica", "Mark", "Kristine", "John Paul"),
     ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza"), "en", 10),
    ("Brasilien", ("Ana", "João", "Mariana", "Lucas", "Beatriz", "Rafael"),
     ("Pereira", "Silva", "Souza", "Oliveira", "Costa", "Almeida"), "en", 6),
    ("Türkei", ("Mehmet", "Ayşe", "Emre", "Elif", "Mustafa", "Zeynep"),
     ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın"), "de", 9),
    ("Ukraine", ("Olena", "Andrii", "Iryna", "Oleksandr", "Natalia", "Dmytro"),
     ("Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Melnyk"), "de", 8),
    ("Syrien", ("Mohammad", "Rana", "Ahmad", "Lina", "Khaled", "Hiba"),
     ("Al-Hassan", "Haddad", "Khalil", "Ibrahim", "Darwish"), "de", 6),
    ("Marokko", ("Youssef", "Fatima", "Amine", "Salma", "Hamza"),
     ("El Amrani", "Benali", "Bennani", "Alaoui", "Idrissi"), "en", 4),
    ("Tunesien", ("Amine", "Sarra", "Mehdi", "Yasmine"), ("Ben Salah", "Trabelsi", "Gharbi", "Jaziri"), "en", 4),
    ("Nigeria", ("Samuel", "Chioma", "Emeka", "Ngozi", "Tunde", "Blessing"),
     ("Okafor", "Adeyemi", "Okeke", "Eze", "Balogun"), "en", 5),
    ("Kolumbien", ("Juan", "Valentina", "Andrés", "Camila", "Santiago"),
     ("Rodríguez", "Gómez", "Martínez", "López", "Hernández"), "en", 4),
    ("Mexiko", ("Luis", "Guadalupe", "Carlos", "Fernanda"), ("García", "Hernández", "Ramírez", "Flores"), "en", 3),
    ("Indonesien", ("Putri", "Budi", "Dewi", "Agus", "Sari"), ("Wijaya", "Santoso", "Saputra", "Hidayat"), "en", 4),
    ("Bosnien und Herzegowina", ("Amar", "Lejla", "Emir", "Amra"), ("Hodžić", "Begić", "Delić", "Kovačević"),
     "de", 4),
    ("Serbien", ("Nikola", "Jelena", "Marko", "Milica"), ("Jovanović", "Petrović", "Nikolić", "Marković"), "de", 3),
    ("Kosovo", ("Arben", "Elira", "Besnik", "Drita"), ("Hoxha", "Krasniqi", "Berisha", "Gashi"), "de", 3),
    ("Ägypten", ("Omar", "Nour", "Mahmoud", "Yasmin"), ("Hassan", "Mostafa", "Farouk", "Saleh"), "en", 3),
    ("Kenia", ("Wanjiru", "Otieno", "Achieng", "Kamau"), ("Mwangi", "Odhiambo", "Njoroge", "Kiprono"), "en", 3),
    ("Usbekistan", ("Dilnoza", "Rustam", "Aziz", "Malika"), ("Karimov", "Yusupov", "Abdullaev", "Rakhimov"),
     "en", 2),
)
#: (foreign qualification, German reference occupation) for each recognition procedure
PROFESSIONS = {
    "recognition-bqfg": (
        ("Elektrik-Meister", "Elektroniker/in"), ("Técnico em Mecatrônica", "Mechatroniker/in"),
        ("Diploma in Mechanical Engineering", "Industriemechaniker/in"), ("Cook (Certificate III)", "Koch/Köchin"),
        ("Automotive Technician", "Kraftfahrzeugmechatroniker/in"),
        ("Plumbing Technician", "Anlagenmechaniker/in für Sanitär-, Heizungs- und Klimatechnik"),
        ("Welder (NCV Level 4)", "Konstruktionsmechaniker/in"), ("Hotel Management Diploma", "Hotelfachmann/-frau"),
        ("IT Technician (TVET)", "Fachinformatiker/in"), ("Bricklayer (Level 3)", "Maurer/in"),
        ("Diploma in Electrical Installation", "Elektroniker/in für Energie- und Gebäudetechnik"),
    ),
    "recognition-thuerbqfg": (
        ("Bachelor of Education", "Lehrkraft (Regelschule)"),
        ("Diploma in Early Childhood Education", "Staatlich anerkannte/r Erzieher/in"),
        ("Bachelor of Social Work", "Staatlich anerkannte/r Sozialarbeiter/in"),
        ("B.Sc. Civil Engineering", "Ingenieur/in (Bauingenieurwesen)"), ("Bachelor of Architecture", "Architekt/in"),
        ("Licenciatura en Pedagogía Infantil", "Kindheitspädagoge/-pädagogin"),
    ),
}
#: (code, name, kind, holiday calendar, city, weight among offices of its kind)
OFFICES = (
    ("ABH-EF", "Ausländerbehörde Stadt Erfurt", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH, "Erfurt", 4),
    ("ABH-J", "Ausländerbehörde Stadt Jena", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH, "Jena", 2),
    ("ABH-G", "Ausländerbehörde Stadt Gera", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH, "Gera", 1),
    ("ABH-EIC", "Ausländerbehörde Landkreis Eichsfeld", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH_FRONLEICHNAM,
     "Heilbad Heiligenstadt", 1),
    ("TLVWA-550", "Thüringer Landesverwaltungsamt, Referat 550", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Weimar", 0),
    ("HWK-EF", "Handwerkskammer Erfurt, Anerkennungsstelle", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Erfurt", 5),
    ("HWK-SHL", "Handwerkskammer Südthüringen, Anerkennungsstelle", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Suhl", 3),
    ("HWK-GE", "Handwerkskammer für Ostthüringen, Anerkennungsstelle", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Gera", 2),
)
#: Which recognition bodies decide which procedure (the ThürBQFG professions go to the Landesverwaltungsamt).
DECIDING_OFFICES = {"recognition-thuerbqfg": ("TLVWA-550",), "recognition-bqfg": ("HWK-EF", "HWK-SHL", "HWK-GE")}
EMPLOYER_KINDS = ("Elektrotechnik GmbH", "Pflegedienst GmbH", "Bau GmbH & Co. KG", "Haustechnik GmbH",
                  "Metallbau GmbH", "Logistik GmbH", "Gastronomie GmbH", "Kfz-Service GmbH", "Software GmbH",
                  "Maschinenbau AG")
CITIES = ("Erfurt", "Jena", "Gera", "Weimar", "Gotha", "Suhl", "Nordhausen", "Eisenach", "Ilmenau", "Mühlhausen",
          "Altenburg", "Saalfeld", "Leinefelde-Worbis", "Sömmerda", "Arnstadt")
EMPLOYER_COUNT = 150
#: Share of new cases per procedure (a § 81a case that reaches "start recognition" adds a linked recognition case).
PROCEDURE_MIX = (("recognition-bqfg", 40), ("recognition-thuerbqfg", 25), ("skilled-worker-81a", 35))


# --- what gets written --------------------------------------------------------------------------------------

class SimEvent:
    """The fields ``event_hash`` reads, for an event that is not a mapped object yet."""

    __slots__ = ("case_id", "seq", "occurred_at", "actor_id", "actor_role", "kind", "subject", "from_state",
                 "to_state", "reason", "basis", "data", "prev_hash", "hash")


class SimPause:
    __slots__ = ("started_on", "until_on", "ended_on", "reason", "source")
    days = TimerPause.days


class SimTimer:
    """Duck-typed ``Timer`` so ``timers.service.recompute`` computes its dates."""

    __slots__ = ("id", "spec", "timer_id", "status", "started_on", "started_by", "fixed_due_on", "calendar",
                 "extension", "due_on", "warn_on", "finished_on", "created_at", "pauses", "effects")

    def open_pause(self):
        return next((pause for pause in self.pauses if pause.ended_on is None and pause.until_on is None), None)


@dataclass
class Actor:
    id: int | None
    role: str
    name: str


class SimCase:
    __slots__ = ("id", "workflow", "office", "applicant", "employer_id", "assignee", "parent", "child",
                 "accelerated", "profession", "reference_occupation", "received_on", "opened_at", "state", "outcome",
                 "closed_at", "documents", "timers", "events", "now", "version", "reference")

    def __init__(self, workflow, office, applicant, employer_id, profession, received_on, parent=None):
        self.id = None
        self.workflow = workflow
        self.office = office
        self.applicant = applicant
        self.employer_id = employer_id
        self.assignee = None
        self.parent = parent
        self.child = None
        self.accelerated = parent is not None
        self.profession, self.reference_occupation = profession
        self.received_on = received_on
        self.opened_at = None
        self.state = workflow.initial_state
        self.outcome = None
        self.closed_at = None
        #: document id -> [status, reason, requested_until, updated_at, position, required]
        self.documents = {spec.id: [DocumentStatus.MISSING.value, "", None, None, position, spec.required]
                          for position, spec in enumerate(workflow.documents)}
        self.timers: list[SimTimer] = []
        self.events: list[SimEvent] = []
        self.now = None
        self.version = 1
        self.reference = None

    def open_timers(self):
        return [timer for timer in self.timers if timer.status in OPEN_TIMER_STATUSES]


@dataclass
class Parties:
    offices: dict[str, dict]  #: code -> {"id", "code", "kind", "calendar", "clerks": [Actor], "weight"}
    employer_ids: list[int]


@dataclass
class SeedResult:
    cases: int = 0
    events: int = 0
    timers: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


# --- playing a case through its procedure -------------------------------------------------------------------

_RECOMPUTED: dict = {}


def _recompute(timer: SimTimer, case: SimCase) -> None:
    """``timers.service.recompute``, memoised on everything the dates depend on (same inputs, same dates)."""
    key = (case.workflow.id, case.workflow.version, timer.timer_id, timer.status, timer.started_on, timer.calendar,
           timer.fixed_due_on, timer.extension,
           tuple((pause.started_on, pause.until_on, pause.ended_on) for pause in timer.pauses))
    dates = _RECOMPUTED.get(key)
    if dates is None:
        timer_service.recompute(timer, timer.spec)
        if len(_RECOMPUTED) > 200_000:
            _RECOMPUTED.clear()
        dates = _RECOMPUTED[key] = (timer.due_on, timer.warn_on)
    timer.due_on, timer.warn_on = dates


@lru_cache(maxsize=4096)
def _berlin_day(day: date) -> datetime:
    """Midnight of ``day`` in UTC at the day's daytime offset (right for office hours; on the two days clocks
    change, the sweep's 00:01 is an hour off, which keeps its order)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=clock.BERLIN).astimezone(timezone.utc) \
        - timedelta(hours=12)


@lru_cache(maxsize=1024)
def _concerned(workflow, mode: str, event_id: str) -> tuple:
    """The timer specs (in definition order) that ``event_id`` starts, stops, pauses or resumes in this mode: for the
    others ``timers.service.on_event`` does nothing."""
    return tuple(spec for spec in workflow.timers.values() if spec.applies_to(mode) and (
        event_id in spec.stops_on or event_id in spec.starts_on
        or any(event_id == rule.on or event_id in rule.resume_on for rule in spec.pauses)))


@lru_cache(maxsize=64)
def _required_documents(workflow) -> tuple[str, ...]:
    return tuple(spec.id for spec in workflow.documents if spec.required)


def _berlin(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return _berlin_day(day) + timedelta(seconds=hour * 3600 + minute * 60 + second)


class Player:
    """Moves one case (and the recognition case a § 81a case opens) step by step, like the service would."""

    def __init__(self, rng: random.Random, parties: Parties, today: date, workflows):
        self.rng = rng
        self.parties = parties
        self.today = today
        self.workflows = workflows

    # time ---------------------------------------------------------------------------------------------------

    def _stamp(self, case: SimCase, moment: datetime) -> datetime:
        """Events of one case are strictly ordered in time."""
        if case.now is not None and moment <= case.now:
            moment = case.now + timedelta(seconds=self.rng.randint(1, 90))
        case.now = moment
        return moment

    def _office_hours(self, case: SimCase, day: date) -> datetime:
        return self._stamp(case, _berlin(day, 7, 0, self.rng.randint(0, 9 * 3600)))

    # the audit trail ------------------------------------------------------------------------------------------

    def _event(self, case: SimCase, kind: str, actor, *, subject=None, from_state=None, to_state=None, reason="",
               basis="", data=None, at: datetime | None = None) -> None:
        event = SimEvent()
        event.seq = len(case.events) + 1
        event.occurred_at = self._stamp(case, at) if at is not None else self._stamp(
            case, case.now + timedelta(seconds=self.rng.randint(1, 20)))
        event.actor_id = actor.id
        event.actor_role = actor.role
        event.kind = str(kind)
        event.subject = subject
        event.from_state = from_state
        event.to_state = to_state
        event.reason = reason or ""
        event.basis = basis or ""
        event.data = _jsonable(data or {})
        case.events.append(event)

    # timers (timers.service.on_event and friends) -----------------------------------------------------------

    def _timers_on(self, case: SimCase, event_id: str, inputs: dict, day: date, actor) -> None:
        specs = _concerned(case.workflow, "accelerated" if case.accelerated else "standard", event_id)
        if not specs:
            return
        by_spec = {timer.timer_id: timer for timer in case.open_timers()}
        for spec in specs:
            timer = by_spec.get(spec.id)
            if timer is not None and event_id in spec.stops_on:
                late = timer.due_on is not None and day > timer.due_on
                timer.status = TimerStatus.MET.value
                timer.finished_on = day
                timer.warn_on = None
                for pause in timer.pauses:
                    if pause.ended_on is None and pause.until_on is None:
                        pause.ended_on = day
                self._event(case, EventKind.TIMER_MET, actor, subject=spec.id, basis=spec.basis,
                            data={"due_on": timer.due_on, "late": late})
                timer = None
            if timer is not None:
                for rule in spec.pauses:
                    if event_id in rule.resume_on and timer.open_pause() is not None:
                        timer.open_pause().ended_on = day
                        timer.status = TimerStatus.RUNNING.value
                        _recompute(timer, case)
                        self._event(case, EventKind.TIMER_RESUMED, actor, subject=spec.id, basis=spec.basis,
                                    data={"source": event_id, "due_on": timer.due_on})
                    if rule.on == event_id:
                        until = inputs.get(rule.until_input) if rule.until_input else None
                        if until is None and timer.open_pause() is not None:
                            continue
                        pause = SimPause()
                        pause.started_on, pause.until_on, pause.ended_on = day, until, None
                        pause.reason, pause.source = str(inputs.get("reason", "")), event_id
                        timer.pauses.append(pause)
                        if until is None:
                            timer.status = TimerStatus.PAUSED.value
                        _recompute(timer, case)
                        self._event(case, EventKind.TIMER_PAUSED, actor, subject=spec.id, reason=pause.reason,
                                    basis=spec.basis, data={"until_on": until, "source": event_id,
                                                            "due_on": timer.due_on})
            if timer is None and event_id in spec.starts_on:
                self._start_timer(case, spec, day, inputs, actor, event_id)

    def _start_timer(self, case: SimCase, spec, day: date, inputs: dict, actor, event_id: str) -> None:
        timer = SimTimer()
        timer.id = None
        timer.spec = spec
        timer.timer_id = spec.id
        timer.status = TimerStatus.RUNNING.value
        timer.started_on = day
        timer.started_by = event_id
        timer.fixed_due_on = inputs[spec.due_input] if spec.due_input else None
        timer.calendar = case.office["calendar"] if spec.calendar == "office" else spec.calendar
        timer.extension = None
        timer.finished_on = None
        timer.created_at = case.now
        timer.pauses = []
        timer.effects = []
        _recompute(timer, case)
        case.timers.append(timer)
        self._event(case, EventKind.TIMER_STARTED, actor, subject=spec.id, basis=spec.basis,
                    data={"due_on": timer.due_on, "started_on": day})

    # the deadline sweep, replayed -----------------------------------------------------------------------------

    def sweep_until(self, case: SimCase, last_day: date) -> None:
        """Everything the minute-by-minute sweep would have done up to ``last_day`` (inclusive), in order."""
        while True:
            due = None
            for timer in case.timers:
                if timer.status != TimerStatus.RUNNING.value:
                    continue
                if timer.due_on is not None and (due is None or timer.due_on + timedelta(days=1) < due[0]):
                    due = (timer.due_on + timedelta(days=1), 0, timer)
                if timer.warn_on is not None and (due is None or timer.warn_on < due[0]):
                    due = (timer.warn_on, 1, timer)
            if due is None or due[0] > last_day:
                return
            day, warning, timer = due
            moment = _berlin(day, 0, 1, self.rng.randint(0, 59))
            kind = TimerEffectKind.WARNING.value if warning else TimerEffectKind.FICTION.value \
                if timer.spec.on_expiry == "fiction" else TimerEffectKind.BREACH.value
            if any(effect[0] == kind and effect[1] == timer.due_on for effect in timer.effects):
                # the unique key stops a second effect for the same due date: the real sweep skips it
                if warning:
                    timer.warn_on = None
                    continue
                return
            if warning:
                timer.warn_on = None
                timer.effects.append((TimerEffectKind.WARNING.value, timer.due_on, self._stamp(case, moment)))
                self._event(case, EventKind.TIMER_WARNING, SYSTEM, subject=timer.timer_id,
                            data={"due_on": timer.due_on}, at=case.now)
                case.version += 1
            else:
                self._expire(case, timer, day, moment)

    def _expire(self, case: SimCase, timer: SimTimer, day: date, moment: datetime) -> None:
        spec = timer.spec
        fiction = spec.on_expiry == "fiction"
        timer.effects.append((TimerEffectKind.FICTION.value if fiction else TimerEffectKind.BREACH.value,
                              timer.due_on, self._stamp(case, moment)))
        timer.warn_on = None
        if fiction and self.transition(case, spec.fiction_transition, SYSTEM, day, {}, at=case.now, sweep=False,
                                       reason=f"Fristablauf am {timer.due_on.strftime('%d.%m.%Y')} ohne Antwort "
                                              f"({spec.basis})"):
            timer.status = TimerStatus.FIRED.value
            timer.finished_on = day
            return
        timer.status = TimerStatus.BREACHED.value
        self._event(case, EventKind.TIMER_BREACHED, SYSTEM, subject=timer.timer_id, basis=spec.basis,
                    data={"due_on": timer.due_on}, at=case.now)
        case.version += 1

    # steps a clerk takes (cases.service) -------------------------------------------------------------------------

    def _context(self, case: SimCase, day: date) -> GuardContext:
        child = case.child
        linked_outcome = child.outcome if child is not None and child.closed_at is not None \
            and clock.berlin_date(child.closed_at) < day else None
        return GuardContext(
            documents={document_id: row[0] for document_id, row in case.documents.items()},
            required_documents=_required_documents(case.workflow),
            linked_outcome=linked_outcome, linked_exists=child is not None, inputs={}, today=day)

    def transition(self, case: SimCase, transition_id: str, actor, day: date, raw_inputs: dict | None = None, *,
                   at: datetime | None = None, sweep: bool = True, reason: str = "") -> bool:
        """``cases.service.apply_transition``: refused steps are skipped (the case stays where it is)."""
        if sweep:
            self.sweep_until(case, day)
        workflow = case.workflow
        raw_inputs = {key: value for key, value in (raw_inputs or {}).items() if value not in (None, "")}
        decision = check_transition(workflow, transition_id, case.state, {actor.role}, raw_inputs,
                                    self._context(case, day))
        if not decision.allowed:
            return False
        transition = workflow.transitions[transition_id]
        inputs = decision.inputs
        from_state = case.state
        case.state = transition.target_from(from_state)
        target = workflow.state(case.state)
        moment = self._stamp(case, at) if at is not None else self._office_hours(case, day)
        if target.terminal:
            case.outcome = target.outcome
            case.closed_at = moment
        self._event(case, EventKind.TRANSITION, actor, subject=transition.id, from_state=from_state,
                    to_state=case.state, reason=str(inputs.get("reason") or reason), basis=transition.basis,
                    data={key: value for key, value in inputs.items() if key != "reason" and value is not None},
                    at=moment)
        if inputs.get("documents"):
            wanted = {item.strip() for item in str(inputs["documents"]).split(",")}
            due = inputs.get("due_date")
            for document_id, row in case.documents.items():
                if document_id in wanted:
                    row[0], row[2], row[3] = DocumentStatus.REQUESTED.value, due if isinstance(due, date) else None, \
                        case.now
        if "open_linked_recognition" in transition.effects:
            self._open_child(case, actor, inputs, day)
        self._timers_on(case, transition.id, inputs, day, actor)
        if target.terminal:
            for timer in case.open_timers():
                timer.status = TimerStatus.CANCELLED.value
                timer.finished_on = day
                timer.warn_on = None
        case.version += 1
        return True

    def documents(self, case: SimCase, actor, day: date, document_ids, status: str = "received",
                  reason: str = "") -> None:
        """``cases.service.set_document_status`` for each document."""
        self.sweep_until(case, day)
        self._office_hours(case, day)
        for document_id in document_ids:
            row = case.documents[document_id]
            row[0], row[1], row[3] = status, reason if status == DocumentStatus.REJECTED.value else "", case.now
            self._event(case, EventKind.DOCUMENT, actor, subject=document_id, reason=row[1], data={"status": status})
            case.version += 1

    def assign(self, case: SimCase, assignee: Actor, actor, day: date) -> None:
        self.sweep_until(case, day)
        self._office_hours(case, day)
        case.assignee = assignee
        self._event(case, EventKind.ASSIGNED, actor, data={"assignee_id": assignee.id, "assignee": assignee.name})
        case.version += 1

    def open(self, case: SimCase, actor, day: date) -> None:
        """``cases.service.open_case``: the opened event, then the timers that start on receipt."""
        case.opened_at = self._office_hours(case, day)
        workflow = case.workflow
        self._event(case, EventKind.OPENED, actor, to_state=case.state, basis=workflow.legal_basis,
                    data={"procedure": workflow.id, "version": workflow.version, "received_on": case.received_on,
                          "parent": None}, at=case.opened_at)
        self._timers_on(case, "opened", {}, case.received_on, actor)

    def _open_child(self, parent: SimCase, actor, inputs: dict, day: date) -> None:
        workflow = self.workflows.latest(inputs["procedure"])
        office = next(office for office in self.parties.offices.values() if office["id"] == inputs["recognition_office"])
        child = SimCase(workflow, office, parent.applicant, parent.employer_id,
                        (parent.profession, parent.reference_occupation), day, parent=parent)
        child.now = parent.now
        parent.child = child
        self.open(child, actor, day)

    # stories -------------------------------------------------------------------------------------------------

    def clerk(self, office) -> Actor:
        return self.rng.choice(office["clerks"])

    def play(self, procedure_id: str) -> list[SimCase]:
        """A new case of ``procedure_id`` with a random history up to today; returns it (and its linked case)."""
        rng = self.rng
        workflows = self.workflows
        if procedure_id == "skilled-worker-81a":
            office = self._pick_office("immigration_office")
            child_procedure = "recognition-bqfg" if rng.random() < 0.65 else "recognition-thuerbqfg"
            profession = rng.choice(PROFESSIONS[child_procedure])
            case = SimCase(workflows.latest(procedure_id), office, _applicant(rng), rng.choice(
                self.parties.employer_ids), profession, self._received_on(), None)
            self._story_81a(case, child_procedure)
            return [case] + ([case.child] if case.child is not None else [])
        office = self.parties.offices[rng.choice(DECIDING_OFFICES[procedure_id])] if procedure_id in DECIDING_OFFICES \
            else self._pick_office("recognition_body")
        employer = rng.choice(self.parties.employer_ids) if rng.random() < 0.45 else None
        case = SimCase(workflows.latest(procedure_id), office, _applicant(rng), employer,
                       rng.choice(PROFESSIONS.get(procedure_id, PROFESSIONS["recognition-bqfg"])), self._received_on())
        clerk = self.clerk(office)
        if rng.random() < 0.85:
            case.assignee = clerk
        opened_on = min(case.received_on + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3))),
                        self.today - timedelta(days=1))
        self.open(case, clerk, opened_on)
        self._story_recognition(case, opened_on, clerk)
        return [case]

    def _pick_office(self, kind: str):
        offices = [office for office in self.parties.offices.values() if office["kind"] == kind and office["weight"]]
        return self.rng.choices(offices, weights=[office["weight"] for office in offices])[0]

    def _received_on(self) -> date:
        # Most cases are recent, some go back two years (closed ones are the history of the queue).
        days = self.rng.randint(1, 150) if self.rng.random() < 0.7 else self.rng.randint(150, 600)
        return self.today - timedelta(days=days)

    def finish(self, case: SimCase) -> None:
        self.sweep_until(case, self.today)

    def _story_recognition(self, case: SimCase, day: date, clerk: Actor) -> None:
        """Receipt, missing documents, review, decision: BQFG §§ 5-7 and ThürBQFG; § 14a periods if accelerated."""
        rng = self.rng
        yesterday = self.today - timedelta(days=1)
        thuer = case.workflow.id == "recognition-thuerbqfg"
        fast = case.accelerated

        def later(low: int, high: int) -> date | None:
            nonlocal day
            day = day + timedelta(days=rng.randint(low, high))
            return day if day <= yesterday else None

        def act(transition_id: str, **inputs) -> bool:
            return self.transition(case, transition_id, clerk, day, {
                key: value.isoformat() if isinstance(value, date) else value for key, value in inputs.items()})

        if case.assignee is None and case.accelerated:
            if later(0, 3) is None:
                return
            self.assign(case, clerk, clerk, day)
            case.assignee = clerk
        if later(1, 8 if fast else 26) is None:
            return
        required = [document_id for document_id, row in case.documents.items() if row[5]]
        optional = [document_id for document_id, row in case.documents.items() if not row[5]]
        present = required + [document_id for document_id in optional if rng.random() < 0.5]
        missing = []
        if rng.random() < 0.55:
            missing = rng.sample(required, rng.randint(1, min(3, len(required))))
            present = [document_id for document_id in present if document_id not in missing]
        self.documents(case, clerk, day, present)
        if rng.random() < 0.03:
            act("withdraw", date=day)
            return
        if not missing:
            act("confirm_receipt_complete")
        else:
            act("confirm_receipt_incomplete", documents=", ".join(missing))
            if later(0, 6) is None:
                return
            deadline = day + timedelta(days=rng.choice((14, 21, 28, 28, 42)))
            act("request_missing_documents", due_date=deadline, documents=", ".join(missing))
            if later(5, 48) is None:
                return
            if rng.random() < 0.07:
                act("refuse", date=day, ground="non_cooperation",
                    reason="Trotz Hinweis auf die Folgen (§ 15(3)) wurden die Unterlagen nicht vorgelegt.")
                return
            self.documents(case, clerk, day, missing)
            if rng.random() < 0.5:
                act("record_documents_received")
                if later(1, 10) is None:
                    return
            act("confirm_documents_complete")
        if case.state != "in_review":
            return
        if rng.random() < 0.15:
            if later(7, 40) is None:
                return
            asked = rng.choice(("translations", "experience", "transcript"))
            act("request_documents", due_date=day + timedelta(days=rng.choice((14, 21, 28))), documents=asked)
            if later(7, 35) is None:
                return
            self.documents(case, clerk, day, [asked])
            act("record_requested_documents_received")
        elif rng.random() < 0.06:
            if later(7, 30) is None:
                return
            act("start_skills_analysis", method=rng.choice(("Fachgespräch", "Arbeitsprobe", "Probearbeit")))
            if later(20, 80) is None:
                return
            act("finish_skills_analysis")
        if later(15, 55 if fast else 95) is None:
            return
        outcome = rng.random()
        if outcome < 0.07:
            act("withdraw", date=day)
        elif outcome < 0.18:
            act("refuse", date=day, ground="no_equivalence",
                reason="Wesentliche Unterschiede, die nicht durch Berufserfahrung ausgeglichen werden.")
        elif outcome < (0.45 if thuer else 0.40):
            if not thuer:
                act("issue_deficit_notice", date=day,
                    differences="Gleichwertig bis auf: Fachpraxis Sicherheitstechnik, deutsches Normenwesen")
                return
            act("require_compensation", date=day, differences="Fachdidaktik und Schulrecht in Thüringen fehlen")
            if later(7, 40) is None:
                return
            aptitude = rng.random() < 0.55
            act("choose_aptitude_test" if aptitude else "choose_adaptation_period")
            if later(40, 170 if aptitude else 360) is None:
                return
            if rng.random() < 0.2:
                act("record_compensation_not_passed", note="Nicht bestanden; Wiederholung möglich")
                if later(10, 60) is None:
                    return
                act("close_without_compensation", reason="Keine Wiederholung beantragt")
                return
            act("complete_compensation", date=day)
            if later(3, 20) is None:
                return
            act("grant_full_equivalence", date=day)
        else:
            act("grant_full_equivalence", date=day)

    def _story_81a(self, case: SimCase, child_procedure: str) -> None:
        """Agreement, linked accelerated recognition, BA approval (or its fiction), pre-approval, visa, entry."""
        rng = self.rng
        yesterday = self.today - timedelta(days=1)
        clerk = self.clerk(case.office)
        case.assignee = clerk if rng.random() < 0.9 else None
        day = case.received_on

        def later(low: int, high: int) -> date | None:
            nonlocal day
            day = day + timedelta(days=rng.randint(low, high))
            return day if day <= yesterday else None

        def act(transition_id: str, **inputs) -> bool:
            return self.transition(case, transition_id, clerk, day, {
                key: value.isoformat() if isinstance(value, date) else value for key, value in inputs.items()})

        self.open(case, clerk, day)
        if later(2, 25) is None:
            return
        self.documents(case, clerk, day, ["passport", "power_of_attorney", "employment_contract", "diploma"])
        if rng.random() < 0.04:
            act("withdraw", date=day)
            return
        if later(1, 14) is None:
            return
        self.documents(case, clerk, day, ["agreement", "fee_receipt"])
        act("conclude_agreement", date=day, fee_paid_on=day - timedelta(days=rng.randint(0, 5)))
        if later(1, 10) is None:
            return
        body = self.parties.offices[rng.choice(DECIDING_OFFICES[child_procedure])]
        if not act("start_recognition", procedure=child_procedure, recognition_office=body["id"]):
            return
        child = case.child
        self._story_recognition(child, day, self.clerk(body))
        if rng.random() < 0.2:
            if later(3, 20) is None:
                return
            act("record_body_request", date=day, documents="Nachweise über Berufserfahrung")
            if later(0, 5) is None:
                return
            act("invite_employer", note="Erörterung mit dem Arbeitgeber vereinbart")
        if later(0, 6) is None:
            return
        if rng.random() < 0.12:
            act("record_ba_approval_not_required", reason="Zustimmungsfrei nach § 2(1) Nr. 3 BeschV")
        else:
            act("request_ba_approval")
            if later(1, 10) is None:
                return
            answer = rng.random()
            if answer < 0.55:
                act("record_ba_approval", date=day)
            elif answer < 0.67:
                act("record_ba_information_missing", missing="Angaben zur Vergütung und Arbeitszeit")
                if later(2, 12) is None:
                    return
                act("supply_ba_information")
                if later(1, 9) is None:
                    return
                act("record_ba_approval", date=day)
            elif answer < 0.70:
                act("record_ba_refusal", date=day, reason="Beschäftigung zu ungünstigeren Arbeitsbedingungen")
                return
            # else: the BA stays silent and its approval is deemed granted (§ 36(2) BeschV), done by the sweep
        if child.closed_at is None:
            return
        day = max(day, clock.berlin_date(child.closed_at))
        if later(1, 10) is None:
            return
        if child.outcome in ("positive", "partial"):
            if not act("issue_pre_approval", date=day):
                return
        else:
            act("close_recognition_failed")
            return
        if later(3, 25) is None:
            return
        act("request_visa_appointment", date=day)
        if later(5, 24) is None:
            return
        act("record_visa_application", date=day)
        if later(5, 25) is None:
            return
        if rng.random() < 0.06:
            act("record_visa_refused", date=day, reason="Zweifel an der Rückkehrbereitschaft nicht ausgeräumt")
            return
        act("record_visa_granted", date=day)
        if later(10, 70) is None:
            return
        act("record_entry", date=day)


def _applicant(rng: random.Random) -> tuple:
    nationality, given, family, language, _weight = rng.choices(APPLICANT_ORIGINS, weights=_ORIGIN_WEIGHTS)[0]
    born = date(1970, 1, 1) + timedelta(days=rng.randint(0, 365 * 35))
    given_name, family_name = rng.choice(given), rng.choice(family)
    email = f"{_slug(given_name)}.{_slug(family_name)}{rng.randint(1, 999)}@mail.{EMAIL_DOMAIN}"
    return (family_name, given_name, born, nationality, email, language)


_ORIGIN_WEIGHTS = [origin[-1] for origin in APPLICANT_ORIGINS]


def _slug(text: str) -> str:
    text = text.replace("ß", "ss").replace("ı", "i")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_text.lower() if char.isalnum() or char == "-")


# --- offices, staff, employers -----------------------------------------------------------------------------

def ensure_parties() -> Parties:
    """The offices, their clerks and team leads, and the employers seeded cases refer to; created if missing."""
    from werkzeug.security import generate_password_hash

    existing = {office.code: office for office in db.session.scalars(sa.select(Office))}
    for code, name, kind, calendar, city, _weight in OFFICES:
        if code not in existing:
            existing[code] = Office(code=code, name=name, kind=kind, calendar=calendar, city=city)
            db.session.add(existing[code])
    db.session.flush()
    emails = set(db.session.scalars(sa.select(User.email).where(User.email.like(f"%.{EMAIL_DOMAIN}"))))
    password_hash = None
    for index, (code, _name, kind, _calendar, _city, weight) in enumerate(OFFICES):
        clerk_role = Role.IMMIGRATION_CLERK if kind == OfficeKind.IMMIGRATION_OFFICE else Role.RECOGNITION_CLERK
        for number in range(max(3, 2 * weight) + 1):
            role = Role.TEAM_LEAD if number == 0 else clerk_role
            given = GERMAN_GIVEN[(index * 7 + number * 3) % len(GERMAN_GIVEN)]
            family = GERMAN_FAMILY[(index * 5 + number * 11) % len(GERMAN_FAMILY)]
            email = f"{_slug(given)}.{_slug(family)}@{code.lower()}.{EMAIL_DOMAIN}"
            if email in emails:
                continue
            password_hash = password_hash or generate_password_hash(SEED_PASSWORD)
            db.session.add(User(email=email, name=f"{given} {family}", role=role, office=existing[code],
                                password_hash=password_hash, created_at=clock.now()))
            emails.add(email)
    employer_names = set(db.session.scalars(sa.select(Employer.name).where(
        Employer.contact_email.like(f"%.{EMAIL_DOMAIN}"))))
    for number in range(EMPLOYER_COUNT):
        family = GERMAN_FAMILY[number % len(GERMAN_FAMILY)]
        kind = EMPLOYER_KINDS[(number // len(GERMAN_FAMILY) * 3 + number) % len(EMPLOYER_KINDS)]
        city = CITIES[number % len(CITIES)]
        name = f"{family} {kind}" if number < 120 else f"Klinikum {city} gGmbH" if number % 2 else \
            f"Kita-Verbund {city} e. V."
        if name in employer_names:
            continue
        db.session.add(Employer(name=name, city=city, contact_email=f"personal@employer{number}.{EMAIL_DOMAIN}"))
        employer_names.add(name)
    db.session.commit()

    weights = {code: weight for code, *_rest, weight in OFFICES}
    offices = {}
    staff = db.session.scalars(sa.select(User).where(User.office_id.is_not(None), User.active)
                               .order_by(User.id)).all()
    for code, office in existing.items():
        members = [user for user in staff if user.office_id == office.id]
        clerks = [Actor(user.id, user.role, user.name) for user in members
                  if user.role in (Role.IMMIGRATION_CLERK, Role.RECOGNITION_CLERK)]
        leads = [Actor(user.id, user.role, user.name) for user in members if user.role == Role.TEAM_LEAD]
        offices[code] = {"id": office.id, "code": code, "kind": office.kind, "calendar": office.calendar,
                         "clerks": clerks or leads, "weight": weights.get(code, 0)}
    employer_ids = list(db.session.scalars(sa.select(Employer.id).order_by(Employer.id)))
    return Parties({code: office for code, office in offices.items() if office["clerks"]}, employer_ids)


# --- writing ---------------------------------------------------------------------------------------------------

def _reserve_ids(connection, table: sa.Table, count: int) -> list[int]:
    """Primary keys for rows inserted with explicit ids (the events' hashes need the case ids beforehand)."""
    if connection.dialect.name == "postgresql":
        sequence = connection.scalar(sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name})
        return list(connection.scalars(sa.text("SELECT nextval(:sequence) FROM generate_series(1, :count)"),
                                       {"sequence": sequence, "count": count}))
    first = (connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))


def reserve_references(engine, wanted: Counter) -> dict[tuple[str, int], int]:
    """Take ``wanted[(prefix, year)]`` running numbers from the ReferenceCounter rows (the ones
    ``cases.service.next_reference`` counts with), in a short transaction of its own; returns the first number of
    each block. The UPDATE takes the row lock, so concurrent clerks and seeders get disjoint numbers."""
    table = ReferenceCounter.__table__
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    first = {}
    with engine.begin() as connection:
        for (prefix, year), count in sorted(wanted.items()):
            connection.execute(insert(table).values(prefix=prefix, year=year, last_number=0)
                               .on_conflict_do_nothing(index_elements=["prefix", "year"]))
            last = connection.scalar(table.update().where(table.c.prefix == prefix, table.c.year == year)
                                     .values(last_number=table.c.last_number + count)
                                     .returning(table.c.last_number))
            first[(prefix, year)] = last - count + 1
    return first


COLUMNS = {
    "persons": ("id", "family_name", "given_names", "date_of_birth", "nationality", "email", "phone",
                "preferred_language"),
    "cases": ("id", "reference", "procedure_id", "procedure_version", "state", "outcome", "accelerated",
              "applicant_id", "employer_id", "advisor_id", "office_id", "assignee_id", "parent_id", "profession",
              "reference_occupation", "received_on", "opened_at", "updated_at", "closed_at", "next_due_on", "breached",
              "audit_head", "version"),
    "case_documents": ("case_id", "document_id", "position", "required", "status", "reason", "requested_until",
                       "updated_at"),
    "timers": ("id", "case_id", "timer_id", "status", "started_on", "started_by", "fixed_due_on", "calendar",
               "extension", "extension_reason", "due_on", "warn_on", "finished_on", "created_at"),
    "timer_pauses": ("timer_pk", "started_on", "until_on", "ended_on", "reason", "source"),
    "timer_effects": ("timer_pk", "kind", "due_on", "created_at"),
    "events": ("case_id", "seq", "occurred_at", "actor_id", "actor_role", "kind", "subject", "from_state",
               "to_state", "reason", "basis", "data", "prev_hash", "hash"),
}
#: Parents before children: the insert order follows the foreign keys.
TABLES = {"persons": Person.__table__, "cases": Case.__table__, "case_documents": CaseDocument.__table__,
          "timers": Timer.__table__, "timer_pauses": TimerPause.__table__, "timer_effects": TimerEffect.__table__,
          "events": Event.__table__}


def build_rows(engine, cases: list[SimCase]) -> dict[str, list[tuple]]:
    """Reference numbers and primary keys for the played cases, their audit chains hashed, and one row tuple per
    row to insert (in ``COLUMNS`` order)."""
    wanted = Counter((case.workflow.reference_prefix, case.received_on.year) for case in cases)
    numbers = reserve_references(engine, wanted)
    for case in cases:
        key = (case.workflow.reference_prefix, case.received_on.year)
        case.reference = f"{key[0]}-{key[1]}-{numbers[key]:06d}"
        numbers[key] += 1
    timers = [timer for case in cases for timer in case.timers]
    roots = [case for case in cases if case.parent is None]
    with engine.begin() as connection:
        person_ids = _reserve_ids(connection, Person.__table__, len(roots))
        case_ids = _reserve_ids(connection, Case.__table__, len(cases))
        timer_ids = _reserve_ids(connection, Timer.__table__, len(timers))
    for timer, timer_id in zip(timers, timer_ids):
        timer.id = timer_id
    for case, case_id in zip(cases, case_ids):
        case.id = case_id
    persons = []
    for case, person_id in zip(roots, person_ids):
        family, given, born, nationality, email, language = case.applicant
        persons.append((person_id, family, given, born, nationality, email, "", language))
        case.applicant = person_id
    as_text = engine.dialect.name == "postgresql"  # COPY takes the JSON as text; SQLAlchemy wants the dict
    dumps = json.dumps
    rows = {"persons": persons, "cases": [], "case_documents": [], "timers": [], "timer_pauses": [],
            "timer_effects": [], "events": []}
    case_rows, document_rows, timer_rows = rows["cases"], rows["case_documents"], rows["timers"]
    pause_rows, effect_rows, event_rows = rows["timer_pauses"], rows["timer_effects"], rows["events"]
    breached = TimerStatus.BREACHED.value
    for case in cases:
        if case.parent is not None:
            case.applicant = case.parent.applicant
            case.events[0].data["parent"] = case.parent.reference
        head = GENESIS
        case_id = case.id
        for event in case.events:
            event.case_id = case_id
            event.prev_hash = head
            head = event.hash = event_hash(event)
            event_rows.append((case_id, event.seq, event.occurred_at, event.actor_id, event.actor_role, event.kind,
                               event.subject, event.from_state, event.to_state, event.reason, event.basis,
                               dumps(event.data) if as_text else event.data, event.prev_hash, head))
        open_due = [timer for timer in case.open_timers() if timer.due_on is not None]
        case_rows.append((
            case_id, case.reference, case.workflow.id, case.workflow.version, case.state, case.outcome,
            case.accelerated, case.applicant, case.employer_id, None, case.office["id"],
            case.assignee.id if case.assignee else None, case.parent.id if case.parent is not None else None,
            case.profession, case.reference_occupation, case.received_on, case.opened_at,
            case.events[-1].occurred_at, case.closed_at,
            # what timers.service.refresh_summary computes
            min((timer.due_on for timer in open_due), default=None),
            any(timer.status == breached for timer in open_due),
            head, case.version))
        for document_id, (status, reason, until, updated_at, position, required) in case.documents.items():
            document_rows.append((case_id, document_id, position, required, status, reason, until,
                                  updated_at or case.opened_at))
        for timer in case.timers:
            timer_rows.append((timer.id, case_id, timer.timer_id, timer.status, timer.started_on, timer.started_by,
                               timer.fixed_due_on, timer.calendar, None, "", timer.due_on, timer.warn_on,
                               timer.finished_on, timer.created_at))
            for pause in timer.pauses:
                pause_rows.append((timer.id, pause.started_on, pause.until_on, pause.ended_on, pause.reason,
                                   pause.source))
            for kind, due_on, created_at in timer.effects:
                effect_rows.append((timer.id, kind, due_on, created_at))
    return rows


def insert_rows(engine, rows: dict[str, list[tuple]]) -> None:
    """One transaction: COPY on PostgreSQL, executemany elsewhere."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Synthetic data: a crash may lose the last batches, so the commit need not wait for the disk.
            connection.execute(sa.text("SET LOCAL synchronous_commit = off"))
            raw = connection.connection.dbapi_connection
            with raw.cursor() as cursor:
                for name, table_rows in rows.items():
                    if not table_rows:
                        continue
                    with cursor.copy(f"COPY {name} ({', '.join(COLUMNS[name])}) FROM STDIN") as copy:
                        for row in table_rows:
                            copy.write_row(row)
            return
        for name, table_rows in rows.items():
            if table_rows:
                columns = COLUMNS[name]
                connection.execute(TABLES[name].insert(), [dict(zip(columns, row)) for row in table_rows])


class _Writer:
    """Inserts batches in a thread on PostgreSQL, so the next batch is played while the server stores this one."""

    def __init__(self, engine):
        self.engine = engine
        self.threaded = engine.dialect.name == "postgresql"
        self.error: BaseException | None = None
        if self.threaded:
            self.queue: queue.Queue = queue.Queue(maxsize=1)
            self.thread = threading.Thread(target=self._run, name="seed-writer", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            rows, done = item
            try:
                if self.error is None:
                    insert_rows(self.engine, rows)
                    done()
            except BaseException as error:  # handed to the main thread
                self.error = error

    def submit(self, rows, done) -> None:
        self._raise()
        if self.threaded:
            self.queue.put((rows, done))
        else:
            insert_rows(self.engine, rows)
            done()

    def close(self) -> None:
        if self.threaded:
            self.queue.put(None)
            self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error


class FastRandom(random.Random):
    """The stdlib's integer draws are exact but slow; these are uniform enough for test data."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


def seed_cases(count: int, *, batch_size: int = 2000, seed: int | None = None, today: date | None = None,
               progress=None, workers: int = 1) -> SeedResult:
    """Create ``count`` cases (a § 81a case and the recognition case it opened count as two).

    ``workers`` > 1 (PostgreSQL only) splits the work over that many forked processes, each with its own
    connection: playing and hashing cases is CPU work in Python, so one process cannot keep a server busy."""
    today = today or clock.today()
    started = time.perf_counter()
    parties = ensure_parties()
    engine = db.engine
    if workers > 1 and engine.dialect.name == "postgresql" and count >= 2 * batch_size:
        result = _seed_in_processes(count, workers, batch_size, seed, today, parties, progress)
    else:
        result = _seed(count, batch_size, seed, today, parties, progress)
    if engine.dialect.name == "postgresql":
        # Fresh statistics for the planner; cases and timers also get their visibility map (index-only scans for
        # the queue's count and the sweep), as autovacuum would give them some time after a bulk load.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in TABLES:
                connection.execute(sa.text(f"{'VACUUM (ANALYZE)' if table in ('cases', 'timers') else 'ANALYZE'} "
                                           f"{table}"))
    result.seconds = time.perf_counter() - started
    return result


def _seed(count: int, batch_size: int, seed: int | None, today: date, parties: Parties, progress) -> SeedResult:
    from tracker.registry import registry

    rng = FastRandom(seed)
    engine = db.engine
    player = Player(rng, parties, today, registry())
    procedures = [procedure for procedure, _weight in PROCEDURE_MIX]
    weights = [weight for _procedure, weight in PROCEDURE_MIX]
    result = SeedResult()
    writer = _Writer(engine)
    try:
        planned = 0
        while planned < count:
            wanted = min(batch_size, count - planned)
            batch: list[SimCase] = []
            while len(batch) < wanted:
                procedure = rng.choices(procedures, weights=weights)[0]
                if wanted - len(batch) < 2 and procedure == "skilled-worker-81a":
                    procedure = "recognition-bqfg"
                played = player.play(procedure)
                for case in played:
                    player.finish(case)
                batch += played
            planned += len(batch)
            rows = build_rows(engine, batch)

            def done(size=len(batch), events=len(rows["events"]), timers=len(rows["timers"])):
                result.cases += size
                result.events += events
                result.timers += timers
                if progress is not None:
                    progress(size)

            writer.submit(rows, done)
    finally:
        writer.close()
    return result


def _seed_in_processes(count: int, workers: int, batch_size: int, seed: int | None, today: date,
                       parties: Parties, progress) -> SeedResult:
    import multiprocessing

    context = multiprocessing.get_context("fork")  # the children inherit the app, its registry and the parties
    totals = context.Array("q", 3)  # cases, events, timers written
    shares = [count // workers + (1 if index < count % workers else 0) for index in range(workers)]
    db.session.remove()

    def work(index: int, share: int) -> None:
        db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's

        def tally(size: int, events: int = 0, timers: int = 0) -> None:
            with totals.get_lock():
                totals[0] += size

        result = _seed(share, batch_size, None if seed is None else seed + index, today, parties, tally)
        with totals.get_lock():
            totals[1] += result.events
            totals[2] += result.timers

    processes = [context.Process(target=work, args=(index, share), name=f"seed-{index}")
                 for index, share in enumerate(shares) if share]
    for process in processes:
        process.start()
    reported = 0
    while any(process.is_alive() for process in processes):
        time.sleep(0.2)
        if progress is not None and totals[0] > reported:
            progress(totals[0] - reported)
            reported = totals[0]
    for process in processes:
        process.join()
    if progress is not None and totals[0] > reported:
        progress(totals[0] - reported)
    failed = [process.name for process in processes if process.exitcode != 0]
    if failed:
        raise RuntimeError(f"seeding failed in {', '.join(failed)} after {totals[0]} cases")
    return SeedResult(cases=totals[0], events=totals[1], timers=totals[2])


@click.command("seed")
@click.option("--cases", "count", type=click.IntRange(min=1), required=True, help="How many cases to create.")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Cases per transaction.")
@click.option("--random-seed", type=int, default=None, help="Same number, same data (on an empty database, with "
              "the same number of workers).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes seeding in parallel on PostgreSQL (default: one per CPU; SQLite always uses one).")
@with_appcontext
def seed_command(count: int, batch_size: int, random_seed: int | None, workers: int | None):
    """Create N realistic synthetic cases with timers and history (for load tests; never on production data)."""
    workers = workers or os.cpu_count() or 1
    with click.progressbar(length=count, label="Seeding cases", show_pos=True, show_eta=True) as bar:
        result = seed_cases(count, batch_size=batch_size, seed=random_seed, progress=bar.update, workers=workers)
    click.echo(f"{result.cases} cases, {result.timers} timers, {result.events} events in {result.seconds:.1f} s "
               f"({result.rate:.0f} cases/s)")
