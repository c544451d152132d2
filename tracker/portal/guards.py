"""The portal's own guard (securedrop's lesson: every blueprint guards itself, the app-wide deny-by-default is the
second line). The unit of work and the public marker it shares with ``tracker.web`` come from ``tracker.http``."""
from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required

from tracker.cases.access import can_view_case
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.procedures.vocabulary import Role


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

