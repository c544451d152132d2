"""Deny by default: every view needs a logged-in user unless it is marked ``@public``; role decorators on top."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, request
from flask_login import current_user

from tracker.cases.access import can_act_on_case, can_view_case
from tracker.cases.loading import case_by_id
from tracker.cases.models import Case
from tracker.extensions import db, login_manager
from tracker.procedures.vocabulary import Role
from tracker.web import sessions


def roles_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def install_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "strong"

    login_manager.user_loader(sessions.load_user)

    @app.before_request
    def require_login():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is None or getattr(view, "is_public", False) or request.endpoint == "static":
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


def load_case(case_id: int) -> Case:
    """The case, if the current user may see it: the object-level check every case route starts with."""
    case = case_by_id(case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404)  # 404, not 403: do not confirm that another party's case exists
    return case


def load_case_for_change(case_id: int) -> Case:
    case = load_case(case_id)
    if not can_act_on_case(current_user, case):
        abort(403)
    return case
