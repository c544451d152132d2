"""Report exports are kept for ``REPORT_EXPORT_KEEP_DAYS`` days after they were requested, then deleted with their
file: an anonymised case list is a copy of the authority's data that nobody maintains, and the table would
otherwise grow with every export. Runs daily as a recurring job and as ``flask reports prune``."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from tracker import clock
from tracker.extensions import db
from tracker.reports.models import ReportExport

log = logging.getLogger(__name__)


def prune_exports(keep_days: int) -> int:
    """Delete every export requested more than ``keep_days`` days ago, whatever its state; returns how many."""
    cutoff = clock.now() - timedelta(days=keep_days)
    deleted = db.session.execute(delete(ReportExport).where(ReportExport.requested_at < cutoff)).rowcount
    db.session.commit()
    return deleted


def run_export_pruning() -> None:
    """The recurring job (once a day)."""
    deleted = prune_exports(current_app.config["REPORT_EXPORT_KEEP_DAYS"])
    if deleted:
        log.info("report exports: %d deleted after %d days", deleted, current_app.config["REPORT_EXPORT_KEEP_DAYS"])
