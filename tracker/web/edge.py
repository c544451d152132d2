"""Input checks at the edge, before any view: numbers in URLs within the database's range, and no control
characters in the path or the query string. What gets past here is what the forms and views check themselves."""
from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
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
    def no_such_address_is_not_a_wrong_method():
        # werkzeug matches a rule's path before its converters: POST to /cases/2147483648/transitions finds the
        # GET rule's path and reports "method not allowed", though no rule serves that id with any method (the
        # converter refuses it). Such an address is not found, whatever the method.
        refused = request.routing_exception
        if isinstance(refused, MethodNotAllowed) and refused.valid_methods:
            allowed = sorted(set(refused.valid_methods) - {"HEAD", "OPTIONS"}) or sorted(refused.valid_methods)
            try:
                app.url_map.bind_to_environ(request.environ).match(method=allowed[0])
            except NotFound:
                abort(404)
            except HTTPException:
                pass  # a real rule answers that method: the 405 stands

    @app.before_request
    def refuse_control_characters():
        values = [request.path, *request.args.keys()] + [value for key in request.args
                                                          for value in request.args.getlist(key)]
        if any(has_refused_characters(value) for value in values):
            abort(400)
