"""Error pages (HTML) for the web UI. Each rolls the session back first: the error may come from a failed flush,
and the page itself reads the database (the logged-in user in the header)."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from tracker.web.login.views import too_many_attempts
from tracker.web.unit_of_work import roll_back_quietly


def install(app: Flask) -> None:
    def page(status: int, title: str, message: str):
        roll_back_quietly()
        return render_template("errors.html", status=status, title=title, message=message), status

    app.register_error_handler(400, lambda e: page(400, _("Ungültige Anfrage"), _(
        "Die Adresse oder das Formular enthält Zeichen oder Werte, die hier nicht möglich sind.")))
    app.register_error_handler(403, lambda e: page(403, _("Kein Zugriff"),
                                                  _("Sie haben keinen Zugriff auf diese Seite.")))
    app.register_error_handler(404, lambda e: page(404, _("Nicht gefunden"),
                                                  _("Diese Seite gibt es nicht oder nicht mehr.")))
    app.register_error_handler(CSRFError, lambda e: page(400, _("Formular abgelaufen"), _(
        "Das Formular war zu alt oder unvollständig. Bitte laden Sie die Seite neu und senden Sie es erneut.")))
    app.register_error_handler(429, lambda e: (roll_back_quietly(), too_many_attempts(e))[1])
    app.register_error_handler(500, lambda e: page(500, _("Fehler"), _(
        "Ein unerwarteter Fehler ist aufgetreten. Ihre letzte Änderung wurde nicht gespeichert.")))
