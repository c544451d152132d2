"""Load workflows/*.yaml into Workflow values, validating structure (JSON Schema) and meaning (hand-written checks).

Every problem becomes one message naming file and key (`recognition-bqfg.yaml: transitions[3].to: unknown state
'decidd'`); all files are checked before DefinitionError is raised, so one `workflows check` run lists everything.
"""
from __future__ import annotations

import re
from collections import deque
from pathlib import Path

import jsonschema
import yaml

from . import definition as d
from .deadlines import parse_period
from .guards import GUARDS
from .vocabulary import Role


class DefinitionError(Exception):
    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "x-message": "must be lowercase letters, digits and _"}
_VALUE = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$",
          "x-message": "must be lowercase letters, digits, _ and -"}
_TEXT = {"type": "string", "pattern": r"\S", "x-message": "must not be empty"}
_LOCAL = {"type": "object", "required": ["de", "en"], "additionalProperties": False,
          "properties": {"de": _TEXT, "en": _TEXT}}
_IDS = {"type": ["string", "array"], "items": _ID, "minItems": 1}
_PARTY = {"enum": list(d.RESPONSIBLE_PARTIES)}


def _obj(required, /, **properties):
    return {"type": "object", "required": list(required), "additionalProperties": False, "properties": properties}


_INPUT = _obj(["name", "type", "label"], name=_ID, type={"enum": list(d.INPUT_TYPES)}, required={"type": "boolean"},
              label=_LOCAL, choices={"type": "array", "items": _obj(["value", "label"], value=_VALUE, label=_LOCAL)})
_PAUSE = _obj(["on"], on=_ID, until=_ID, resume_on={"type": "array", "items": _ID, "minItems": 1},
              unless=_obj(["input", "value"], input=_ID, value=_VALUE))
_TIMER = _obj(
    ["id", "name", "basis", "kind", "owed_by", "starts_on", "stops_on", "on_expiry"],
    id=_ID, name=_LOCAL, basis=_TEXT, kind={"enum": list(d.TIMER_KINDS)},
    period={"type": "string"}, working_days={"type": "integer", "minimum": 1}, due_input=_ID,
    owed_by=_PARTY, calendar={"enum": list(d.CALENDARS)}, starts_on=_IDS, stops_on=_IDS,
    pauses={"type": "array", "items": _PAUSE}, manual_pause={"type": "boolean"},
    extension=_obj(["max", "basis"], max={"type": "string"}, basis=_TEXT, after_expiry={"type": "boolean"}),
    warn_before={"type": "string"},
    starts_from={"enum": list(d.STARTS_FROM)},
    ends_from={"type": "string", "pattern": "^(effective_on|recorded|input:[a-z][a-z0-9_]*)$",
               "x-message": "must be effective_on, recorded or input:<date input>"},
    trigger=_LOCAL, suspension_basis=_TEXT, applicant=_LOCAL,
    on_expiry={"anyOf": [{"const": "breach"}, _obj(["fiction"], fiction=_ID)],
               "x-message": "must be 'breach' or {fiction: <transition id>}"},
    only_when={"enum": list(d.MODES)},
)
SCHEMA = _obj(
    ["id", "version", "title", "legal_basis", "reference_prefix", "office_kind", "initial_state", "states",
     "transitions"],
    id={"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "x-message": "must be lowercase letters, digits and -"},
    version={"type": "integer", "minimum": 1}, title=_LOCAL, legal_basis=_TEXT,
    reference_prefix={"type": "string", "pattern": "^[A-Z][A-Z0-9-]*$", "x-message": "must be like ABH-EF"},
    office_kind={"enum": list(d.OFFICE_KINDS)}, initial_state=_ID, regulated_profession={"type": "boolean"},
    readings={"type": "array", "items": _obj(["point", "reading", "source"], point=_LOCAL, reading=_LOCAL, source=_TEXT,
                                              applies_to=_IDS)},
    states={"type": "array", "minItems": 1, "items": _obj(
        ["id", "title", "description", "employer", "staff", "responsible"], id=_ID, title=_LOCAL,
        description=_LOCAL, employer=_LOCAL, staff=_LOCAL, responsible=_PARTY, terminal={"type": "boolean"},
        outcome={"enum": list(d.OUTCOMES)}, differences_found={"type": "boolean"})},
    transitions={"type": "array", "minItems": 1, "items": _obj(
        ["id", "from", "to", "label", "roles", "basis"], id=_ID, to=_ID, label=_LOCAL, basis=_TEXT,
        roles={"type": "array", "items": {"type": "string"}, "minItems": 1},
        inputs={"type": "array", "items": _INPUT}, guards={"type": "array", "items": {"type": "string"}},
        effects={"type": "array", "items": {"type": "string"}}, letter={"enum": list(d.LETTER_KINDS)},
        records_documents={"type": "object", "additionalProperties": {"type": "string"}},
        records_requested={"type": "boolean"}, date_is_evidence={"type": "boolean"}, **{"from": _IDS})},
    timers={"type": "array", "items": _TIMER},
    documents={"type": "array", "items": _obj(["id", "title"], id=_ID, title=_LOCAL, required={"type": "boolean"},
                                              owed_by={"enum": list(d.DOCUMENT_PARTIES)})},
    retention=_obj(["basis", "after_closing"], basis=_TEXT,
                   after_closing=_obj([str(o) for o in d.OUTCOMES], **{str(o): {"type": "string"} for o in d.OUTCOMES})),
)
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a text", "integer": "a whole number",
               "boolean": "true or false"}


