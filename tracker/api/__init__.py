"""The JSON API (``/api/v1``) for partner systems: cases, events, timers, documents and transitions.

An interface beside ``tracker.web``: the same access rule (``cases.access``), the same service verbs, errors as
``application/problem+json``."""
