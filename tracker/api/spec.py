"""The API's operations, declared once: each route names its scope, query parameters, body and answers here, and
this one declaration registers the Flask view, validates the request and writes the OpenAPI 3.1 document."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, g, request
from jsonschema import Draft202012Validator

from tracker.api import schemas
from tracker.api.problems import ApiProblem
from tracker.auth.tokens import Scope

#: What every answer may be besides the operation's own (the guard's, the limiter's and the database's).
COMMON_ERRORS = {
    401: "No valid token: missing, unknown, expired or revoked.",
    403: "The token lacks the scope, or its owner may not do this.",
    404: "No such resource, or not one the token's owner may see.",
    429: "Too many requests for this token; see Retry-After.",
    503: "The database is not reachable; nothing was changed. See Retry-After.",
}


@dataclass
class Operation:
    method: str
    rule: str  #: Flask rule, e.g. /cases/<int:case_id>
    name: str
    summary: str
    description: str
    scope: Scope | None  #: None: public (the document and its reference page)
    query: dict[str, dict] = field(default_factory=dict)
    body: str | None = None  #: component name of the JSON body
    answers: dict[int, tuple[str, str | None]] = field(default_factory=dict)  #: status -> (description, schema)
    headers: dict[int, dict[str, dict]] = field(default_factory=dict)  #: status -> header name -> header object
    request_headers: dict[str, dict] = field(default_factory=dict)
    media_type: str = "application/json"
    #: Path parameters whose schema is narrower than an id or a name: name -> schema, or a function giving it
    #: when the document is written (e.g. the ids of the loaded procedure definitions).
    path_schemas: dict[str, object] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The OpenAPI path: /cases/{case_id}."""
        parts = []
        for part in self.rule.split("/"):
            if part.startswith("<"):
                part = "{" + part.strip("<>").split(":")[-1] + "}"
            parts.append(part)
        return "/".join(parts)

    @property
    def path_parameters(self) -> list[tuple[str, dict]]:
        """(name, schema) of each variable part: ``<int:…>`` an id, anything else a plain name."""
        found = []
        for part in self.rule.split("/"):
            if part.startswith("<"):
                converter, _sep, name = part.strip("<>").rpartition(":")
                schema = self.path_schemas.get(name) or (schemas.ID if converter == "int" else schemas.NAME)
                found.append((name, schema() if callable(schema) else schema))
        return found


class Api:
    """The blueprint with its operations."""

    def __init__(self, blueprint: Blueprint):
        self.blueprint = blueprint
        self.operations: list[Operation] = []

    def operation(self, method: str, rule: str, *, summary: str, description: str = "",
                  scope: Scope | None = Scope.READ, query: dict | None = None, body: str | None = None,
                  answers: dict | None = None, headers: dict | None = None, request_headers: dict | None = None,
                  media_type: str = "application/json", path: dict | None = None):
        def decorator(view):
            operation = Operation(method, rule, view.__name__, summary, description or (view.__doc__ or "").strip(),
                                  scope, query or {}, body, answers or {}, headers or {}, request_headers or {},
                                  media_type, path or {})
            self.operations.append(operation)

            @wraps(view)
            def validated(**kwargs):
                g.api_query = parse_query(operation.query)
                if operation.body:
                    g.api_body = parse_body(operation.body)
                return view(**kwargs)

            validated.api_operation = operation
            # The app-wide check for a session login does not apply here: the blueprint's own guard
            # (``guard.require_token``) checks every request for a token and denies by default.
            validated.is_public = True
            self.blueprint.add_url_rule(rule, view.__name__, validated, methods=[method])
            return validated

        return decorator


# --- validation -----------------------------------------------------------------------------------------------

def _validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "$defs": {}, "components": {"schemas": schemas.SCHEMAS}})


def _reason(error) -> str:
    return error.message if len(error.message) <= 200 else error.message[:200] + "…"


def _coerce(value: str, schema: dict):
    """A query string value as the type its schema declares; a value that is not one stays text and fails."""
    kind = schema.get("type")
    if kind == "integer" and value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    if kind == "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    return value


