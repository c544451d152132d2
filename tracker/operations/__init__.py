"""Running the tracker in production: health and readiness, Prometheus metrics, structured logs with request
ids, and backup/restore. ``register(app)`` is the only entry point."""
from __future__ import annotations

from flask import Flask

from tracker.operations import health, logging, metrics
from tracker.operations.commands import COMMANDS


def register(app: Flask) -> None:
    logging.configure(app)
    metrics.install(app)
    app.register_blueprint(health.blueprint)
    for command in COMMANDS:
        app.cli.add_command(command)
