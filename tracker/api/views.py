"""The API's operations (``/api/v1``). Each view parses (``spec`` validated the request), checks access through
the one rule (``cases.access``), calls one service verb through ``perform`` and answers JSON.

    GET  /cases                              the work queue's cases, keyset-paginated (``next`` cursor)
    GET  /cases/{case_id}                    one case; ETag = its version
    GET  /cases/{case_id}/events             its audit trail, as far as the token's owner may see it
    GET  /cases/{case_id}/timers             its deadlines: due date, kind, legal basis, explanation
    GET  /cases/{case_id}/documents          its documents checklist
    GET  /cases/{case_id}/transitions        the steps the token's owner can take now
    POST /cases/{case_id}/transitions        take a step (If-Match: the version the client saw)
    GET  /procedures                         the procedure definitions (latest versions)
    GET  /procedures/{procedure_id}          one definition (``?version=`` for an older one)
    GET  /openapi.json, /docs                the OpenAPI document and its reference page (no token needed)
"""
from __future__ import annotations

import json

from flask import Blueprint, current_app, g, jsonify, request, url_for
from sqlalchemy import select

from tracker import clock
from tracker.api import representations as show
from tracker.api import schemas
from tracker.api.guard import current_user, rate_limit, rate_limit_key, require_token
from tracker.api.problems import ApiProblem, answer_with_problems
from tracker.api.spec import Api, document
from tracker.audit.service import case_events
from tracker.auth.tokens import Scope
from tracker.cases import queries, service
from tracker.cases.access import can_act_on_case, can_view_case
from tracker.cases.loading import case_by_id
from tracker.cases.models import Case
from tracker.extensions import csrf, db, limiter
from tracker.http.forms import parse_id
from tracker.http.unit_of_work import perform
from tracker.procedures.engine import available_transitions
from tracker.procedures.guards import GUARDS
from tracker.privacy import record_read
from tracker.registry import registry, workflow_of
from tracker.timers.models import Timer

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)  # no session is opened on the API (guard.NoSessionOnTheApi): nothing to forge
limiter.limit(rate_limit, key_func=rate_limit_key)(blueprint)
blueprint.before_request(require_token)
answer_with_problems(blueprint)
api = Api(blueprint)

#: Version of the document (not of the URL prefix: additions keep /api/v1).
API_VERSION = "1.0.0"
PAGE_SIZE = 50

ETAG = {"ETag": {"schema": {"type": "string"}, "description": "The case's version, quoted: send it as If-Match."}}


def _lang() -> str:
    return request.accept_languages.best_match(("de", "en")) or "de"


def load_case(case_id: int) -> Case:
    """The case, if the token's owner may see it; otherwise 404, as for a case that does not exist."""
    case = case_by_id(case_id)
    if case is None or not can_view_case(current_user(), case):
        raise ApiProblem(404, "Not Found", "There is no such case, or it is not one this token's owner may see.")
    return case


def etag(case: Case) -> str:
    return f'"{case.version}"'


def _case_answer(case: Case, status: int = 200):
    response = jsonify(show.case(case, current_user()))
    response.status_code = status
    response.headers["ETag"] = etag(case)
    return response


# --- cases ---------------------------------------------------------------------------------------------------

@api.operation("GET", "/cases", summary="List cases", query=schemas.CASE_FILTERS,
               answers={200: ("A page of cases; `next` leads to the following page.", "CaseList")})
