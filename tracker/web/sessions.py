"""Sessions: who is logged in, for how long, and how a session ends.

The session lives in a cookie signed with ``SECRET_KEY``; the server cannot delete a copy somebody kept. So the
login id stored in it carries the user's *session generation* (``User.get_id``): logout, a password change and a
deactivation raise the generation, and every older cookie of that user stops opening anything (checked by the
user loader on every request). At login the session is emptied and started anew, which also drops the CSRF token
of the anonymous visit. A session ends after ``SESSION_IDLE_MINUTES`` without a request and
``SESSION_MAX_HOURS`` after login, whatever happens in between. There is no "remember me".

A user with a second factor (TOTP) is not logged in by the password alone: the session then holds only a *pending*
login (id and generation, for ``PENDING_SECONDS``), and ``start`` happens after the code. Staff who must use a
second factor (``TOTP_REQUIRED_FOR_STAFF``) and have none yet can reach nothing but the enrolment page."""
from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tracker.auth.models import User
from tracker.extensions import db
from tracker.http import session_clock

#: Kept across a login or logout on this device: the language chosen before logging in.
KEPT_ACROSS_LOGIN = ("lang",)
#: How long a password stays good for typing the code of the second factor.
PENDING_SECONDS = 300
#: What a session that still owes its second factor may reach.
BEFORE_SECOND_FACTOR = frozenset({"auth.enrol_second_factor", "auth.logout", "auth.set_language", "auth.renew_session",
                                  "static"})
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


def _fresh_session() -> None:
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)


def start(user: User, *, second_factor: bool = False) -> None:
    """Log ``user`` in on a fresh session: nothing of the anonymous session (its CSRF token) survives."""
    _fresh_session()
    login_user(user, remember=False)  # no long-lived cookie for anyone: staff hold personal data
    now = int(time.time())
    session["login_at"] = session["seen_at"] = now
    if second_factor:
        session["second_factor"] = True


def await_second_factor(user: User) -> None:
    """The password was right; the session now waits for the code (nobody is logged in yet)."""
    _fresh_session()
    session["pending_login"] = user.get_id()
    session["pending_at"] = int(time.time())


def pending_user() -> User | None:
    """The user whose password was right a moment ago, if the code may still follow (same generation, active)."""
    login_id, pending_at = session.get("pending_login"), session.get("pending_at")
    if not isinstance(login_id, str) or not isinstance(pending_at, int):
        return None
    if int(time.time()) - pending_at > PENDING_SECONDS:
        return None
    return load_user(login_id)


def complete_second_factor(user: User) -> None:
    """The code was right: log in on a fresh session (the pending one is dropped)."""
    start(user, second_factor=True)


def end(user: User | None) -> None:
    """Log out here and everywhere: every other session of the user ends too."""
    if user is not None and user.is_authenticated:
        user.end_sessions()
        db.session.commit()
    kept = {key: session[key] for key in KEPT_ACROSS_LOGIN if key in session}
    logout_user()
    session.clear()
    session.update(kept)


def limits() -> tuple[int, int]:
    """(seconds a session lasts without a request, seconds it lasts after login at most)."""
    return (int(current_app.config["SESSION_IDLE_MINUTES"] * 60), int(current_app.config["SESSION_MAX_HOURS"] * 3600))


def renew() -> int:
    """The user asked to stay logged in (or is typing): the idle time starts again now; returns its length."""
    session["seen_at"] = int(time.time())
    return limits()[0]


def page_clock() -> session_clock.SessionClock | None:
    """The logged-in session's clock for the page (``tracker.http.session_clock``)."""
    if not current_user.is_authenticated:
        return None
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return None
    now = int(time.time())
    idle, limit = limits()
    page = session_clock.page_address()
    return session_clock.SessionClock(
        kind="staff", idle=idle, idle_left=max(idle - (now - seen_at), 0), hard_left=max(limit - (now - login_at), 0),
        hard_minutes=limit // 60, renew_url=url_for("auth.renew_session"),
        again_url=url_for("auth.login", next=page) if page else url_for("auth.login"), page=page,
        owner=f"user:{current_user.id}")


def install(app: Flask) -> None:
    session_clock.register(app, page_clock)

    @app.before_request
    def enforce_timeouts():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = int(time.time())
        idle, limit = limits()
        login_at, seen_at = session.get("login_at"), session.get("seen_at")
        if (not isinstance(login_at, int) or not isinstance(seen_at, int)
                or now - seen_at > idle or now - login_at > limit):
            end(None)  # this session only: the user's other devices keep theirs
            flash(_("Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."), "info")
            # Back to the page asked for, with its query (a filtered work queue), or for a form sent, to the page it was
            # sent from; the login page keeps its own.
            back = request.args.get("next") if request.endpoint == "auth.login" else session_clock.page_address()
            return redirect(url_for("auth.login", next=back))
        if now - seen_at >= SEEN_RESOLUTION:
            session["seen_at"] = now
        return None

    @app.before_request
    def require_second_factor():
        if (request.endpoint in BEFORE_SECOND_FACTOR or not current_user.is_authenticated
                or session.get("second_factor")
                or not current_user.needs_second_factor(current_app.config["TOTP_REQUIRED_FOR_STAFF"])):
            return None
        if current_user.totp_active:
            # A session without the code although the account has a second factor (e.g. from before it was
            # enrolled elsewhere): it ends; the next login asks for the code.
            end(None)
            return redirect(url_for("auth.login"))
        return redirect(url_for("auth.enrol_second_factor"))
