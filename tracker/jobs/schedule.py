"""Every recurring job, in one place: (function, interval in seconds)."""
from tracker.jobs.deadlines import run_sweep
from tracker.jobs.mail import pump_outbox, send_daily_digests

RECURRING = [
    (run_sweep, 60),  # deadlines: warnings, breaches, legal fictions
    (pump_outbox, 30),  # e-mails whose job was lost (Redis down, worker killed) or whose retry is due
    (send_daily_digests, 3600),  # the staff's daily digest of yesterday, once per clerk and day
]
