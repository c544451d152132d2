"""Shared fixtures. Tests talk to real databases: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.

Every test that uses ``app`` runs once per available backend. A service the suite cannot reach is a skip with the
reason on a developer's machine, and a failure in CI (CI=true), so CI never passes by skipping.
"""
from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from tracker import clock, create_app
from tracker.extensions import db, limiter

IN_CI = os.environ.get("CI", "").lower() == "true"


# --- no personal data in the logs of the whole run ------------------------------------------------------------
# Every log record of the whole test run (any logger, any level the app emits) goes to one file; every person the
# tests create (through factories, forms or the portal) is remembered; at the end of the run the file is searched
# for their names, e-mail addresses and phone numbers, and a hit fails the run (``pytest_sessionfinish``).
PERSONAL_VALUES: set[str] = set()
_LOG_SCAN: dict = {}


def _remember_person(_mapper, _connection, person) -> None:
    for value in (person.family_name, person.given_names, person.email, person.phone, person.street):
        if value and len(value.strip()) >= 5 and value.strip() != "(gelöscht)":
            PERSONAL_VALUES.add(value.strip())
    if person.given_names and person.family_name:
        PERSONAL_VALUES.add(f"{person.given_names} {person.family_name}")


def pytest_configure(config):
    import logging
    import tempfile

    from sqlalchemy import event

    from tracker.parties.models import Person

    event.listen(Person, "after_insert", _remember_person)
    event.listen(Person, "after_update", _remember_person)
    path = os.path.join(tempfile.mkdtemp(prefix="tracker-log-scan-"), "run.log")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
    _LOG_SCAN.update(path=path, handler=handler)


def personal_data_in(text: str) -> list[str]:
    """The remembered personal values that occur in ``text`` (as whole words)."""
    import re

    return sorted(value for value in PERSONAL_VALUES
                  if re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text))


def pytest_sessionfinish(session, exitstatus):
    import logging

    handler = _LOG_SCAN.get("handler")
    if handler is None:
        return
    handler.flush()
    logging.getLogger().removeHandler(handler)
    handler.close()
    with open(_LOG_SCAN["path"], encoding="utf-8", errors="replace") as log_file:
        found = personal_data_in(log_file.read())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
    if found:
        if reporter is not None:
            reporter.write_line(f"PERSONAL DATA IN THE LOG OUTPUT of this run ({_LOG_SCAN['path']}): "
                                f"{len(found)} value(s) of test persons, e.g. {found[0][:3]}…", red=True)
        session.exitstatus = 1
    elif reporter is not None:
        reporter.write_line(f"log scan: no personal data of {len(PERSONAL_VALUES)} test value(s) in the log "
                            "output of this run")


def service_missing(reason: str):
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


def postgres_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        service_missing("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def create_postgres_database(prefix: str = "tracker_test") -> str:
    """A fresh, empty database on the test server; returns its URL. Dropped by ``drop_postgres_database``."""
    server = postgres_server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except sa.exc.OperationalError as error:
        service_missing(f"PostgreSQL not reachable at TEST_DATABASE_URL: {error.orig}")
    return sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(postgres_server_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def mail_outbox_dir(tmp_path_factory):
    """Apps the tests build themselves deliver their .eml files here too, never into the checkout's instance/."""
    os.environ["MAIL_OUTBOX_DIR"] = str(tmp_path_factory.mktemp("mail-outbox"))
    yield


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'tracker.sqlite'}"
        return
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session")
def base_app(database_url, tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "SECRET_KEY": "test-secret",
        "SERVER_NAME": "tracker.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Every change writes its e-mails into the outbox, delivered in-process (no Redis) as .eml files: here.
        "MAIL_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
    })
    # The `app` fixture keeps one app context pushed for the whole test, and Flask reuses it for the test
    # client's requests. Forget per-request state (Flask-Login's cached user) at the start of each request, so
    # one request's login never leaks into the next client's request.
    def forget_request_state():
        from flask import g

        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, forget_request_state)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def wipe(app) -> None:
    """Empty every table (events included: the append-only and no-truncate triggers are bypassed only here)."""
    from tracker.audit.models import APPEND_ONLY_DDL, DROP_APPEND_ONLY_DDL

    with app.app_context():
        db.session.remove()
        engine = db.engine
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        dialect = engine.dialect.name
        with engine.begin() as connection:
            for statement in DROP_APPEND_ONLY_DDL[dialect]:
                connection.execute(sa.text(statement))
            if dialect == "postgresql":
                connection.execute(sa.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(sa.text(f"DELETE FROM {table}"))
            for statement in APPEND_ONLY_DDL[dialect]:
                connection.execute(sa.text(statement))


@pytest.fixture
def app(base_app):
    clock.travel_to(date(2026, 3, 2))  # a Monday; tests move the clock explicitly
    ctx = base_app.app_context()
    ctx.push()
    limiter.reset()  # each test starts with no failed logins counted
    yield base_app
    db.session.remove()
    ctx.pop()
    clock.resume()
    wipe(base_app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    from tests.factories import Factory

    return Factory()


@pytest.fixture
def login(client):
    def do_login(user, password="correct horse battery"):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return do_login


def redis_test_database(number: int):
    """Redis database ``number`` on the REDIS_URL server, emptied before and after (a generator for fixtures)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        service_missing("REDIS_URL is not set: Redis tests skipped")
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    test_url = f"{url.rsplit('/', 1)[0] if url.count('/') >= 3 else url}/{number}"
    connection = Redis.from_url(test_url)
    try:
        connection.flushdb()
    except RedisConnectionError as error:
        service_missing(f"Redis not reachable at REDIS_URL: {error}")
    yield test_url
    connection.flushdb()
    connection.close()


@pytest.fixture
def redis_url():
    yield from redis_test_database(9)


@pytest.fixture
def office(make):
    """A recognition body (packages with other offices define their own)."""
    return make.office(name="Anerkennungsstelle Erfurt")


@pytest.fixture
def clerk(make, office):
    return make.user(office=office, name="Clara Clerk")
