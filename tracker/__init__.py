"""Case tracker for recognition (ThürBQFG/BQFG) and the accelerated skilled-worker procedure (§ 81a AufenthG)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from tracker import api, applicant, cli, notifications, portal, registry, reports, web
from tracker.config import ROOT, from_environment
from tracker.db_types import register_sqlite_functions, tune_postgresql_planner
from tracker.extensions import csrf, db, limiter, migrate
from tracker.jobs.mail import dispatch
from tracker.jobs.worker import start_in_process_scheduler
from tracker.operations import register


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment (tests pass their database URL here)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)

    register_extensions(app)
    registry.install(app)  # a broken definition stops the app here, naming file and key
    web.register(app)
    portal.register(app)  # the employers' pages, beside the workspace, with their own guard
    reports.register(app)  # reports for team leads and the ministry, the public statistics page
    applicant.register(app)  # the applicant's status page (no account), and the clerk's access-code buttons
    api.register(app)  # /api/v1 for partner systems, with its own guard (tokens); after the web's error pages
    cli.install(app)
    register_background_jobs(app)
    register_notifications(app)
    register_operations(app)
    return app


def register_extensions(app: Flask) -> None:
    # Every model is imported by now (through the packages above), so Alembic sees the whole schema.
    db.init_app(app)
    with app.app_context():
        tune_postgresql_planner(db.engine, app.config.get("DATABASE_RANDOM_PAGE_COST"))
        register_sqlite_functions(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)


def register_background_jobs(app: Flask) -> None:
    """Without Redis (``make run``), recurring jobs such as the deadline sweep run in a thread of this process."""
    if app.config["SWEEP_IN_PROCESS"] and not app.config.get("REDIS_URL") and not app.testing:
        start_in_process_scheduler(app)


def register_notifications(app: Flask) -> None:
    """The outbox: e-mails are written with the change they report, and handed to the delivery jobs after the
    commit (``tracker/notifications``)."""
    notifications.install(app, dispatch=dispatch)


def register_operations(app: Flask) -> None:
    """Health, metrics, structured logs and backup commands (``tracker/operations``)."""
    register(app)