def parse_query(declared: dict[str, dict]) -> dict:
    """The declared query parameters, typed and checked against their schemas; others are ignored."""
    values, invalid = {}, []
    for name, schema in declared.items():
        given = request.args.getlist(name)
        if not given:
            continue
        if len(given) > 1:
            invalid.append({"name": name, "reason": "given more than once"})
            continue
        value = _coerce(given[0], schema)
        errors = list(_validator(schema).iter_errors(value))
        if errors:
            invalid.append({"name": name, "reason": _reason(errors[0])})
        else:
            values[name] = value
    if invalid:
        raise ApiProblem(400, "Invalid query parameters", "Some query parameters are not valid.", invalid=invalid)
    return values


def _holds_lone_surrogate(body) -> bool:
    """JSON may escape half a UTF-16 pair ("\\ud800"); Python reads it as a string no UTF-8 encoder takes (the
    audit chain's hash, PostgreSQL), which was a 500. Walked without recursion: the body may be deeply nested."""
    pending = [body]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def parse_body(component: str) -> dict:
    if request.mimetype != "application/json":
        raise ApiProblem(415, "Unsupported media type", "Send the body as application/json.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser's stack: not a body any schema here could accept
        body = None
    if body is None:
        raise ApiProblem(400, "Malformed body", "The body is not valid JSON.")
    if _holds_lone_surrogate(body):
        raise ApiProblem(400, "Malformed body", "The body holds an unpaired surrogate escape (such as \\ud800), "
                         "which is not text.")
    errors = sorted(_validator(schemas.SCHEMAS[component]).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        invalid = [{"name": "/".join(str(part) for part in error.absolute_path) or "(body)", "reason": _reason(error)}
                   for error in errors[:20]]
        raise ApiProblem(400, "Invalid body", "The body does not match the schema " + component + ".",
                         invalid=invalid)
    return body


# --- the document ------------------------------------------------------------------------------------------------

def _response(description: str, schema: str | None, media_type: str, headers: dict | None = None) -> dict:
    answer: dict = {"description": description}
    if schema:
        answer["content"] = {media_type: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
    if headers:
        answer["headers"] = headers
    return answer


def _problem(description: str) -> dict:
    return _response(description, "Problem", "application/problem+json")


RETRY_AFTER = {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}}


def document(api: Api, server_url: str, version: str) -> dict:
    """The OpenAPI 3.1 document of ``api``'s operations."""
    paths: dict[str, dict] = {}
    for operation in api.operations:
        parameters = [{"name": name, "in": "path", "required": True, "schema": schema}
                      for name, schema in operation.path_parameters]
        parameters += [{"name": name, "in": "query", "required": False, "schema": schema,
                        "description": schema.get("description", "")} for name, schema in operation.query.items()]
        parameters += [{"name": name, "in": "header", **header} for name, header in operation.request_headers.items()]
        responses = {}
        for status, (description, schema) in operation.answers.items():
            if status < 400:
                responses[str(status)] = _response(description, schema, operation.media_type,
                                                   operation.headers.get(status))
            else:
                responses[str(status)] = _problem(description)
        if operation.scope is not None:
            for status, description in COMMON_ERRORS.items():
                responses.setdefault(str(status), _problem(description))
            responses["429"]["headers"] = RETRY_AFTER
            responses["503"]["headers"] = RETRY_AFTER
        if operation.query or operation.path_parameters:
            responses.setdefault("400", _problem("A parameter is not valid; `invalid-params` names it."))
        if operation.path_parameters:
            responses.setdefault("404", _problem("No such resource, or not one the token's owner may see."))
        responses.setdefault("405", _problem("Method not allowed here."))
        entry = {"operationId": operation.name, "summary": operation.summary, "description": operation.description,
                 "parameters": parameters, "responses": responses,
                 "security": [{"bearer": []}] if operation.scope is not None else []}
        if operation.scope is not None:
            entry["description"] += f"\n\nScope: `{operation.scope}`."
        if operation.body:
            entry["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{operation.body}"}}}}
        paths.setdefault(operation.path, {})[operation.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Tracker API", "version": version,
                 "description": "Cases, their events, deadlines and documents, and the steps of a case, for partner "
                                "systems. Authenticate with a personal token (`Authorization: Bearer trk_…`), "
                                "created on the account page or with `flask --app tracker create-token`. A token "
                                "sees and changes exactly what its owner may in the web interface. Errors are "
                                "`application/problem+json`."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas.SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A personal API token with scopes read and/or write."}},
        },
    }
