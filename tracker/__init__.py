"""Case tracker for recognition (ThürBQFG/BQFG) and the accelerated skilled-worker procedure (§ 81a AufenthG)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from tracker.config import ROOT, from_environment


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
    register_workflows(app)
    register_blueprints(app)
    register_templating(app)
    register_errorhandlers(app)
    register_commands(app)
    register_background_jobs(app)
    return app


def register_extensions(app: Flask) -> None:
    from tracker import models  # noqa: F401  (every model known to SQLAlchemy and Alembic)
    from tracker.auth.access import install_login
    from tracker.extensions import babel, csrf, db, migrate
    from tracker.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_login(app)


def register_workflows(app: Flask) -> None:
    from tracker.workflow_registry import install

    install(app)


def register_blueprints(app: Flask) -> None:
    from tracker.auth.views import blueprint as auth
    from tracker.cases.views import blueprint as cases
    from tracker.letters.views import blueprint as letters
    from tracker.procedures_views import blueprint as procedures

    for blueprint in (auth, cases, letters, procedures):
        app.register_blueprint(blueprint)


def register_templating(app: Flask) -> None:
    from tracker.templating import install

    install(app)


def register_errorhandlers(app: Flask) -> None:
    from tracker.errors import install

    install(app)


def register_background_jobs(app: Flask) -> None:
    """Without Redis (``make run``), recurring jobs such as the deadline sweep run in a thread of this process."""
    if app.config["SWEEP_IN_PROCESS"] and not app.config.get("REDIS_URL") and not app.testing:
        from tracker.queue import start_in_process_scheduler

        start_in_process_scheduler(app)


def register_commands(app: Flask) -> None:
    from tracker.cli import install

    install(app)
