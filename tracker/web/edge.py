"""Input checks at the edge, before any view: numbers in URLs within the database's range, and no control
characters in the path or the query string. What gets past here is what the forms and views check themselves."""
from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from tracker.http.forms import MAX_ID
from tracker.text import has_refused_characters


class IdConverter(IntegerConverter):
    """``<int:…>`` in every URL rule: 1 to the largest PostgreSQL ``integer``; anything else is a 404, never an
    overflow in the database."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (deploy/nginx): the client's address and scheme come from
    the last that many X-Forwarded-For/-Proto entries, so the per-address login limits and the logs see clients,
    not nginx. Without it the headers are ignored: anyone could send them."""
    count = app.config.get("TRUSTED_PROXY_COUNT") or 0
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0)


def install(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    trust_proxies(app)

    @app.before_request
    def refuse_control_characters():
        values = [request.path, *request.args.keys()] + [value for key in request.args
                                                          for value in request.args.getlist(key)]
        if any(has_refused_characters(value) for value in values):
            abort(400)
