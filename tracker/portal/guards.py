"""The portal's own guard (securedrop's lesson: every blueprint guards itself, the app-wide deny-by-default is the
second line). The unit of work and the public marker it shares with ``tracker.web`` come from ``tracker.http``."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from tracker.cases.access import can_view_case
from tracker.cases.loading import case_by_id
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.procedures.vocabulary import Role


def install(blueprint) -> None:
    """Every view of ``blueprint`` needs a logged-in employer user (of an organisation) or a ThAFF advisor; anyone
    else gets 403, nobody gets a page. Each view then names which of the two it serves (``employers_only``,
    ``advisors_only``); a view named by neither serves both (one case, read through the access rule)."""

    @blueprint.before_request
    @login_required
    def employers_and_advisors_only():
        if not (is_employer_user(current_user) or current_user.role == Role.ADVISOR):
            abort(403)


def is_employer_user(user) -> bool:
    return user.role == Role.EMPLOYER and user.employer_id is not None


def employers_only(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_employer_user(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def employer_admins_only(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_employer_user(current_user) or not current_user.employer_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def advisors_only(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.role != Role.ADVISOR:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def load_case(case_id: int) -> Case:
    """The case, if the current user may see it now (an employer: a valid authorisation of its organisation; an
    advisor: that and a valid grant of the employer); otherwise 404, as for a case that does not exist."""
    case = case_by_id(case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404)
    return case
