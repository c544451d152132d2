"""The JSON API (``/api/v1``) for partner systems: cases, events, timers, documents and transitions.

An interface beside ``tracker.web``: the same access rule (``cases.access``), the same service verbs, errors as
``application/problem+json``. Its own guard (``guard``): a personal token, never the session cookie."""
from __future__ import annotations

from flask import Flask

from tracker.api import problems
from tracker.api.guard import NoSessionOnTheApi
from tracker.api.views import blueprint


def register(app: Flask) -> None:
    """Register after the web's error pages: the API answers its own paths' 404 and 405 as problems."""
    app.session_interface = NoSessionOnTheApi(app.session_interface)
    app.register_blueprint(blueprint)
    problems.install(app)
