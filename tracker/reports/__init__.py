"""Reports for team leads and the ministry, and the public statistics page: figures read from the facts the case
verbs keep (``tracker.cases.facts``), never from the events of every case."""
from __future__ import annotations

from flask import Flask

from tracker.jobs.queue import REPORTS
from tracker.jobs.schedule import register_recurring
from tracker.reports.commands import reports_command
from tracker.reports.jobs import pump_exports
from tracker.reports.pruning import run_export_pruning
from tracker.reports.tables import figure
from tracker.reports.views import blueprint


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
    # The table's cells and the chart's values through one formatter, in the page's language.
    app.jinja_env.globals["report_figure"] = figure
    app.cli.add_command(reports_command)
    register_recurring(app, run_export_pruning, 86400, REPORTS)  # exports older than REPORT_EXPORT_KEEP_DAYS
    register_recurring(app, pump_exports, 60, REPORTS)  # exports whose job never reached the queue or was lost
