"""The web interface for staff and everyone who logs in: login, the clerk workspace, letters, procedures.

Each blueprint is a thin layer: parse input, check access (``guards``), call one service verb through
``unit_of_work.perform``, render."""
from __future__ import annotations

from flask import Flask

from tracker.extensions import babel
from tracker.http import unit_of_work
from tracker.web import edge, errors, guards, headers, sessions, templating
from tracker.web.i18n import install_template_gettext, select_locale, select_timezone
from tracker.web.dev.views import blueprint as dev
from tracker.web.account.views import blueprint as account
from tracker.web.letters.views import blueprint as letters
from tracker.web.login.views import blueprint as login
from tracker.web.privacy.views import blueprint as privacy
from tracker.web.procedures.views import blueprint as procedures
from tracker.web.workspace.views import blueprint as workspace

BLUEPRINTS = (login, workspace, letters, procedures, privacy, account)


def register(app: Flask) -> None:
    edge.install(app)  # before the blueprints: their URL rules use its bounded int converter
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    guards.install_login(app)
    sessions.install(app)
    unit_of_work.install(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    if app.config["TRACKER_ENV"] != "production":
        app.register_blueprint(dev)  # /dev/outbox: the mails written without a mail server
    # Browsers ask for /favicon.ico wherever a page names no icon (a PDF, JSON opened directly): the same icon,
    # through the static endpoint itself, so it is public and cacheable as every static file is.
    app.add_url_rule("/favicon.ico", "static", app.view_functions["static"], defaults={"filename": "favicon.svg"})
    templating.install(app)
    errors.install(app)
    headers.install(app)
