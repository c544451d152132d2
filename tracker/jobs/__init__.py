"""Background jobs (RQ): the recurring list (``schedule``), the jobs, and the worker and scheduler entry points."""
