"""The data-protection role's pages: find a case by reference, its read log, the export of everything about its
applicant (Art. 15) and the erasure on request (Art. 17). No case contents beyond what a request needs: the
reference, procedure, office, dates and outcome, and the applicant's name and birth date to match the request."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.cases.access import can_administer_privacy
from tracker.cases.models import Case
from tracker.cases.service import CaseError
from tracker.extensions import db
from tracker.http.unit_of_work import perform
from tracker.parties.models import Person
from tracker.privacy import erasure, export
from tracker.privacy.read_log import reads_of
from tracker.privacy.retention import keep_until
from tracker.procedures.vocabulary import Role
from tracker.registry import workflow_of
from tracker.web.guards import roles_required
from tracker.web.i18n import current_language
from tracker.web.privacy.forms import EraseForm, ExportForm, FindForm

blueprint = Blueprint("privacy", __name__, url_prefix="/privacy")


# The routes with an id answer 404 to everyone the privacy scope does not admit (every role but data protection),
# as every case route does: the answer does not tell whether the case or person exists.
def _case(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None or not can_administer_privacy(current_user, case):
        abort(404)
    return case


def _person(person_id: int) -> tuple[Person, list[Case]]:
    person = db.session.get(Person, person_id)
    cases = erasure.cases_of(person) if person is not None else []
    if person is None or not cases or not all(can_administer_privacy(current_user, case) for case in cases):
        abort(404)
    return person, cases


@blueprint.route("/")
@roles_required(Role.DATA_PROTECTION)
def index():
    form = FindForm(request.args)
    case = None
    if request.args and form.validate():
        case = db.session.scalar(select(Case).where(Case.reference == form.reference.data.strip().upper()))
        if case is None or not can_administer_privacy(current_user, case):
            form.reference.errors.append(_("Kein Fall mit diesem Aktenzeichen."))
            case = None
    context = {}
    if case is not None:
        cases = erasure.cases_of(case.applicant)
        context = {"person": case.applicant, "cases": [(c, workflow_of(c), keep_until(c)) for c in cases],
                   "export_form": ExportForm(), "may_erase": not any(c.is_open for c in cases)}
    return render_template("privacy/index.html", form=form, case=case, lang=current_language(), **context), \
        422 if form.errors else 200


@blueprint.route("/cases/<int:case_id>/reads")
def reads(case_id: int):
    case = _case(case_id)
    return render_template("privacy/reads.html", case=case, reads=reads_of(case.id))


@blueprint.route("/persons/<int:person_id>/export", methods=["POST"])
def export_person(person_id: int):
    person, cases = _person(person_id)
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    document = perform(export.export_person, person, current_user)
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    filename = f"auskunft-{cases[0].reference}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.route("/persons/<int:person_id>/erase", methods=["GET", "POST"])
def erase_person(person_id: int):
    person, cases = _person(person_id)
    form = EraseForm()
    error = None
    if form.validate_on_submit():
        try:
            perform(erasure.erase_person, person, current_user, form.reason.data)
        except CaseError as refused:
            error = refused.text(current_language())
        else:
            flash(_("Die personenbezogenen Daten wurden gelöscht. Die Statistik und der Prüfpfad bleiben."),
                  "success")
            return redirect(url_for("privacy.index", reference=cases[0].reference))
    return render_template("privacy/erase.html", form=form, person=person, cases=cases, error=error), \
        422 if (form.errors or error) else 200