def cases():
    """The cases of the token owner's work queue (staff: their office's; employers: the cases their organisation
    is authorised for), with the work queue's filters and order: breached first, then by nearest deadline. Pages
    are cut by position (keyset), so cases added meanwhile never shift or repeat the following pages."""
    args = g.api_query
    position = None
    if "after" in args:
        position = queries.decode_cursor(args["after"])
        if position is None:
            raise ApiProblem(400, "Invalid cursor", "`after` must be the `next` value of a previous page.",
                             invalid=[{"name": "after", "reason": "not a cursor this API wrote"}])
    user = current_user()
    if "assignee" in args and not user.is_staff:
        # Parties never learn who handles a case (``representations.case`` hides the assignee too).
        raise ApiProblem(400, "Invalid query", "The filter `assignee` is for the authority's staff only.",
                         invalid=[{"name": "assignee", "reason": "for staff only"}])
    filters = queries.QueueFilters(
        procedure=args.get("procedure", ""), state=args.get("state", ""), office=args.get("office"),
        assignee=args.get("assignee", ""), overdue=args.get("overdue", False), due_this_week=args.get("week", False),
        waiting_for=args.get("waiting", ""), q=args.get("q", "").strip(), closed=args.get("closed", False))
    found, more = queries.queue_slice(user, filters, position, args.get("size", PAGE_SIZE))
    return jsonify({"items": [show.case(case, user) for case in found],
                    "next": queries.encode_cursor(found[-1]) if more else None})


@api.operation("GET", "/cases/<int:case_id>", summary="Get one case",
               answers={200: ("The case.", "Case")}, headers={200: ETAG})
def case(case_id: int):
    """One case, with its version as ETag (send it back as If-Match when taking a step)."""
    item = load_case(case_id)
    answer = _case_answer(item)
    record_read(current_user(), item, "api:case")
    return answer


@api.operation("GET", "/cases/<int:case_id>/events", summary="A case's audit trail",
               answers={200: ("The events, oldest first.", "EventList")})
def events(case_id: int):
    """The case's events, oldest first. Employers and advisors never see the authority's internal events (notes,
    assignments, invitations) nor the recorded inputs of a step."""
    user = current_user()
    item = load_case(case_id)
    shown = show.visible_events(case_events(item.id), user)
    answer = jsonify({"items": [show.event(event, user) for event in shown]})
    record_read(user, item, "api:events")  # after building the answer: its commit expires what was read
    return answer


@api.operation("GET", "/cases/<int:case_id>/timers", summary="A case's deadlines",
               answers={200: ("The deadlines, oldest first.", "TimerList")})
def timers(case_id: int):
    """The case's legal periods: due date, kind (deadline or target), legal basis, and how the date was counted
    (in the language of Accept-Language)."""
    item = load_case(case_id)
    workflow, lang, today = workflow_of(item), _lang(), clock.today()
    rows = list(db.session.scalars(select(Timer).where(Timer.case_id == item.id).order_by(Timer.id)))
    answer = jsonify({"items": [show.timer(row, workflow, lang, today) for row in rows
                                if row.timer_id in workflow.timers]})
    record_read(current_user(), item, "api:timers")  # after building the answer: its commit expires the rows
    return answer


@api.operation("GET", "/cases/<int:case_id>/documents", summary="A case's documents checklist",
               answers={200: ("The checklist, in the definition's order.", "DocumentList")})
def documents(case_id: int):
    """The documents checklist: what is required, what arrived when, what was requested by when."""
    item = load_case(case_id)
    titles = {spec.id: spec.title for spec in workflow_of(item).documents}
    answer = jsonify({"items": [show.document(document, titles) for document in item.documents]})
    record_read(current_user(), item, "api:documents")
    return answer


@api.operation("GET", "/cases/<int:case_id>/transitions", summary="The steps the token's owner can take now",
               answers={200: ("The steps, with their inputs and what still blocks them.", "StepList")},
               headers={200: ETAG})
def steps(case_id: int):
    """The steps of the case's procedure that its state and the owner's role allow now (none on a closed case or
    for someone who may only read it), each with its inputs and the legal preconditions not yet met."""
    item = load_case(case_id)
    user, lang, found = current_user(), _lang(), []
    if item.is_open and can_act_on_case(user, item):
        workflow, context = workflow_of(item), service.guard_context(item, {})
        titles = {spec.id: spec.title for spec in workflow.documents}
        for option in available_transitions(workflow, item.state, {user.role}):
            blocked = [GUARDS[name].refusal(context, titles).get(lang) for name in option.guards
                       if not GUARDS[name].needs_input and not GUARDS[name].holds(context)]
            found.append(show.step(option, blocked))
    response = jsonify({"items": found})
    response.headers["ETag"] = etag(item)
    return response


