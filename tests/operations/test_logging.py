"""Request ids on every response and every log record of the request; JSON lines on request; no personal data."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from tests.operations.conftest import make_app, migrate_to_head
from tracker.extensions import db


@pytest.fixture
def logging_app(new_database, tmp_path):
    """A migrated SQLite app in JSON log format, with one extra route that logs (added before its first request)."""
    app = make_app(new_database("sqlite"), LOG_FORMAT="json")
    migrate_to_head(app)  # first: Alembic's env.py installs its own logging configuration
    from tracker.operations.logging import configure

    configure(app)  # the test's LOG_FORMAT applies now (the factory configured before the test's config)

    def noisy():
        logging.getLogger("tracker.example").info("first")
        logging.getLogger("tracker.example").warning("second")
        return "ok"

    from tracker.http.public import public

    app.add_url_rule("/_noisy", "noisy", public(noisy))

    def broken():
        raise RuntimeError("storage failed")

    app.add_url_rule("/_broken", "broken", public(broken))
    yield app
    with app.app_context():
        db.engine.dispose()


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_safe_incoming_request_id_is_kept_and_returned(logging_app):
    response = logging_app.test_client().get("/healthz", headers={"X-Request-ID": "nginx-4f2a.91_b"})
    assert response.headers["X-Request-ID"] == "nginx-4f2a.91_b"


@pytest.mark.parametrize("unsafe", ["anh.nguyen@example.org", "a b", "x" * 200, "<script>", "../etc"])
def test_an_unsafe_request_id_is_replaced_by_a_generated_one(logging_app, unsafe):
    response = logging_app.test_client().get("/healthz", headers={"X-Request-ID": unsafe})
    generated = response.headers["X-Request-ID"]
    assert generated != unsafe and len(generated) == 32 and generated.isalnum()


def test_every_record_of_a_request_carries_its_id_as_json(logging_app, capsys):
    client = logging_app.test_client()
    first = client.get("/_noisy").headers["X-Request-ID"]
    second = client.get("/_noisy").headers["X-Request-ID"]
    assert first != second
    records = [entry for entry in json_lines(capsys.readouterr().err) if entry["logger"] == "tracker.example"]
    assert [(entry["message"], entry["request_id"], entry["level"]) for entry in records] == [
        ("first", first, "INFO"), ("second", first, "WARNING"), ("first", second, "INFO"), ("second", second, "WARNING")]
    assert all(entry["time"].endswith("+00:00") for entry in records)


def test_a_failing_request_is_logged_with_its_id_and_traceback_but_not_its_query(logging_app, capsys):
    logging_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, and a log record
    response = logging_app.test_client().get("/_broken?q=Nguyen+Anh")
    assert response.status_code == 500
    errors = [entry for entry in json_lines(capsys.readouterr().err) if entry["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == response.headers["X-Request-ID"]
    assert "RuntimeError: storage failed" in errors[0]["exception"]
    assert "Nguyen" not in json.dumps(errors)  # search terms live in the query string, which is never logged


@pytest.mark.parametrize("line", [
    'GET /cases?q=Okafor HTTP/1.1',
    'GET /cases?q="Okafor"&x=Samuel%20Okafor HTTP/1.1',  # a quote the browser sent as it is
    '\x1b[1mGET /cases?q="Okafor" HTTP/1.1\x1b[0m',  # the development server's bold request line
])
def test_the_development_server_logs_no_query_string(line):
    from tracker.operations.logging import PrivateRequestLine

    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '127.0.0.1 - - [01/Dec/2026] "%s" %s %s',
                               (line, "200", "-"), None)
    PrivateRequestLine().filter(record)
    written = record.getMessage()
    assert "Okafor" not in written and "127.0.0.1" not in written
    assert "GET /cases HTTP/1.1" in written


def test_libraries_that_log_addresses_or_letter_text_are_quiet_below_warnings(logging_app):
    # Flask-Limiter's "ratelimit … exceeded" names the client address; fontTools lists the glyphs of each letter.
    for name in ("flask-limiter", "fontTools"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)


TOKEN = "Zq8xT0kEnOfAnInvitation_-123"  # an invitation link's one-time token: it sets the account's password


def test_an_invitation_token_is_never_logged(logging_app, capsys, monkeypatch):
    # The token is in the path (/invitation/<token>), and every request line and error record names the path.
    from tracker.auth import invitations
    from tracker.operations.logging import GunicornLogger, PrivateRequestLine

    logging_app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(invitations, "open_invitation", lambda token: 1 / 0)
    assert logging_app.test_client().get(f"/invitation/{TOKEN}").status_code == 500
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '127.0.0.1 - - [01/Dec/2026] "%s" %s %s',
                               (f"GET /invitation/{TOKEN}?next=/x HTTP/1.1", "200", "-"), None)
    PrivateRequestLine().filter(record)

    class Access:
        def __init__(self):
            self.lines = []

        def info(self, *args, **kwargs):
            self.lines.append((args, kwargs))

    gunicorn = GunicornLogger.__new__(GunicornLogger)
    gunicorn.access_log, gunicorn.cfg = Access(), type("Cfg", (), {"accesslog": "-"})()
    gunicorn.access(type("Resp", (), {"status": "200 OK", "headers": []})(), None,
                    {"REQUEST_METHOD": "GET", "PATH_INFO": f"/invitation/{TOKEN}"},
                    timedelta(milliseconds=3))

    written = capsys.readouterr().err + record.getMessage() + repr(gunicorn.access_log.lines)
    assert "Exception on /invitation/<token> [GET]" in written and "GET /invitation/<token> HTTP/1.1" in written
    assert TOKEN not in written
