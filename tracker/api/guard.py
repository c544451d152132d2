"""The API's own guard: a personal token in ``Authorization: Bearer``, never the session cookie.

Every view of the blueprint needs a usable token (deny by default) with the scope its operation declares; only
the OpenAPI document and its reference page are public. The session is not even opened on API paths
(``NoSessionOnTheApi``), so a browser's login cannot be ridden by another site and CSRF tokens are not needed.
Rate limits count per token (Flask-Limiter, key = token id)."""
from __future__ import annotations

from flask import current_app, g, request
from flask.sessions import SessionInterface
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import Unauthorized

from tracker.api.problems import PREFIX, ApiProblem
from tracker.auth import tokens
from tracker.auth.models import User
from tracker.extensions import db


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def current_token() -> tokens.ApiToken | None:
    """The request's usable token, looked up once per request (the limiter asks first, the guard after)."""
    if "api_token" not in g:
        given = _bearer()
        g.api_token = tokens.authenticate(given) if given else None
    return g.api_token


def current_user() -> User:
    """The token's owner: the API acts as this user, with exactly their rights."""
    return g.api_token.user


def rate_limit_key() -> str:
    try:
        token = current_token()
    except (OperationalError, InterfaceError):
        # The database is down: the guard's own look-up answers 503 with a retry hint a moment later. Counted by
        # address meanwhile, rather than an error the limiter logs with its trace on every request and takes for
        # its storage failing (it would count in memory, per process, although Redis is fine).
        db.session.rollback()
        return f"api-address:{get_remote_address()}"
    return f"api-token:{token.id}" if token is not None else f"api-address:{get_remote_address()}"


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def require_token() -> None:
    """Before every view of the blueprint: a usable token with the operation's scope."""
    view = current_app.view_functions.get(request.endpoint)
    operation = getattr(view, "api_operation", None)
    if operation is None or operation.scope is None:
        return
    token = current_token()
    if token is None:
        raise Unauthorized()
    if not token.allows(operation.scope):
        raise ApiProblem(403, "Forbidden", f"This token lacks the scope `{operation.scope}`.", kind="scope")
    used = token.last_used_at
    tokens.touch(token)
    if token.last_used_at != used:
        db.session.commit()  # its own small transaction, before the request's unit of work begins


class NoSessionOnTheApi(SessionInterface):
    """The app's session everywhere but under ``/api/v1``: there a null session (nothing read from the cookie,
    nothing written back), so the API never acts on a browser's login."""

    def __init__(self, inner: SessionInterface):
        self.inner = inner

    def open_session(self, app, request):
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return self.make_null_session(app)
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response) -> None:
        return self.inner.save_session(app, session, response)
