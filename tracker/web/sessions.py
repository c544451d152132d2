"""Sessions: who is logged in, for how long, and how a session ends.

The session lives in a cookie signed with ``SECRET_KEY``; the server cannot delete a copy somebody kept. So the
login id stored in it carries the user's *session generation* (``User.get_id``): logout, a password change and a
deactivation raise the generation, and every older cookie of that user stops opening anything (checked by the
user loader on every request). At login the session is emptied and started anew, which also drops the CSRF token
of the anonymous visit. A session ends after ``SESSION_IDLE_MINUTES`` without a request and
``SESSION_MAX_HOURS`` after login, whatever happens in between. There is no "remember me"."""
from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tracker.auth.models import User
from tracker.extensions import db

#: Kept across a login or logout on this device: the language chosen before logging in.
KEPT_ACROSS_LOGIN = ("lang",)
#: Only write ``seen_at`` back (and so a new cookie) when it moved by at least this many seconds.
SEEN_RESOLUTION = 30


def load_user(login_id: str) -> User | None:
    """The user of a session, if the session is still theirs: same generation, account active."""
    user_id, _sep, generation = login_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and generation.isascii() and generation.isdigit()):
        return None  # an id from before generations, or not ours
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or int(generation) != (user.session_generation or 1):
        return None
    return user


def start(user: User) -> None:
    """Log ``user`` in on a fresh session: nothing of the anonymous session (its CSRF token) survives."""
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=False)  # no long-lived cookie for anyone: staff hold personal data
    now = int(time.time())
    session["login_at"] = session["seen_at"] = now


def end(user: User | None) -> None:
    """Log out here and everywhere: every other session of the user ends too."""
    if user is not None and user.is_authenticated:
        user.end_sessions()
        db.session.commit()
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    logout_user()
    session.clear()
    session.update(kept)


def install(app: Flask) -> None:
    @app.before_request
    def enforce_timeouts():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = int(time.time())
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        limit = current_app.config["SESSION_MAX_HOURS"] * 3600
        login_at, seen_at = session.get("login_at"), session.get("seen_at")
        if (not isinstance(login_at, int) or not isinstance(seen_at, int)
                or now - seen_at > idle or now - login_at > limit):
            end(None)  # this session only: the user's other devices keep theirs
            flash(_("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."), "info")
            return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))
        if now - seen_at >= SEEN_RESOLUTION:
            session["seen_at"] = now
        return None
