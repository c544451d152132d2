"""Liveness and readiness for the load balancer and the process supervisor.

``/healthz`` answers as long as the process serves requests and touches nothing else: a database outage must not
make the supervisor restart healthy web processes. ``/readyz`` says whether this process can do useful work now:
the database answers, Redis answers (when configured), and the schema is at the migrations' head (a process of a
newer release must not serve against an old schema).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from redis import Redis

from tracker.extensions import db
from tracker.http.public import public  # deny-by-default allow-list

blueprint = Blueprint("operations_health", __name__)


@blueprint.route("/healthz")
@public
def healthz():
    return jsonify(status="ok")


@blueprint.route("/readyz")
@public
def readyz():
    checks = {"database": check_database(), "redis": check_redis(), "migrations": check_migrations()}
    failed = [name for name, result in checks.items() if result not in ("ok", "not configured")]
    if failed:
        return jsonify(status="unavailable", failed=failed, checks=checks), 503
    return jsonify(status="ready", checks=checks)


def check_database() -> str:


    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # any failure means "not ready"; the class name says which kind without secrets
        return f"unreachable ({type(error).__name__})"
    return "ok"


def check_redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"

    try:
        connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            connection.ping()
        finally:
            connection.close()
    except Exception as error:
        return f"unreachable ({type(error).__name__})"
    return "ok"


def migration_heads() -> set[str]:
    """The revisions the code expects (read from ``migrations/``, cached: the files do not change while running)."""
    cache = current_app.extensions.setdefault("operations", {})
    if "heads" not in cache:
        cache["heads"] = set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())
    return cache["heads"]


def database_revisions() -> set[str]:
    """Read ``alembic_version`` directly: Alembic's MigrationContext would log two lines on every probe."""


    with db.engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return set()
        return set(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def check_migrations() -> str:
    try:
        current = database_revisions()
    except Exception as error:
        return f"unknown ({type(error).__name__})"
    expected = migration_heads()
    if current == expected:
        return "ok"
    return f"database at {', '.join(sorted(current)) or 'no revision'}, code expects {', '.join(sorted(expected))}"
