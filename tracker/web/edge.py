"""Input checks at the edge, before any view: numbers in URLs within the database's range, and no control
characters in the path or the query string. What gets past here is what the forms and views check themselves."""
from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from tracker.http.forms import CONTROL_CHARACTERS, MAX_ID


class IdConverter(IntegerConverter):
    """``<int:…>`` in every URL rule: 1 to the largest PostgreSQL ``integer``; anything else is a 404, never an
    overflow in the database."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def refuse_control_characters():
        values = [request.path, *request.args.keys()] + [value for key in request.args
                                                          for value in request.args.getlist(key)]
        if any(CONTROL_CHARACTERS.search(value) for value in values):
            abort(400)
