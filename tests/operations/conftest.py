"""Fixtures for the operations tests: apps on their own, freshly migrated databases (readiness and backups look at
the Alembic revision, which the shared ``app`` fixture's ``create_all`` does not write), and Redis database 7."""
from __future__ import annotations

import pytest

from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    redis_test_database,
)
from tracker import create_app
from tracker.extensions import db


def make_app(database_url: str, **config):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                       "REDIS_URL": None, "SECRET_KEY": "test-secret", **config})


def migrate_to_head(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture
def new_database(request, tmp_path):
    """A factory of empty databases of the test's backend (``backend`` parameter), dropped afterwards."""
    created = []

    def make(backend: str, name: str = "db") -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / (name + '.sqlite')}"
        url = create_postgres_database("tracker_ops")
        created.append(url)
        return url

    yield make
    for url in created:
        drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def migrated_app(backend, new_database, tmp_path):
    app = make_app(new_database(backend), DOCUMENTS_DIR=str(tmp_path / "documents"))
    migrate_to_head(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def redis7_url():
    """Redis database 7 (this package's), emptied before and after."""
    yield from redis_test_database(7)
