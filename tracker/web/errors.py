"""Error pages (HTML) for the web UI. Each rolls the session back first: the error may come from a failed flush,
and the page itself reads the database (the logged-in user in the header)."""
from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.datastructures import ImmutableMultiDict

from tracker.http.unit_of_work import roll_back_quietly
from tracker.web.login.views import too_many_attempts

log = logging.getLogger(__name__)

#: Seconds a client should wait before trying again while the database is unreachable.
RETRY_AFTER = 30


def database_unavailable(error: Exception):
    """The database is down or restarting (a failover, a restart): 503 with a retry hint, never a 500 with a
    trace. Nothing was written: the transaction did not commit. The page reads nothing from the database."""
    roll_back_quietly()
    log.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)  # no SQL, no data
    # Rendered without the context processors: they would ask the database for the user and the language.
    page = current_app.jinja_env.get_template("unavailable.html").render(url_for=url_for)
    return page, 503, {"Retry-After": str(RETRY_AFTER)}


def request_too_large(error):
    """A request body above ``MAX_CONTENT_LENGTH`` (an upload far too large): refused before it is read, with the
    limit named, never a 500. Nothing was stored."""
    roll_back_quietly()
    # The body stays unread: the page's own forms (the language switch) must not try to parse it again.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    megabytes = f"{current_app.config['UPLOAD_MAX_BYTES'] / 1_048_576:.0f}"
    return render_template("errors.html", status=413, title=_l("Datei zu groß"), message=_l(
        "Die Datei ist zu groß (höchstens %(size)s MB). Es wurde nichts gespeichert. Bitte gehen Sie zurück und "
        "wählen Sie eine kleinere Datei, z. B. einen Scan mit geringerer Auflösung.", size=megabytes)), 413


def method_not_allowed(error):
    """An address that only takes a form (``/logout``, ``/status/leave``) opened as a page, e.g. from the history:
    the app's page in the user's language, not Werkzeug's, with the methods it takes (``Allow``)."""
    roll_back_quietly()
    page = render_template("errors.html", status=405, title=_l("Diese Adresse ist kein Seitenaufruf"), message=_l(
        "Diese Adresse nimmt nur ein abgeschicktes Formular an. Bitte gehen Sie zurück oder zur Startseite."))
    return page, 405, dict(error.get_headers())


def install(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)

    def page(status: int, title, message):
        def handle(error):
            roll_back_quietly()  # before anything reads the database, even the language of the page
            return render_template("errors.html", status=status, title=title, message=message), status

        return handle

    app.register_error_handler(400, page(400, _l("Ungültige Anfrage"), _l(
        "Die Adresse oder das Formular enthält Zeichen oder Werte, die hier nicht möglich sind.")))
    app.register_error_handler(403, page(403, _l("Kein Zugriff"), _l("Sie haben keinen Zugriff auf diese Seite.")))
    app.register_error_handler(404, page(404, _l("Nicht gefunden"),
                                         _l("Diese Seite gibt es nicht oder nicht mehr.")))
    app.register_error_handler(405, method_not_allowed)
    app.register_error_handler(410, page(410, _l("Gelöscht"), _l(
        "Der Inhalt wurde aus Datenschutzgründen gelöscht (Aufbewahrungsfrist abgelaufen oder Löschung auf "
        "Antrag).")))
    app.register_error_handler(CSRFError, page(400, _l("Formular abgelaufen"), _l(
        "Das Formular war zu alt oder unvollständig. Bitte laden Sie die Seite neu und senden Sie es erneut.")))
    app.register_error_handler(413, request_too_large)
    app.register_error_handler(429, lambda e: (roll_back_quietly(), too_many_attempts(e))[1])
    app.register_error_handler(500, page(500, _l("Fehler"), _l(
        "Ein unerwarteter Fehler ist aufgetreten. Ihre letzte Änderung wurde nicht gespeichert.")))
