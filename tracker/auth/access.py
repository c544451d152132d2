"""Who may see and do what. Deny by default: a view is public only when marked with ``@public``."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, request
from flask_login import current_user
from sqlalchemy import false, select

from tracker.auth.roles import Role
from tracker.extensions import db, login_manager


def public(view):
    """Mark a view as reachable without login (login page, static files, the applicant's status page)."""
    view.is_public = True
    return view


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
    from tracker.auth.models import User

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))

    @app.before_request
    def require_login():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if view is None or getattr(view, "is_public", False) or request.endpoint == "static":
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


def case_visibility(user):
    """A SQL condition selecting the cases ``user`` may see (used by every list, search and count)."""
    from tracker.cases.models import Case
    from tracker.parties.models import advisor_employers

    role = user.role_enum
    if role is Role.ADMIN:
        return Case.id.is_not(None)
    if role.is_staff:
        return Case.office_id == user.office_id
    if role is Role.EMPLOYER:
        return Case.employer_id == user.employer_id if user.employer_id else false()
    if role is Role.ADVISOR:
        accompanied = select(advisor_employers.c.employer_id).where(advisor_employers.c.advisor_id == user.id)
        return Case.employer_id.in_(accompanied)
    return false()


def can_view_case(user, case) -> bool:
    role = user.role_enum
    if role is Role.ADMIN:
        return True
    if role.is_staff:
        # The immigration office drives the recognition it started (§ 81a(3) AufenthG, § 14a BQFG), and the
        # recognition body sees the § 81a case its recognition belongs to: linked cases are shared.
        offices = {case.office_id}
        if case.parent is not None:
            offices.add(case.parent.office_id)
        offices.update(child.office_id for child in case.children)
        return user.office_id in offices
    if role is Role.EMPLOYER:
        return user.employer_id is not None and case.employer_id == user.employer_id
    if role is Role.ADVISOR:
        return case.employer_id is not None and any(e.id == case.employer_id for e in user.accompanied_employers)
    return False


def can_act_on_case(user, case) -> bool:
    """Changing a case needs more than seeing it: staff act only on their own office's cases."""
    role = user.role_enum
    if role is Role.ADMIN:
        return True
    if role.is_staff:
        return case.office_id == user.office_id
    if role is Role.EMPLOYER:
        return can_view_case(user, case)
    return False  # advisors accompany, they do not act for the authority or the employer

