"""Every recurring job, in one place: (function, interval in seconds)."""
from tracker.jobs.deadlines import run_sweep

RECURRING = [
    (run_sweep, 60),  # deadlines: warnings, breaches, legal fictions
]
