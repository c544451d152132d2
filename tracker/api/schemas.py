"""Every shape the API reads or writes, declared once as JSON Schema (the dialect of OpenAPI 3.1).

The same dicts validate request bodies and query strings (``tracker.api.spec``) and make up the ``components``
of the OpenAPI document; the schemathesis test checks every response against them."""
from __future__ import annotations

from tracker.http.forms import MAX_ID
from tracker.text import REFUSED_CHARACTER_RANGES

#: Text the API accepts: no control characters (NUL above all, which PostgreSQL refuses) and no bidirectional
#: overrides, as the forms refuse them (``tracker.text``).
PLAIN_TEXT = f"^[^{REFUSED_CHARACTER_RANGES}]*$"

ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: Ids from procedure definitions (procedures, states, transitions).
NAME = {"type": "string", "pattern": "^[a-z0-9_-]{1,64}$"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
LOCAL_TEXT = {"type": "object", "description": "The same text in German and English.",
              "properties": {"de": {"type": "string"}, "en": {"type": "string"}},
              "required": ["de", "en"], "additionalProperties": False}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(required: list[str] | None = None, /, **properties) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": False}


NAMED = _object(id=ID, name={"type": "string"})
#: A step's inputs, as its form shows them (the date of the fact, ``effective_on``, last).
INPUTS = {"type": "array", "items": _object(
    name={"type": "string"}, type={"type": "string", "description": "text, date, choice, documents or office."},
    required={"type": "boolean"}, label=LOCAL_TEXT, choices={"type": "array", "items": {"type": "string"}})}

SCHEMAS: dict[str, dict] = {
    "Problem": {
        "type": "object", "description": "An error (RFC 9457, application/problem+json).",
        "properties": {
            "type": {"type": "string", "description": "A URI naming the kind of problem."},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "invalid-params": {"type": "array", "description": "The fields that were wrong, and why.",
                               "items": _object(name={"type": "string"}, reason={"type": "string"})},
        },
        "required": ["type", "title", "status", "detail"],
    },
    "Case": _object(
        id=ID, reference={"type": "string"},
        procedure=_object(id={"type": "string"}, version={"type": "integer"}),
        state=_object(id={"type": "string"}, title=LOCAL_TEXT, responsible={"type": "string"},
                      terminal={"type": "boolean"}),
        outcome=_nullable({"type": "string"}),
        accelerated={"type": "boolean", "description": "A recognition opened from a § 81a case (§ 14a BQFG)."},
        applicant=_object(given_names={"type": "string"}, family_name={"type": "string"}),
        office=NAMED, employer=_nullable(NAMED),
        assignee=_nullable(NAMED) | {"description": "The clerk in charge; null for everyone outside the authority."},
        parent_id=_nullable(ID), profession={"type": "string"}, reference_occupation={"type": "string"},
        received_on=DATE, opened_at=DATE_TIME, updated_at=DATE_TIME, closed_at=_nullable(DATE_TIME),
        next_due_on=_nullable(DATE), breached={"type": "boolean"},
        version={"type": "integer", "minimum": 1,
                 "description": "Changes with every change of the case; the ETag of GET /cases/{case_id}."},
    ),
    "CaseList": _object(
        items={"type": "array", "items": _ref("Case")},
        next=_nullable({"type": "string"}) | {"description": "Pass as `after` for the next page; null on the last."},
    ),
    "Event": _object(
        seq={"type": "integer"}, occurred_at=DATE_TIME, kind={"type": "string"}, subject=_nullable({"type": "string"}),
        from_state=_nullable({"type": "string"}), to_state=_nullable({"type": "string"}),
        reason={"type": "string", "description": "Why, as written (authority staff only; else empty)."},
        basis={"type": "string", "description": "The legal basis of the step."},
        actor=_object(role={"type": "string"}, name=_nullable({"type": "string"})),
        data={"type": "object", "description": "The step's recorded inputs (authority staff only; else empty)."},
    ),
    "EventList": _object(items={"type": "array", "items": _ref("Event")}),
    "Timer": _object(
        id=ID, timer_id={"type": "string"}, name=LOCAL_TEXT,
        kind={"type": "string", "description": "deadline (binding) or target (should)."},
        basis={"type": "string", "description": "The legal basis of the period."},
        status={"type": "string"}, owed_by={"type": "string"}, started_on=DATE, due_on=_nullable(DATE),
        finished_on=_nullable(DATE), paused={"type": "boolean"},
        due_if_resumed_today={**_nullable(DATE), "description": (
            "While an open-ended suspension runs (due_on is then null): the due date if it ended today; each "
            "further day of suspension moves it on by a day. Null otherwise.")},
        explanation={"type": "array", "items": {"type": "string"},
                     "description": "How the due date was counted, step by step (Accept-Language: de or en); "
                                    "during an open-ended suspension, how due_if_resumed_today was counted."},
    ),
    "TimerList": _object(items={"type": "array", "items": _ref("Timer")}),
    "Document": _object(
        document_id={"type": "string"}, title=LOCAL_TEXT, required={"type": "boolean"}, status={"type": "string"},
        reason={"type": "string"}, requested_until=_nullable(DATE), received_on=_nullable(DATE), updated_at=DATE_TIME,
    ),
    "DocumentList": _object(items={"type": "array", "items": _ref("Document")}),
    "ProcedureSummary": _object(
        id={"type": "string"}, version={"type": "integer"}, versions={"type": "array", "items": {"type": "integer"}},
        title=LOCAL_TEXT, legal_basis={"type": "string"}, office_kind={"type": "string"},
    ),
    "ProcedureList": _object(items={"type": "array", "items": _ref("ProcedureSummary")}),
    "Procedure": _object(
        id={"type": "string"}, version={"type": "integer"}, title=LOCAL_TEXT, legal_basis={"type": "string"},
        office_kind={"type": "string"}, initial_state={"type": "string"},
        states={"type": "array", "items": _object(
            id={"type": "string"}, title=LOCAL_TEXT, responsible={"type": "string"}, terminal={"type": "boolean"},
            outcome=_nullable({"type": "string"}))},
        transitions={"type": "array", "items": _object(
            id={"type": "string"}, label=LOCAL_TEXT, sources={"type": "array", "items": {"type": "string"}},
            target={"type": "string"}, roles={"type": "array", "items": {"type": "string"}},
            basis={"type": "string"}, inputs=INPUTS)},
        timers={"type": "array", "items": _object(
            id={"type": "string"}, name=LOCAL_TEXT, basis={"type": "string"}, kind={"type": "string"},
            period=_nullable({"type": "string"}), working_days=_nullable({"type": "integer"}),
            owed_by={"type": "string"})},
        documents={"type": "array", "items": _object(id={"type": "string"}, title=LOCAL_TEXT,
                                                      required={"type": "boolean"})},
    ),
    "StepList": _object(items={"type": "array", "items": _object(
        id={"type": "string"}, label=LOCAL_TEXT, basis={"type": "string"}, inputs=INPUTS,
        blocked={"type": "array", "items": {"type": "string"},
                 "description": "Why the step cannot be taken yet (a legal precondition), if so."})}),
    "TransitionRequest": _object(
        ["transition"],
        transition={"type": "string", "pattern": "^[a-z0-9_]{1,64}$",
                    "description": "The step's id in the case's procedure definition (GET /procedures/{id})."},
        inputs={"type": "object", "maxProperties": 20,
                "description": "The step's inputs by name: dates as YYYY-MM-DD, documents as a list of ids, an "
                               "office by its id.",
                "additionalProperties": {"anyOf": [
                    {"type": "string", "maxLength": 2000, "pattern": PLAIN_TEXT},
                    {"type": "array", "maxItems": 50,
                     "items": {"type": "string", "maxLength": 64, "pattern": PLAIN_TEXT}}]}},
    ),
}


def boolean(description: str) -> dict:
    return {"type": "boolean", "description": description}


#: The work queue's filters (``cases.queries.QueueFilters``), as query parameters of GET /cases.
CASE_FILTERS = {
    "procedure": {"type": "string", "maxLength": 64, "pattern": PLAIN_TEXT, "description": "Procedure id."},
    "state": {"type": "string", "maxLength": 64, "pattern": PLAIN_TEXT, "description": "State id."},
    "office": ID | {"description": "Office id (admins)."},
    "assignee": {"type": "string", "pattern": "^(mine|unassigned|[1-9][0-9]{0,9})$",
                 "description": "mine, unassigned, or a user id (staff only; 400 for employers and advisors)."},
    "overdue": boolean("Only cases with a breached or passed deadline."),
    "week": boolean("Only cases with a deadline by the end of this week."),
    "waiting": {"type": "string", "enum": ["applicant", "employer"], "description": "Whose turn it is."},
    "q": {"type": "string", "maxLength": 200, "pattern": PLAIN_TEXT,
          "description": "Part of the reference, the applicant's or the employer's name."},
    "closed": boolean("Closed cases instead of open ones."),
    "after": {"type": "string", "maxLength": 200, "description": "The `next` cursor of the previous page."},
    "size": {"type": "integer", "minimum": 1, "maximum": 200, "description": "Cases per page (default 50)."},
}