def _path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _schema_messages(data) -> list[str]:
    messages = []
    ordered = sorted(_VALIDATOR.iter_errors(data),
                     key=lambda e: [(0, p) if isinstance(p, int) else (1, str(p)) for p in e.absolute_path])
    for error in ordered:
        path, kind = _path(error.absolute_path), error.validator
        if kind == "required":
            key = re.match(r"'(.+)' is a required property", error.message)
            messages.append(f"{_join(path, key[1] if key else '?')}: required key missing")
        elif kind == "additionalProperties":
            known = error.schema.get("properties", {})
            messages += [f"{_join(path, str(key))}: unknown key" for key in error.instance if key not in known]
        elif kind in ("pattern", "anyOf") and "x-message" in error.schema:
            messages.append(f"{path}: {error.schema['x-message']}")
        elif kind == "type":
            wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
            messages.append(f"{path}: must be {' or '.join(_TYPE_WORDS.get(t, t) for t in wanted)}")
        elif kind == "enum":
            messages.append(f"{path}: {error.instance!r} is not one of: {', '.join(error.validator_value)}")
        elif kind == "minItems":
            messages.append(f"{path}: must not be empty")
        elif kind == "minimum":
            messages.append(f"{path}: must be at least {error.validator_value}")
        else:
            messages.append(f"{path}: {error.message}")
    return messages