IF_MATCH = {"schema": {"type": "string"}, "required": False,
            "description": "The ETag of GET /cases/{case_id}: the step applies only to that version of the case."}


@api.operation(
    "POST", "/cases/<int:case_id>/transitions", summary="Take a step", scope=Scope.WRITE,
    body="TransitionRequest", request_headers={"If-Match": IF_MATCH}, headers={200: ETAG},
    answers={200: ("The step was taken; the case as it is now.", "Case"),
             409: ("Someone else changed the case at the same moment; nothing was changed.", None),
             412: ("The case changed since the client read it (If-Match is stale); nothing was changed.", None),
             415: ("The body is not application/json.", None),
             422: ("The step is not possible now (state, role, inputs or a legal precondition); "
                   "`invalid-params` names the inputs.", None),
             428: ("If-Match is missing: send the case's ETag.", None)})
def transition(case_id: int):
    """The same step as the button in the case file, through the same service verb: checked against the case's
    procedure (state, role, inputs, guards) and the token owner's access; recorded in the audit trail with the
    token's owner as actor and the token's id. Optimistic concurrency: send the ETag you read as If-Match."""
    item = load_case(case_id)
    _require_current(item)
    body = g.api_body
    definition = workflow_of(item).transitions.get(body["transition"])
    if definition is None:
        raise ApiProblem(422, "Unknown step", f"The case's procedure has no step `{body['transition']}`.",
                         invalid=[{"name": "transition", "reason": "not a step of this case's procedure"}],
                         kind="refused")
    inputs = _inputs(definition, body.get("inputs") or {})
    user = current_user()
    try:
        perform(service.apply_transition, item, definition.id, user, inputs, expected_version=item.version,
                origin={"api_token_id": g.api_token.id})
    except service.ConflictError as error:
        raise ApiProblem(409, "Conflict", error.text(_lang()), kind="conflict") from error
    except service.AccessDenied as error:
        raise ApiProblem(403, "Forbidden", error.text(_lang()), kind="denied") from error
    except service.CaseError as error:
        lang = _lang()
        invalid = [{"name": f"inputs/{refusal.field}", "reason": refusal.message.get(lang)}
                   for refusal in error.refusals if refusal.field]
        raise ApiProblem(422, "Step refused", error.text(lang), invalid=invalid or None, kind="refused") from error
    return _case_answer(item)


def _require_current(item: Case) -> None:
    """If-Match must name the case's current version: missing 428, stale 412 (RFC 9110 § 13.1.1, RFC 6585)."""
    given = request.headers.get("If-Match")
    if given is None or not given.strip() or given.strip() == "*":
        raise ApiProblem(428, "Precondition Required", "Send the case's ETag (from GET /cases/{case_id}) as "
                         "If-Match, so the step applies to the version you saw.", headers={"ETag": etag(item)})
    if etag(item) not in {tag.strip() for tag in given.split(",")}:
        raise ApiProblem(412, "Precondition Failed", "The case has changed since you read it (its ETag is now "
                         f"{etag(item)}). Read it again and decide whether the step still applies.",
                         headers={"ETag": etag(item)}, kind="stale")


def _inputs(definition, given: dict) -> dict:
    """The step's inputs as the form would send them: lists as comma-separated ids, offices as valid ids. Inputs
    the step does not have are an error, not silently dropped."""
    declared = {spec.name: spec for spec in definition.form_inputs}
    invalid, inputs = [], {}
    for name, value in given.items():
        spec = declared.get(name)
        if spec is None:
            invalid.append({"name": f"inputs/{name}", "reason": f"the step `{definition.id}` has no such input"})
            continue
        if isinstance(value, list):
            value = ", ".join(value)
        if spec.type == "office" and value.strip() and parse_id(value.strip()) is None:
            invalid.append({"name": f"inputs/{name}", "reason": "an office id"})
            continue
        inputs[name] = value
    if invalid:
        raise ApiProblem(422, "Unknown inputs", "Some inputs are not inputs of this step.", invalid=invalid,
                         kind="refused")
    return inputs


