"""/healthz says the process is up; /readyz says whether it can serve: database, Redis and schema at head."""
from __future__ import annotations

from alembic.script import ScriptDirectory

from tests.operations.conftest import make_app, migrate_to_head
from tracker.config import ROOT

#: The newest migration, read from the scripts.
HEAD = ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def test_healthz_answers_without_login_and_without_a_database(tmp_path):
    # A database that cannot be reached: the supervisor must still see a live process, not restart it.
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database_with_redis(backend, new_database, redis7_url):
    app = make_app(new_database(backend), REDIS_URL=redis7_url)
    migrate_to_head(app)
    response = app.test_client().get("/readyz")  # no login: the probe has no account
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ready",
                             "checks": {"database": "ok", "redis": "ok", "migrations": "ok"}}


def test_readyz_without_redis_configured_does_not_ask_for_it(migrated_app):
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["redis"] == "not configured"


def test_readyz_names_an_unreachable_database():
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert "database" in response.json["failed"]
    assert response.json["checks"]["database"].startswith("unreachable")


def test_readyz_names_an_unreachable_redis(migrated_app):
    migrated_app.config["REDIS_URL"] = "redis://127.0.0.1:1/7"
    response = migrated_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["redis"]


def test_readyz_refuses_a_schema_behind_the_code(backend, new_database):
    from flask_migrate import downgrade

    app = make_app(new_database(backend))
    migrate_to_head(app)
    with app.app_context():
        downgrade(revision="0002")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["migrations"]
    assert response.json["checks"]["migrations"] == f"database at 0002, code expects {HEAD}"


def test_a_never_migrated_database_is_not_ready(backend, new_database):
    response = make_app(new_database(backend)).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"] == f"database at no revision, code expects {HEAD}"


def test_the_probes_are_public_but_the_app_still_is_not(migrated_app):
    client = migrated_app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/cases").status_code == 302  # deny by default is untouched