def _ids(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _normalize(data) -> None:
    """YAML 1.1 (safe_load) reads the key `on` as boolean True; the README's pause rules use `on`."""
    timers = data.get("timers")
    for timer in timers if isinstance(timers, list) else ():
        pauses = timer.get("pauses") if isinstance(timer, dict) else None
        for pause in pauses if isinstance(pauses, list) else ():
            if isinstance(pause, dict) and True in pause and "on" not in pause:
                pause["on"] = pause.pop(True)


class _Checks:
    """Semantic checks on schema-valid data; each adds `key: message` to `errors`."""

    def __init__(self, data: dict):
        self.data, self.errors = data, []
        self.states = {s["id"]: s for s in data["states"]}
        self.transitions = {t["id"]: t for t in data["transitions"]}

    def run(self) -> list[str]:
        for key in ("states", "transitions", "timers", "documents"):
            self.unique(self.data.get(key) or (), "id", key)
        for i, reading in enumerate(self.data.get("readings") or ()):
            self.check_reading(f"readings[{i}]", reading)
        if self.data["initial_state"] not in self.states:
            self.error("initial_state", f"unknown state {self.data['initial_state']!r}")
        for i, transition in enumerate(self.data["transitions"]):
            self.check_transition(f"transitions[{i}]", transition)
        self.check_states()
        for outcome, period in ((self.data.get("retention") or {}).get("after_closing") or {}).items():
            self.check_period(f"retention.after_closing.{outcome}", period)
        performed = set()
        for i, timer in enumerate(self.data.get("timers") or ()):
            performed |= self.check_timer(f"timers[{i}]", timer)
        for i, transition in enumerate(self.data["transitions"]):
            if transition["roles"] == [Role.SYSTEM] and transition["id"] not in performed:
                self.error(f"transitions[{i}].roles", "system transition is not the fiction of any timer")
        return self.errors

    def error(self, key: str, message: str) -> None:
        self.errors.append(f"{key}: {message}")

    def unique(self, items, field: str, key: str) -> None:
        seen = set()
        for i, item in enumerate(items):
            if item[field] in seen:
                self.error(f"{key}[{i}].{field}", f"duplicate {field} {item[field]!r}")
            seen.add(item[field])

    def check_reading(self, key: str, reading: dict) -> None:
        """A reading names what it governs: timers, transitions, states or documents of this file."""
        known = {item["id"] for part in ("states", "transitions", "timers", "documents")
                 for item in self.data.get(part) or ()}
        value = reading.get("applies_to") or ()
        for j, name in enumerate(_ids(value)):
            if name not in known:
                where = f"{key}.applies_to" if isinstance(value, str) else f"{key}.applies_to[{j}]"
                self.error(where, f"no state, transition, timer or document {name!r}")

    def check_transition(self, key: str, transition: dict) -> None:
        if transition["id"] == d.OPENED:
            self.error(f"{key}.id", f"{d.OPENED!r} is reserved for the creation of a case")
        sources = transition["from"]
        for j, source in enumerate(_ids(sources)):
            where = f"{key}.from" if isinstance(sources, str) else f"{key}.from[{j}]"
            if source not in self.states:
                self.error(where, f"unknown state {source!r}")
            elif self.states[source].get("terminal"):
                self.error(where, f"terminal state {source!r} cannot have outgoing transitions")
        if transition["to"] != d.SAME_STATE and transition["to"] not in self.states:
            self.error(f"{key}.to", f"unknown state {transition['to']!r}")
        roles = transition["roles"]
        for j, role in enumerate(roles):
            if role not in d.ROLES:
                self.error(f"{key}.roles[{j}]", f"unknown role {role!r}")
        if Role.SYSTEM in roles and len(roles) > 1:
            self.error(f"{key}.roles", "'system' cannot be combined with other roles")
        inputs = transition.get("inputs") or []
        self.unique(inputs, "name", f"{key}.inputs")
        names = {spec["name"] for spec in inputs}
        for j, spec in enumerate(inputs):
            self.check_input(f"{key}.inputs[{j}]", spec, system=Role.SYSTEM in roles)
        for j, guard in enumerate(transition.get("guards") or ()):
            if guard not in GUARDS:
                self.error(f"{key}.guards[{j}]", f"unknown guard {guard!r}")
            elif GUARDS[guard].needs_input and GUARDS[guard].needs_input not in names:
                self.error(f"{key}.guards[{j}]", f"guard {guard!r} needs an input named {GUARDS[guard].needs_input!r}")
        for j, effect in enumerate(transition.get("effects") or ()):
            if effect not in d.EFFECTS:
                self.error(f"{key}.effects[{j}]", f"unknown effect {effect!r}")
            elif effect == "open_linked_recognition" and not any(
                    s["name"] == "procedure" and s["type"] == "choice" and s.get("required") for s in inputs):
                self.error(f"{key}.effects[{j}]", "open_linked_recognition needs a required choice input 'procedure'")
        documents = {document["id"] for document in self.data.get("documents") or ()}
        dates = {spec["name"] for spec in inputs if spec["type"] == "date"} | {d.EFFECTIVE_ON}
        for document, day in (transition.get("records_documents") or {}).items():
            if document not in documents:
                self.error(f"{key}.records_documents.{document}", f"unknown document {document!r}")
            if day not in dates:
                self.error(f"{key}.records_documents.{document}",
                           f"{day!r} is not a date input of the transition (nor effective_on)")
        if transition.get("date_is_evidence") and d.ACT_DATE not in dates:
            self.error(f"{key}.date_is_evidence", f"the transition has no date input {d.ACT_DATE!r}")

    def check_input(self, key: str, spec: dict, system: bool) -> None:
        if spec["type"] == "choice":
            if not spec.get("choices"):
                self.error(f"{key}.choices", "a choice input needs choices")
            self.unique(spec.get("choices") or (), "value", f"{key}.choices")
        elif "choices" in spec:
            self.error(f"{key}.choices", f"only choice inputs have choices, not {spec['type']!r}")
        if system and spec.get("required"):
            self.error(f"{key}.required", "a system transition cannot have required inputs")
        if spec["name"] == d.EFFECTIVE_ON and (spec["type"] != "date" or spec.get("required")):
            self.error(f"{key}", f"{d.EFFECTIVE_ON!r} is the optional date of the fact every step has")

    def check_states(self) -> None:
        # Self-loops keep a case where it is, so they do not get it out of a state.
        outgoing = {source for t in self.data["transitions"] for source in _ids(t["from"])
                    if t["to"] not in (source, d.SAME_STATE)}
        reachable = self.reachable()
        for i, state in enumerate(self.data["states"]):
            terminal = state.get("terminal", False)
            if not terminal and state["id"] not in outgoing:
                self.error(f"states[{i}]", f"non-terminal state {state['id']!r} has no transition to another state")
            if terminal and "outcome" not in state:
                self.error(f"states[{i}].outcome", "a terminal state needs an outcome")
            if not terminal and "outcome" in state:
                self.error(f"states[{i}].outcome", "only terminal states have an outcome")
            if state["id"] == d.SAME_STATE:
                self.error(f"states[{i}].id", f"{d.SAME_STATE!r} is reserved for self-loops")
            elif state["id"] not in reachable and self.data["initial_state"] in self.states:
                self.error(f"states[{i}]", f"state {state['id']!r} is unreachable from initial_state")

    def reachable(self) -> set[str]:
        seen, queue = {self.data["initial_state"]}, deque([self.data["initial_state"]])
        while queue:
            current = queue.popleft()
            for t in self.data["transitions"]:
                if current in _ids(t["from"]) and t["to"] not in seen and t["to"] != d.SAME_STATE:
                    seen.add(t["to"])
                    queue.append(t["to"])
        return seen

    def check_period(self, key: str, text: str) -> None:
        try:
            parse_period(text)
        except ValueError:
            self.error(key, f"invalid period {text!r} (use P<n>D, P<n>W or P<n>M)")

    def check_events(self, key: str, value, allow_opened: bool) -> None:
        for j, event in enumerate(_ids(value)):
            where = key if isinstance(value, str) else f"{key}[{j}]"
            if not (event in self.transitions or (allow_opened and event == d.OPENED)):
                self.error(where, f"unknown transition {event!r}")

    def check_timer(self, key: str, timer: dict) -> set[str]:
        """Checks one timer; returns the transition it performs as a fiction (if valid)."""
        lengths = [k for k in ("period", "working_days", "due_input") if k in timer]
        if len(lengths) != 1:
            has = ", ".join(lengths) or "none"
            self.error(key, f"needs exactly one of period, working_days, due_input (has {has})")
        for field in ("period", "warn_before"):
            if field in timer:
                self.check_period(f"{key}.{field}", timer[field])
        if "extension" in timer:
            self.check_period(f"{key}.extension.max", timer["extension"]["max"])
        self.check_events(f"{key}.starts_on", timer["starts_on"], allow_opened=True)
        self.check_events(f"{key}.stops_on", timer["stops_on"], allow_opened=False)
        if "due_input" in timer:
            for event in _ids(timer["starts_on"]):
                if event == d.OPENED or (event in self.transitions and not self.date_input(event, timer["due_input"])):
                    self.error(f"{key}.due_input",
                               f"starting event {event!r} has no date input {timer['due_input']!r}")
        for j, pause in enumerate(timer.get("pauses") or ()):
            self.check_pause(f"{key}.pauses[{j}]", pause)
        ends = timer.get("ends_from", "")
        if ends.startswith("input:") and not any(
                event in self.transitions and self.date_input(event, ends[len("input:"):])
                for event in _ids(timer["stops_on"])):
            # Stopping events without it end the timer on the fact's date.
            self.error(f"{key}.ends_from", f"no stopping event has a date input {ends[6:]!r}")
        expiry = timer["on_expiry"]
        if isinstance(expiry, dict):
            target = self.transitions.get(expiry["fiction"])
            if target is None:
                self.error(f"{key}.on_expiry.fiction", f"unknown transition {expiry['fiction']!r}")
            elif target["roles"] != [Role.SYSTEM]:
                self.error(f"{key}.on_expiry.fiction", f"transition {expiry['fiction']!r} is not a system transition")
            else:
                return {expiry["fiction"]}
        return set()

    def check_pause(self, key: str, pause: dict) -> None:
        if ("until" in pause) == ("resume_on" in pause):
            self.error(key, "needs exactly one of until, resume_on")
        self.check_events(f"{key}.on", pause["on"], allow_opened=False)
        if "resume_on" in pause:
            self.check_events(f"{key}.resume_on", pause["resume_on"], allow_opened=False)
        if "until" in pause and pause["on"] in self.transitions and not self.date_input(pause["on"], pause["until"]):
            self.error(f"{key}.until", f"transition {pause['on']!r} has no date input {pause['until']!r}")

    def date_input(self, transition_id: str, name: str) -> bool:
        inputs = self.transitions[transition_id].get("inputs") or ()
        return any(spec["name"] == name and spec["type"] == "date" for spec in inputs)


def _text(value: dict) -> d.LocalText:
    return d.LocalText(de=value["de"].strip(), en=value["en"].strip())


def _build(data: dict, source: str) -> d.Workflow:
    transitions = {t["id"]: d.Transition(
        id=t["id"], sources=_ids(t["from"]), target=t["to"], label=_text(t["label"]), roles=frozenset(t["roles"]),
        basis=t["basis"], guards=tuple(t.get("guards") or ()), effects=tuple(t.get("effects") or ()),
        letter=t.get("letter"), records_documents=tuple((t.get("records_documents") or {}).items()),
        records_requested=t.get("records_requested", False), date_is_evidence=t.get("date_is_evidence", False),
        inputs=tuple(d.InputSpec(
            name=i["name"], type=i["type"], required=i.get("required", False), label=_text(i["label"]),
            choices=tuple(d.Choice(c["value"], _text(c["label"])) for c in i.get("choices") or ()))
            for i in t.get("inputs") or ()))
        for t in data["transitions"]}
    timers = {}
    for t in data.get("timers") or ():
        expiry = t["on_expiry"]
        timers[t["id"]] = d.TimerSpec(
            id=t["id"], name=_text(t["name"]), basis=t["basis"], kind=t["kind"], period=t.get("period"),
            working_days=t.get("working_days"), due_input=t.get("due_input"), owed_by=t["owed_by"],
            calendar=t.get("calendar", "office"), starts_on=_ids(t["starts_on"]), stops_on=_ids(t["stops_on"]),
            pauses=tuple(d.PauseRule(p["on"], p.get("until"), tuple(p.get("resume_on") or ()),
                                     (p["unless"]["input"], p["unless"]["value"]) if "unless" in p else None)
                         for p in t.get("pauses") or ()),
            manual_pause=t.get("manual_pause", False),
            extension=d.ExtensionRule(**t["extension"]) if "extension" in t else None,
            starts_from=t.get("starts_from", "effective_on"),
            # An act the authority owes is done on the day it is recorded; others on the fact's date.
            ends_from=t.get("ends_from", "recorded" if t["owed_by"] == "authority" else "effective_on"),
            trigger=_text(t["trigger"]) if "trigger" in t else None,
            applicant=_text(t["applicant"]) if "applicant" in t else None,
            suspension_basis=t.get("suspension_basis", "§ 6(4) BQFG"),
            warn_before=t.get("warn_before", "P7D"), on_expiry="breach" if expiry == "breach" else "fiction",
            fiction_transition=None if expiry == "breach" else expiry["fiction"], only_when=t.get("only_when"))
    return d.Workflow(
        id=data["id"], version=data["version"], title=_text(data["title"]), legal_basis=data["legal_basis"],
        reference_prefix=data["reference_prefix"], office_kind=data["office_kind"],
        initial_state=data["initial_state"],
        readings=tuple(d.Reading(_text(r["point"]), _text(r["reading"]), r["source"].strip(),
                                 _ids(r.get("applies_to") or ())) for r in data.get("readings") or ()),
        states={s["id"]: d.State(s["id"], _text(s["title"]), _text(s["description"]), s["responsible"],
                                 s.get("terminal", False), s.get("outcome"), employer=_text(s["employer"]),
                                 staff=_text(s["staff"]), differences_found=s.get("differences_found", False))
                for s in data["states"]},
        transitions=transitions, timers=timers,
        documents=tuple(d.DocumentSpec(x["id"], _text(x["title"]), x.get("required", True),
                                       x.get("owed_by", "applicant"))
                        for x in data.get("documents") or ()),
        source=source, regulated_profession=data.get("regulated_profession", False),
        retention=d.Retention(data["retention"]["basis"], dict(data["retention"]["after_closing"]))
        if "retention" in data else None)


def _load(path: Path) -> tuple[d.Workflow | None, list[str]]:
    """One file: the workflow, or None and its messages (without the file prefix)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [f"cannot read: {' '.join(str(exc).split())}"]
    if not isinstance(data, dict):
        return None, ["the top level must be a mapping"]
    _normalize(data)
    # Semantic checks assume the structure is right; with schema errors they would only add noise.
    messages = _schema_messages(data) or _Checks(data).run()
    return (None, messages) if messages else (_build(data, str(path)), [])


def load_file(path) -> d.Workflow:
    path = Path(path)
    workflow, messages = _load(path)
    if messages:
        raise DefinitionError([f"{path.name}: {m}" for m in messages])
    return workflow


def load_directory(path) -> Registry:
    """All *.yaml / *.yml files in `path`; raises DefinitionError listing the errors of every file."""
    files = sorted(p for p in Path(path).iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    workflows, errors, seen = [], [], {}
    for file in files:
        workflow, messages = _load(file)
        errors += [f"{file.name}: {m}" for m in messages]
        if workflow is None:
            continue
        key = (workflow.id, workflow.version)
        if key in seen:
            errors.append(f"{file.name}: version: {workflow.id!r} version {workflow.version} is already "
                          f"defined in {seen[key]}")
            continue
        seen[key] = file.name
        workflows.append(workflow)
    errors += _cross_file_errors(workflows)
    if errors:
        raise DefinitionError(errors)
    return Registry(workflows)


def _cross_file_errors(workflows: list[d.Workflow]) -> list[str]:
    """open_linked_recognition must offer only recognition procedures that are actually loaded."""
    recognition = {w.id for w in workflows if w.office_kind == "recognition_body"}
    errors = []
    for w in workflows:
        for i, t in enumerate(w.transitions.values()):
            if "open_linked_recognition" not in t.effects:
                continue
            k, spec = next((k, s) for k, s in enumerate(t.inputs) if s.name == "procedure")
            for j, value in enumerate(spec.choice_values()):
                if value not in recognition:
                    errors.append(f"{Path(w.source).name}: transitions[{i}].inputs[{k}].choices[{j}].value: "
                                  f"no recognition procedure {value!r} is loaded")
    return errors


class Registry:
    """Loaded definitions by id and version; cases keep their version, new cases get the latest."""

    def __init__(self, workflows):
        self._by_id: dict[str, dict[int, d.Workflow]] = {}
        for workflow in workflows:
            self._by_id.setdefault(workflow.id, {})[workflow.version] = workflow

    def get(self, workflow_id: str, version: int | None = None) -> d.Workflow:
        versions = self._by_id[workflow_id]  # KeyError for an unknown id, as for an unknown version
        return versions[max(versions) if version is None else version]

    def latest(self, workflow_id: str) -> d.Workflow:
        return self.get(workflow_id)

    def all(self) -> list[d.Workflow]:
        return [self.latest(workflow_id) for workflow_id in sorted(self._by_id)]

    def versions(self, workflow_id: str) -> list[int]:
        return sorted(self._by_id.get(workflow_id, {}))

    def __contains__(self, workflow_id: str) -> bool:
        return workflow_id in self._by_id