# --- procedures ----------------------------------------------------------------------------------------------

@api.operation("GET", "/procedures", summary="List procedure definitions",
               answers={200: ("The latest version of each procedure.", "ProcedureList")})
def procedures():
    """Every procedure the tracker runs, in its latest version (cases keep the version they were opened under)."""
    return jsonify({"items": [show.procedure_summary(workflow) for workflow in registry().all()]})


@api.operation("GET", "/procedures/<procedure_id>", summary="Get one procedure definition",
               path={"procedure_id": lambda: {"type": "string", "enum": [w.id for w in registry().all()]}},
               query={"version": {"type": "integer", "minimum": 1, "maximum": 1000,
                                  "description": "A version (default: the latest)."}},
               answers={200: ("The definition: states, steps with their inputs, periods, documents.", "Procedure")})
def procedure(procedure_id: str):
    """A procedure definition: states, steps (who may take them, with which inputs and on which legal basis),
    periods and documents."""
    version = g.api_query.get("version")
    if procedure_id not in registry() or (version is not None and version not in registry().versions(procedure_id)):
        raise ApiProblem(404, "Not Found", "There is no such procedure or version.")
    return jsonify(show.procedure(registry().get(procedure_id, version)))


# --- the document -------------------------------------------------------------------------------------------

def openapi_document() -> dict:
    return document(api, url_for("api.cases", _external=False).removesuffix("/cases"), API_VERSION)


@api.operation("GET", "/openapi.json", summary="This API's OpenAPI 3.1 document", scope=None,
               answers={200: ("The OpenAPI document.", None)})
def openapi():
    """The document is generated from the operations' declarations: the same schemas validate the requests."""
    return jsonify(openapi_document())


@api.operation("GET", "/docs", summary="The reference page", scope=None, media_type="text/html",
               answers={200: ("The reference page (HTML).", None)})
def docs():
    """A readable reference, rendered on the server from the OpenAPI document."""
    spec = openapi_document()
    texts = {name: json.dumps(schema, indent=2, ensure_ascii=False)
             for name, schema in spec["components"]["schemas"].items()}
    # Rendered without the app's context processors: they build the web's forms (CSRF tokens in a session), and
    # no session is opened on API paths.
    page = current_app.jinja_env.get_template("api/docs.html")
    return page.render(spec=spec, schemas=texts, problems=PROBLEM_TYPES, url_for=url_for)


#: The problem types the API answers with (anchors of the reference page), and what each means.
PROBLEM_TYPES = {
    "400": "The request is malformed or a parameter or body field is not valid; `invalid-params` lists them.",
    "401": "No usable token: missing, unknown, expired or revoked.",
    "scope": "The token lacks the scope the operation needs (read for GET, write for steps).",
    "denied": "The token's owner may see the case but not change it.",
    "404": "No such resource, or not one the token's owner may see (the answer does not tell which).",
    "405": "The method is not allowed on this path.",
    "conflict": "Someone else changed the case at the same moment; nothing was changed. Read it again.",
    "stale": "If-Match names an older version of the case; nothing was changed. Read it again.",
    "415": "The body is not application/json.",
    "refused": "The step is not possible now: the case's state, the owner's role, an input or a legal "
               "precondition; `detail` says why in the language of Accept-Language.",
    "428": "If-Match is missing.",
    "429": "Too many requests with this token; Retry-After says how many seconds to wait.",
    "500": "An unexpected error; nothing was changed.",
    "503": "The database is not reachable; nothing was changed; Retry-After says when to try again.",
}
