"""deploy/postgres-roles.sql on a fresh PostgreSQL database: migrations run as the owner role, the app as the app
role through a real transition, and the app role can only read and append audit events (no UPDATE, DELETE or
TRUNCATE on events, no way around the triggers)."""
from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.audit.test_audit_chain import walk_recognition, walk_skilled_worker
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    postgres_server_url,
)
from tests.factories import Factory
from tracker import clock, create_app
from tracker.cases.queries import verify_audit_trail
from tracker.config import ROOT
from tracker.extensions import db

ROLES_SQL = ROOT / "deploy" / "postgres-roles.sql"


def run_as_superuser(url: str, sql: str) -> None:
    # psycopg directly: the file's DO blocks contain % and : that SQLAlchemy's text() would read as parameters.
    conninfo = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql)


def as_role(url: str, role: str) -> str:
    return sa.engine.make_url(url).set(username=role, password=None).render_as_string(hide_password=False)


@pytest.fixture
def roles_database():
    """A fresh database and two roles with names of their own (roles are server-wide); both dropped afterwards."""
    postgres_server_url()
    suffix = uuid.uuid4().hex[:8]
    owner, app_role = f"tracker_owner_{suffix}", f"tracker_app_{suffix}"
    sql = ROLES_SQL.read_text().replace("tracker_owner", owner).replace("tracker_app", app_role)
    url = create_postgres_database("tracker_roles")
    try:
        yield url, sql, owner, app_role
    finally:
        drop_postgres_database(url)
        engine = sa.create_engine(postgres_server_url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for role in (app_role, owner):
                connection.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        engine.dispose()


def app_for(url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SECRET_KEY": "roles"})


def deploy(url: str, sql: str, owner: str):
    """As the README deploys: the roles script, the migrations as the owner role, the roles script again (after
    every migration: grants on the tables just created). Returns the owner's app."""
    run_as_superuser(url, sql)
    owner_app = app_for(as_role(url, owner))
    with owner_app.app_context():
        upgrade()
        db.engine.dispose()
    run_as_superuser(url, sql)
    return owner_app


def test_the_app_role_runs_the_app_but_cannot_change_audit_events(roles_database):
    url, sql, owner, app_role = roles_database
    deploy(url, sql, owner)

    clock.travel_to(date(2026, 3, 2))
    app = app_for(as_role(url, app_role))
    try:
        with app.app_context():
            assert db.session.scalar(sa.text("SELECT current_user")) == app_role
            case = walk_recognition(Factory())  # open, assign, transitions, documents, a note: all as the app
            walk_skilled_worker(Factory())  # linked cases and the sweep (FOR UPDATE SKIP LOCKED) as the app
            db.session.commit()
            case_id = case.id
            event_id = db.session.scalar(sa.text("SELECT min(id) FROM events WHERE case_id = :id"), {"id": case_id})
            assert list(verify_audit_trail()) == []

            for statement in ("UPDATE events SET reason = 'changed' WHERE id = :id",
                              "DELETE FROM events WHERE id = :id",
                              "TRUNCATE events CASCADE",
                              "DROP TRIGGER events_append_only ON events",
                              "ALTER TABLE events DISABLE TRIGGER ALL",
                              "UPDATE alembic_version SET version_num = 'x'",
                              "UPDATE case_reads SET what = 'x'", "DELETE FROM case_reads"):
                with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"):
                    db.session.execute(sa.text(statement), {"id": event_id})
                db.session.rollback()
            assert db.session.scalar(sa.text("SELECT count(*) FROM events WHERE case_id = :id"),
                                     {"id": case_id}) > 5
            db.session.remove()
            db.engine.dispose()
    finally:
        clock.resume()


def test_a_backup_restores_as_the_owner_role_and_the_app_role_serves_it(roles_database, tmp_path):
    """README, Backup and restore: on a new database, the roles script, ``restore`` as the owner role, the roles
    script again (grants on the restored tables); the owner owns everything (later migrations work) and the app
    role reads it, audit trail intact."""
    url, sql, owner, app_role = roles_database
    owner_app = deploy(url, sql, owner)
    clock.travel_to(date(2026, 3, 2))
    app = app_for(as_role(url, app_role))
    try:
        with app.app_context():
            case_id = walk_recognition(Factory()).id
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        backup_dir = tmp_path / "backup"
        done = owner_app.test_cli_runner().invoke(args=["backup", "--to", str(backup_dir)])
        assert done.exit_code == 0, done.output

        target = create_postgres_database("tracker_roles_restored")
        try:
            run_as_superuser(target, sql)
            restored_owner = app_for(as_role(target, owner))
            done = restored_owner.test_cli_runner().invoke(args=["restore", "--from", str(backup_dir)])
            assert done.exit_code == 0, done.output
            run_as_superuser(target, sql)
            with restored_owner.app_context():
                owners = set(db.session.scalars(sa.text(
                    "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")))
                assert owners == {owner}
                upgrade()  # the owner can migrate what it restored (at head: nothing to do, but it reads it)
                db.engine.dispose()
            restored_app = app_for(as_role(target, app_role))
            done = restored_app.test_cli_runner().invoke(args=["audit", "verify"])
            assert done.exit_code == 0 and "audit trail intact" in done.output, done.output
            with restored_app.app_context():
                assert db.session.scalar(sa.text("SELECT count(*) FROM events WHERE case_id = :id"),
                                         {"id": case_id}) > 5
                db.session.remove()
                db.engine.dispose()
        finally:
            drop_postgres_database(target)
    finally:
        clock.resume()
