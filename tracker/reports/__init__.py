"""Reports for team leads and the ministry, and the public statistics page: figures read from the facts the case
verbs keep (``tracker.cases.facts``), never from the events of every case."""
from __future__ import annotations

from flask import Flask

from tracker.reports.commands import reports_command
from tracker.reports.views import blueprint


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.cli.add_command(reports_command)
