"""Structured logs: a request id on every record, text or JSON lines, and a gunicorn access log without personal data.

What is logged stays free of personal data by construction: records carry ids, the access log has the method, the
path without its query string (search terms live there; case URLs hold numeric ids only), the status, the duration
and the request id, and neither the client address, the user, the referrer nor the user agent.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
import types
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler
from gunicorn.glogging import Logger as _GunicornLogger
from sqlalchemy.exc import DBAPIError, StatementError

REQUEST_ID_HEADER = "X-Request-ID"
#: An incoming request id is kept only if it is a short plain token: anything else could smuggle text (or
#: personal data) into the logs, so it is replaced by a generated one.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

#: Fields a record may carry beyond the standard ones, emitted by the JSON formatter when present.
EXTRA_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "job_id")

_HANDLER_MARK = "_tracker_handler"
#: Paths that carry a secret (the invitation link's one-time token, which sets a password): every log line shows
#: them with the secret replaced, as a copy of the logs must open no account.
SECRET_IN_PATH = re.compile(r"(/invitation/)[^/\s?]+")


def private_path(text: str) -> str:
    """``text`` (a path or a request line) with every secret path segment replaced by ``<token>``."""
    return SECRET_IN_PATH.sub(r"\1<token>", text)


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


def assign_request_id() -> None:
    """Runs first in every request: take the caller's id if it is safe (a proxy or a client correlating), else
    make one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def return_request_id(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _install_record_factory() -> None:
    """Stamp the request id onto every record made during a request, whichever logger and handler it goes to
    (ours, gunicorn's, pytest's), so it needs no filter on each handler."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_tracker", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        request_id = current_request_id()
        if request_id is not None:
            record.request_id = request_id
        return record

    factory._tracker = True
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the known extra fields, and the
    traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return super().format(record)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners and gunicorn replace it)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(app: Flask) -> None:
    """One handler on the root logger, in the configured format; a second app in the same process (tests) replaces
    it instead of adding another."""
    _install_record_factory()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(formatter(app.config.get("LOG_FORMAT", "text")))
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Flask's own handler would print the app's records a second time.
    app.logger.removeHandler(default_handler)
    # The development server (`make run`) logs every request line: keep the query string (search terms are names)
    # and the client's address out of it, as the gunicorn access line does.
    # Flask-Limiter's "ratelimit … exceeded" line names the client address (the app logs its own refusal, with a
    # keyed pseudonym); fontTools lists the glyphs of every PDF letter, i.e. the characters of its text.
    for chatty in ("flask-limiter", "fontTools"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(existing, PrivateRequestLine) for existing in werkzeug.filters):
        werkzeug.addFilter(PrivateRequestLine())

    app.log_exception = types.MethodType(log_exception_without_data, app)
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)
    app.after_request(return_request_id)


def log_exception_without_data(app: Flask, exc_info) -> None:
    """Flask's "Exception on /path [POST]" with the stack, but without the message of a database error: the
    database quotes the offending values in it ("Key (email)=(…) already exists"), which may be personal data."""
    error = exc_info[1]
    if isinstance(error, DBAPIError | StatementError):
        stack = "".join(traceback.format_tb(exc_info[2]))
        app.logger.error("Exception on %s [%s]: %s (the database's message is withheld: it may quote personal "
                         "data)\n%s", private_path(request.path), request.method,
                         type(getattr(error, "orig", None) or error).__name__, stack)
        return
    app.logger.error("Exception on %s [%s]", private_path(request.path), request.method, exc_info=exc_info)


class PrivateRequestLine(logging.Filter):
    """Rewrites the development server's request line ("1.2.3.4 - - [..] "GET /cases?q=Name HTTP/1.1" 200 -")
    to "- - - [..] "GET /cases HTTP/1.1" 200 -"."""

    _ADDRESS = re.compile(r"^\S+ - - ")
    _QUERY = re.compile(r"\?[^\s\x1b]*")  # up to the space before the protocol: a query may hold quotes

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self._ADDRESS.sub("- - - ", record.msg, count=1)
        if record.args and isinstance(record.args, tuple) and isinstance(record.args[0], str):
            record.args = (private_path(self._QUERY.sub("", record.args[0])), *record.args[1:])
        return True


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with our formats (``LOG_FORMAT``) and an access line that holds no personal data.

    Selected in ``deploy/gunicorn.conf.py`` with ``logger_class``."""

    def setup(self, cfg):
        super().setup(cfg)
        chosen = formatter(os.environ.get("LOG_FORMAT", "text").lower())
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(chosen)

    def warning(self, msg, *args, **kwargs):
        # gunicorn's refusal of a malformed request names the client's address and quotes what it sent (a header's
        # value, a request line with its query string): both may be personal data.
        if isinstance(msg, str) and msg.startswith("Invalid request from ip="):
            msg, args = "Invalid request refused (the client's address and what it sent are not logged)", ()
        super().warning(msg, *args, **kwargs)

    def exception(self, msg, *args, **kwargs):
        # "Error handling request GET /cases?q=Name": the path stays, the query string goes.
        if isinstance(msg, str) and msg.startswith("Error handling request"):
            args = tuple(private_path(value.split("?", 1)[0]) if isinstance(value, str) else value
                         for value in args)
        super().exception(msg, *args, **kwargs)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        request_id = next((value for name, value in resp.headers if name.lower() == REQUEST_ID_HEADER.lower()), None)
        duration_ms = round(request_time.total_seconds() * 1000, 1)
        method = environ.get("REQUEST_METHOD")
        # Never RAW_URI or QUERY_STRING (search terms are personal data); never an invitation's token either.
        path = private_path(environ.get("PATH_INFO", ""))
        self.access_log.info("%s %s %s %.1fms", method, path, status, duration_ms, extra={
            "method": method, "path": path, "status": int(status), "duration_ms": duration_ms,
            "request_id": request_id or "-"})
