"""RQ jobs for deadlines. They take ids only and run inside the worker's app context."""
from __future__ import annotations

import logging

from tracker.cases.sweep import sweep
from tracker.extensions import db

log = logging.getLogger(__name__)


def run_sweep() -> int:
    """The periodic sweep. The e-mails its warnings, breaches and fictions owe are written into the outbox in the
    sweep's own transactions (``tracker.notifications.outbox``) and delivered by the outbox's jobs."""
    try:
        return sweep().total
    finally:
        db.session.remove()
