"""Play a case history ("story") through the real service verbs on simulated days.

A story is a list of dated steps (open a case, mark documents, apply a transition, extend/pause/resume a timer …).
``read_story`` validates it without touching a database, raising ``StoryError`` with one line that names the step;
``play`` then needs an app context on a throw-away database: it moves the app's one clock (``tracker.clock``) day by
day from the first step's day to ``until``, runs the deadline sweep every simulated morning before that day's steps
(as the cron job would), and applies each step through the verbs the web UI calls. Refusals are data, not errors.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import yaml
from sqlalchemy import select

from tracker import clock
from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.models import Case
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.parties.models import Employer, Office, Person
from tracker.procedures.vocabulary import (
    CalendarName,
    DocumentStatus,
    OfficeKind,
    Role,
    TimerStatus,
)
from tracker.registry import registry, workflow_of
from tracker.timers.models import Timer, TimerEffect, TimerEffectKind
from tracker.timers.service import case_timers, deadline_of, start_label


class StoryError(Exception):
    """The story file is invalid; the message is one line naming the step or key."""


ACTIONS = {  # step kind -> (required keys, optional keys); `snapshot` takes a name, not a mapping
    "open": ({"case", "procedure"}, {"office", "received_on", "employer", "profession", "occupation",
                                     "training_country", "nationality"}),
    "documents": ({"case", "status", "items"}, {"received_on", "reason"}),
    "do": ({"case", "transition"}, {"inputs", "as"}),
    "extend": ({"case", "timer"}, {"period", "until", "reason"}),
    "pause": ({"case", "timer"}, {"reason", "effective_on"}),
    "resume": ({"case", "timer"}, {"reason", "effective_on"}),
    "linked": ({"case", "of"}, set()),
    "snapshot": (set(), set()),
}
DEFAULT_OFFICES = [{"code": "IHK", "kind": OfficeKind.RECOGNITION_BODY, "calendar": CalendarName.TH},
                   {"code": "ABH", "kind": OfficeKind.IMMIGRATION_OFFICE, "calendar": CalendarName.TH}]
#: The clerk role that does an office's everyday work.
CLERK_OF = {OfficeKind.RECOGNITION_BODY: Role.RECOGNITION_CLERK, OfficeKind.IMMIGRATION_OFFICE: Role.IMMIGRATION_CLERK}


@dataclass
class StoryStep:
    index: int
    day: date
    kind: str
    args: dict | str


@dataclass
class Story:
    until: date
    offices: list[dict]
    employers: list[dict]
    steps: list[StoryStep] = field(default_factory=list)


def _date(value, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise StoryError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _fact_on(args: dict) -> date | None:
    """A pause's or resumption's date of the fact (``effective_on``), if the step gives one."""
    return _date(args["effective_on"], "effective_on") if args.get("effective_on") else None


def _only(mapping, allowed: set[str], required: set[str], where: str) -> None:
    if not isinstance(mapping, dict):
        raise StoryError(f"{where}: must be a mapping")
    unknown = sorted(set(map(str, mapping)) - allowed)
    if unknown:
        raise StoryError(f"{where}: unknown key {unknown[0]!r}")
    missing = sorted(required - set(mapping))
    if missing:
        raise StoryError(f"{where}: required key {missing[0]!r} missing")


def read_story(text: str) -> Story:
    """Parse and validate a story (YAML text)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise StoryError(f"not valid YAML: {' '.join(str(error).split())}") from None
    _only(data, {"until", "offices", "employers", "steps"}, {"until", "steps"}, "story")
    until = _date(data["until"], "until")
    offices = data.get("offices") or DEFAULT_OFFICES
    if not isinstance(offices, list):
        raise StoryError("offices: must be a list")
    for i, office in enumerate(offices):
        _only(office, {"code", "kind", "calendar", "name"}, {"code", "kind"}, f"offices[{i}]")
        if office["kind"] not in tuple(OfficeKind):
            raise StoryError(f"offices[{i}].kind: {office['kind']!r} is not one of: {', '.join(OfficeKind)}")
        if office.get("calendar", CalendarName.TH) not in tuple(CalendarName):
            raise StoryError(f"offices[{i}].calendar: {office['calendar']!r} is not one of: {', '.join(CalendarName)}")
    employers = data.get("employers") or []
    if not isinstance(employers, list):
        raise StoryError("employers: must be a list")
    for i, employer in enumerate(employers):
        _only(employer, {"key", "name"}, {"key"}, f"employers[{i}]")
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise StoryError("steps: must be a non-empty list")
    story = Story(until, offices, employers)
    previous = None
    for i, raw in enumerate(steps):
        where = f"step {i}"
        if not isinstance(raw, dict):
            raise StoryError(f"{where}: must be a mapping")
        unknown = sorted(str(key) for key in raw if key != "day" and key not in ACTIONS)
        if unknown:
            raise StoryError(f"{where}: unknown key {unknown[0]!r}")
        if "day" not in raw:
            raise StoryError(f"{where}: required key 'day' missing")
        kinds = [key for key in raw if key in ACTIONS]
        if len(kinds) != 1:
            raise StoryError(f"{where}: needs exactly one of {', '.join(ACTIONS)}")
        kind = kinds[0]
        day = _date(raw["day"], f"{where}.day")
        if previous and day < previous:
            raise StoryError(f"{where}.day: {day} is before the previous step's day {previous}")
        if day > until:
            raise StoryError(f"{where}.day: {day} is after until {until}")
        previous = day
        args = raw[kind]
        if kind == "snapshot":
            if not isinstance(args, str) or not args.strip():
                raise StoryError(f"{where}.snapshot: must be a name")
        else:
            required, optional = ACTIONS[kind]
            _only(args, required | optional, required, f"{where}.{kind}")
            if kind == "do" and "inputs" in args and not isinstance(args["inputs"], dict):
                raise StoryError(f"{where}.do.inputs: must be a mapping")
            if kind == "do" and "as" in args and args["as"] not in tuple(Role.people()):
                raise StoryError(f"{where}.do.as: {args['as']!r} is not a role")
            if kind == "documents":
                if args["status"] not in tuple(DocumentStatus):
                    raise StoryError(f"{where}.documents.status: {args['status']!r} is not one of: "
                                     f"{', '.join(DocumentStatus)}")
                if args["items"] != "required" and not isinstance(args["items"], list):
                    raise StoryError(f"{where}.documents.items: must be a list of ids or 'required'")
            for key in ("received_on", "until"):
                if key in args:
                    _date(args[key], f"{where}.{kind}.{key}")
        story.steps.append(StoryStep(i, day, kind, args))
    return story


