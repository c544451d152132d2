"""Every recurring job, in one place: (function, interval in seconds)."""
from tracker.jobs.deadlines import run_sweep
from tracker.privacy.retention import run_retention_job

RECURRING = [
    (run_sweep, 60),  # deadlines: warnings, breaches, legal fictions
    (run_retention_job, 86400),  # retention: erase personal data whose period ran out (once a day)
]
