"""Every recurring job, in one place: (function, interval in seconds, queue). Packages above the jobs layer add
theirs to the app with ``register_recurring`` (the reports' export pruning)."""
from flask import Flask

from tracker.jobs.deadlines import run_sweep
from tracker.jobs.mail import pump_outbox, send_daily_digests
from tracker.jobs.queue import DEADLINES, MAIL, MAINTENANCE
from tracker.privacy.retention import run_retention_job

RECURRING = [
    (run_sweep, 60, DEADLINES),  # deadlines: warnings, breaches, legal fictions
    (pump_outbox, 30, MAIL),  # e-mails whose job was lost (Redis down, worker killed) or whose retry is due
    (send_daily_digests, 3600, MAIL),  # the staff's daily digest of yesterday, once per clerk and day
    (run_retention_job, 86400, MAINTENANCE),  # retention: erase personal data whose period ran out (once a day)
]


def register_recurring(app: Flask, func, seconds: int, queue: str) -> None:
    """Run ``func`` (a module-level function, importable by the workers) every ``seconds`` in this app, on
    ``queue``."""
    app.extensions.setdefault("recurring_jobs", []).append((func, seconds, queue))


def recurring(app: Flask) -> list:
    """The recurring jobs of ``app``: the common ones and those its packages registered."""
    return RECURRING + app.extensions.get("recurring_jobs", [])
