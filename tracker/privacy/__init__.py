"""Privacy (GDPR): the read log of staff reads (Art. 5(2), 32), retention and erasure (Art. 5(1)(e), 17) and the
export of everything about one person (Art. 15). Its views are in ``tracker.web.privacy``; the retention job is a
recurring job (``tracker.jobs.schedule``) and ``flask retention run``."""
from tracker.privacy.read_log import record_read

__all__ = ["record_read"]