class Refused(Exception):
    def __init__(self, codes: list[str], message: str):
        super().__init__(message)
        self.codes, self.message = codes, message


class _Player:
    def __init__(self, story: Story, explain: bool, lang: str):
        self.story, self.explain, self.lang = story, explain, lang
        self.cases: dict[str, int] = {}
        self.offices: dict[str, Office] = {}
        self.employers: dict[str, Employer] = {}
        self.users: dict[tuple, User] = {}

    # --- set-up ----------------------------------------------------------------------------------------------
    def set_up(self) -> None:
        for office in self.story.offices:
            self.offices[office["code"]] = Office(code=office["code"], name=office.get("name") or office["code"],
                                                  kind=office["kind"],
                                                  calendar=office.get("calendar", CalendarName.TH))
        for employer in self.story.employers:
            self.employers[employer["key"]] = Employer(name=employer.get("name") or employer["key"])
        db.session.add_all([*self.offices.values(), *self.employers.values()])
        db.session.commit()

    def user(self, role: str, office: Office | None = None, employer: Employer | None = None) -> User:
        key = (role, office.id if office else None, employer.id if employer else None)
        if key not in self.users:
            user = User(email=f"{role}.{len(self.users)}@simulation.invalid", name=f"{role} ({len(self.users)})",
                        role=role, office=office if Role(role).is_staff else None, employer=employer,
                        password_hash="!")  # cannot log in
            db.session.add(user)
            db.session.flush()
            self.users[key] = user
        return self.users[key]

    def clerk(self, case: Case, roles=None) -> User:
        """A clerk of the case's office with a role the transition allows (the office's clerk role first)."""
        own = CLERK_OF[OfficeKind(case.office.kind)]
        role = own if roles is None or own in roles else next(
            (r for r in (Role.TEAM_LEAD, *sorted(roles)) if r in (roles or ()) and Role(r).is_staff), own)
        return self.user(role, case.office)

    def case(self, name: str) -> Case:
        if name not in self.cases:
            raise Refused(["unknown_case"], f"no case named {name!r}")
        return db.session.get(Case, self.cases[name])

    # --- the story ---------------------------------------------------------------------------------------------
    def play(self) -> dict:
        self.set_up()
        results, snapshots = [], {}
        steps = list(self.story.steps)
        day = steps[0].day
        while day <= self.story.until:
            clock.travel_to(day)
            sweep()  # the morning run, before the day's steps
            while steps and steps[0].day == day:
                step = steps.pop(0)
                if step.kind == "snapshot":
                    snapshots[step.args] = {"day": day.isoformat(), "cases": self.report_cases()}
                    results.append({"index": step.index, "day": day.isoformat(), "result": "ok"})
                    continue
                results.append(self.run(step))
            day += timedelta(days=1)
        db.session.expire_all()
        return {"until": self.story.until.isoformat(), "steps": results, "cases": self.report_cases(),
                "snapshots": snapshots}

    def run(self, step: StoryStep) -> dict:
        result = {"index": step.index, "day": step.day.isoformat()}
        try:
            getattr(self, f"step_{step.kind}")(step.args)
            db.session.commit()
        except Refused as refusal:
            db.session.rollback()
            return {**result, "result": "refused", "codes": refusal.codes, "message": refusal.message}
        except service.CaseError as error:
            db.session.rollback()
            codes = [refusal.code for refusal in error.refusals] or [_code_of(error)]
            return {**result, "result": "refused", "codes": codes, "message": error.text(self.lang)}
        return {**result, "result": "ok"}

    def step_open(self, args: dict) -> None:
        name = str(args["case"])
        if name in self.cases:
            raise Refused(["duplicate_case"], f"a case named {name!r} exists already")
        try:
            workflow = registry().latest(args["procedure"])
        except KeyError:
            raise Refused(["unknown_procedure"], f"no procedure {args['procedure']!r}") from None
        code = args.get("office") or next((o.code for o in self.offices.values() if o.kind == workflow.office_kind),
                                          None)
        office = self.offices.get(code)
        if office is None:
            raise Refused(["unknown_office"], f"no office {code!r}")
        employer = None
        if args.get("employer") is not None:
            employer = self.employers.get(args["employer"])
            if employer is None:
                raise Refused(["unknown_employer"], f"no employer {args['employer']!r}")
        applicant = Person(given_names="Sim", family_name=f"Applicant {name}",
                           nationality=str(args.get("nationality", "")))
        db.session.add(applicant)
        actor = self.user(CLERK_OF[OfficeKind(office.kind)], office)
        received_on = _date(args["received_on"], "received_on") if args.get("received_on") else None
        case = service.open_case(procedure_id=workflow.id, applicant=applicant, office=office, actor=actor,
                                 employer=employer, received_on=received_on, profession=args.get("profession", ""),
                                 reference_occupation=str(args.get("occupation", "")),
                                 training_country=str(args.get("training_country", "")))
        db.session.flush()
        self.cases[name] = case.id

    def step_documents(self, args: dict) -> None:
        case = self.case(str(args["case"]))
        items = args["items"]
        if items == "required":
            items = [document.document_id for document in case.documents if document.required]
        extra = {"received_on": _date(args["received_on"], "received_on")} if args.get("received_on") else {}
        for item in items:
            service.set_document_status(case, str(item), args["status"], self.clerk(case),
                                        reason=str(args.get("reason", "")), **extra)

    def step_do(self, args: dict) -> None:
        case = self.case(str(args["case"]))
        transition = workflow_of(case).transitions.get(args["transition"])
        inputs = {}
        for key, value in (args.get("inputs") or {}).items():
            spec = transition.input(key) if transition else None
            if spec is not None and spec.type == "office":
                office = self.offices.get(str(value))
                value = office.id if office else "unknown"
            elif isinstance(value, date):
                value = value.isoformat()
            inputs[key] = "" if value is None else str(value)
        if args.get("as"):
            role = args["as"]
            actor = self.user(role, case.office, case.employer if role == Role.EMPLOYER else None) \
                if role != Role.EMPLOYER else self.user(role, None, case.employer)
        else:
            actor = self.clerk(case, transition.roles if transition else None)
        service.apply_transition(case, args["transition"], actor, inputs)

    def _timer(self, case: Case, timer_id: str) -> Timer:
        timers = [timer for timer in case_timers(case) if timer.timer_id == timer_id]
        if not timers:
            raise Refused(["unknown_timer"], f"case has no timer {timer_id!r}")
        open_ones = [timer for timer in timers if timer.is_open]
        return (open_ones or timers)[-1]

    def step_extend(self, args: dict) -> None:
        case = self.case(str(args["case"]))
        timer = self._timer(case, args["timer"])
        extra = {"until": _date(args["until"], "until")} if args.get("until") else {}
        service.extend_timer(case, timer.id, self.clerk(case), str(args.get("period") or ""),
                             str(args.get("reason", "")), **extra)

    def step_pause(self, args: dict) -> None:
        case = self.case(str(args["case"]))
        service.pause_timer(case, self._timer(case, args["timer"]).id, self.clerk(case), str(args.get("reason", "")),
                            on=_fact_on(args))

    def step_resume(self, args: dict) -> None:
        case = self.case(str(args["case"]))
        service.resume_timer(case, self._timer(case, args["timer"]).id, self.clerk(case),
                             str(args.get("reason", "")), on=_fact_on(args))

    def step_linked(self, args: dict) -> None:
        parent = self.case(str(args["of"]))
        if not parent.children:
            raise Refused(["no_linked_case"], f"case {args['of']!r} has no linked case")
        name = str(args["case"])
        if name in self.cases:
            raise Refused(["duplicate_case"], f"a case named {name!r} exists already")
        self.cases[name] = max(child.id for child in parent.children)

    # --- reports -----------------------------------------------------------------------------------------------
    def report_cases(self) -> dict:
        return {name: self.report_case(db.session.get(Case, case_id)) for name, case_id in self.cases.items()}

    def report_case(self, case: Case) -> dict:
        workflow = workflow_of(case)
        timers = case_timers(case)
        warned = set(db.session.scalars(select(TimerEffect.timer_pk).where(
            TimerEffect.timer_pk.in_([t.id for t in timers]), TimerEffect.kind == TimerEffectKind.WARNING)))
        reported = []
        for timer in timers:
            spec = workflow.timers[timer.timer_id]
            status = judge(timer)
            entry = {"timer": timer.timer_id, "status": status, "kind": spec.kind, "basis": spec.basis,
                     "started_on": _iso(timer.started_on), "due_on": _iso(timer.due_on),
                     "ended_on": _iso(timer.finished_on), "breached": status in ("met_late", "expired"),
                     "warned": timer.id in warned}
            if self.explain:
                deadline = deadline_of(timer, spec, clock.today(), start_label(workflow, timer, self.lang))
                entry["explain"] = deadline.explain(self.lang) if deadline else []
            reported.append(entry)
        return {"reference": case.reference, "procedure": case.procedure_id, "version": case.procedure_version,
                "accelerated": case.accelerated, "state": case.state, "outcome": case.outcome, "timers": reported}


def judge(timer: Timer) -> str:
    """The final judgement of a timer: running, paused, met, met_late, expired, cancelled or fiction."""
    status = TimerStatus(timer.status)
    late = timer.due_on is not None and timer.finished_on is not None and timer.finished_on > timer.due_on
    if status is TimerStatus.MET:
        return "met_late" if late else "met"
    if status is TimerStatus.FIRED:
        return "fiction"
    if status is TimerStatus.BREACHED:
        return "expired"
    if status is TimerStatus.CANCELLED:
        # Nothing is owed any more; but a period that had run out before the end was not kept.
        return "expired" if late else "cancelled"
    return str(status)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _code_of(error: service.CaseError) -> str:
    if isinstance(error, service.AccessDenied):
        return "access_denied"
    if isinstance(error, service.ConflictError):
        return "conflict"
    return "refused"


def play(story: Story, *, explain: bool = False, lang: str = "de") -> dict:
    """Play ``story`` on the database of the current app context (it must be a fresh, throw-away one)."""
    try:
        return _Player(story, explain, lang).play()
    finally:
        clock.resume()
