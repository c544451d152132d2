"""Errors of the API as ``application/problem+json`` (RFC 9457): type, title, status, detail, and for bad input the
fields that were wrong (``invalid-params``). Every 4xx and 5xx under ``/api/v1`` answers so, including the ones
Flask raises before any API view runs (no such path, wrong method)."""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, json, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, default_exceptions

from tracker.extensions import limiter
from tracker.http.unit_of_work import roll_back_quietly

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
#: Problem types are named by a URI; ours point into the reference page.
TYPE_BASE = PREFIX + "/docs#problem-"
#: Seconds a client should wait while the database is unreachable.
RETRY_AFTER_UNAVAILABLE = 30


class ApiProblem(Exception):
    """Raised anywhere under an API view: answered as a problem document with this status."""

    def __init__(self, status: int, title: str, detail: str, *, invalid: list[dict] | None = None,
                 headers: dict | None = None, kind: str | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.invalid, self.headers = invalid, headers or {}
        self.kind = kind or str(status)


def problem_response(status: int, title: str, detail: str, *, invalid: list[dict] | None = None,
                     headers: dict | None = None, kind: str | None = None) -> Response:
    body = {"type": TYPE_BASE + (kind or str(status)), "title": title, "status": status, "detail": detail}
    if invalid:
        body["invalid-params"] = invalid
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _retry_after() -> str:
    """Seconds until the limit that refused this request resets (Flask-Limiter's current limit)."""
    current = limiter.current_limit
    if current is not None:
        return str(max(math.ceil(current.reset_at - time.time()), 1))
    return "60"


def from_http_exception(error: HTTPException) -> Response:
    roll_back_quietly()
    status = error.code or 500
    headers = {}
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    if status == 429:
        headers["Retry-After"] = _retry_after()
    detail = {
        401: "Send a valid personal API token as `Authorization: Bearer <token>`.",
        404: "There is no such resource, or it is not one this token's owner may see.",
        405: "This method is not allowed here.",
        429: "Too many requests with this token. Wait as Retry-After says, then try again.",
        500: "An unexpected error occurred. Nothing was changed.",
    }.get(status) or (error.description or "")
    if status >= 500:
        log.error("API error %s on %s %s", status, request.method, request.path)
    return problem_response(status, error.name, detail, headers=headers)


def from_problem(error: ApiProblem) -> Response:
    roll_back_quietly()
    return problem_response(error.status, error.title, error.detail, invalid=error.invalid, headers=error.headers,
                            kind=error.kind)


def database_unavailable(error: Exception) -> Response:
    roll_back_quietly()
    log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
    return problem_response(503, "Service Unavailable", "The database is not reachable. Nothing was changed.",
                            headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)})


def answer_with_problems(blueprint) -> None:
    """Every error of the blueprint's views as a problem document (at import, before the blueprint is used)."""
    blueprint.register_error_handler(ApiProblem, from_problem)
    blueprint.register_error_handler(OperationalError, database_unavailable)
    blueprint.register_error_handler(InterfaceError, database_unavailable)
    for code in default_exceptions:
        if code >= 400:
            blueprint.register_error_handler(code, from_http_exception)


def install(app: Flask) -> None:
    """Problem answers for API paths Flask refuses before any view (404, 405): those reach the app's handlers,
    so each app handler is wrapped to answer API paths as problems and leave the web pages as they are. Call after
    the web's error pages are registered."""
    for code in default_exceptions:
        if code >= 400:
            _wrap_app_handler(app, code)


def _wrap_app_handler(app: Flask, code: int) -> None:
    exception = default_exceptions[code]
    page = app.error_handler_spec[None][code].get(exception)

    def handle(error):
        if is_api_request():
            return from_http_exception(error)
        return page(error) if page is not None else error

    app.register_error_handler(code, handle)
