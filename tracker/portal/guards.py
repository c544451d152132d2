"""The portal's own guard (securedrop's lesson: every blueprint guards itself, the app-wide deny-by-default is the
second line) and its one unit of work. The portal sits beside ``tracker.web`` and may not import it (import
contract), so the two small helpers it shares in spirit are spelled here."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort
from flask_login import current_user, login_required

from tracker.cases.access import can_view_case
from tracker.cases.models import Case
from tracker.cases.service import conflicts_refused
from tracker.extensions import db
from tracker.procedures.vocabulary import Role

T = TypeVar("T")


def public(view):
    """Reachable without login (the invitation link): the attribute the app-wide login check reads."""
    view.is_public = True
    return view


def install(blueprint) -> None:
    """Every view of ``blueprint`` needs a logged-in employer user; anyone else gets 403, nobody gets a page."""

    @blueprint.before_request
    @login_required
    def employers_only():
        if current_user.role != Role.EMPLOYER or current_user.employer_id is None:
            abort(403)


def load_case(case_id: int) -> Case:
    """The case, if the current user may see it now (a valid authorisation); otherwise 404, as for a case that
    does not exist."""
    case = db.session.get(Case, case_id)
    if case is None or not can_view_case(current_user, case):
        abort(404)
    return case


def perform(verb: Callable[..., T], *args, **kwargs) -> T:
    """Run one verb and commit once; roll back on any error (as ``tracker.web.unit_of_work.perform``)."""
    try:
        with conflicts_refused():
            result = verb(*args, **kwargs)
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result
