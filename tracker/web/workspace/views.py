"""The clerk workspace: work queue, team view, new case, case file and the actions on it."""
from __future__ import annotations

import secrets
from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker import clock
from tracker.cases import queries, service
from tracker.cases.access import can_download_documents, can_use_messages, can_view_case
from tracker.cases.models import Case
from tracker.documents import queries as document_queries
from tracker.documents import uploads
from tracker.extensions import db
from tracker.http import applicant_fields
from tracker.http.forms import parse_id, place_refusals, refusal_at_field
from tracker.http.unit_of_work import perform
from tracker.messages import queries as message_queries
from tracker.messages import service as messages
from tracker.notifications.invitations import with_invitation_mail
from tracker.parties.models import Employer, Office
from tracker.privacy import record_read
from tracker.procedures.vocabulary import Role
from tracker.registry import registry, workflow_of
from tracker.timers.models import Timer
from tracker.web.guards import load_case, load_case_for_change, staff_required
from tracker.web.i18n import current_language
from tracker.web.workspace import forms
from tracker.web.workspace.case_file import (
    authorisation_page,
    build_case_file,
    transition_form_class,
)

blueprint = Blueprint("cases", __name__)


@blueprint.route("/")
def home():
    """Every role's own home: staff the work queue, employer users their cases in the portal, ThAFF advisors
    their overview across the employers that granted them access."""
    if current_user.is_staff:
        return redirect(url_for("cases.queue"))
    if current_user.role == Role.EMPLOYER:
        return redirect(url_for("portal.home"))
    if current_user.role == Role.ADVISOR:
        return redirect(url_for("portal.advisor_home"))
    if current_user.role == Role.DATA_PROTECTION:
        return redirect(url_for("privacy.index"))
    return redirect(url_for("procedures.index"))


# --- work queue -------------------------------------------------------------------------------------------

PAGE_SIZE, MAX_PAGE_SIZE = 50, 200

@blueprint.route("/cases")
def queue():
    if not current_user.is_staff:
        # The clerks' work queue, opened from a bookmark or a typed address by someone without one (an employer
        # user, an advisor, the data protection officer): their own home, as for a clerk's case address.
        return redirect(url_for("cases.home"))
    filters = queries.QueueFilters.from_args(request.args)
    size = min(parse_id(request.args.get("size", "")) or PAGE_SIZE, MAX_PAGE_SIZE)
    extra = ((document_queries.has_new_documents(),) if filters.new_documents else ()) + (
        (message_queries.has_unread_messages(),) if filters.unread else ())
    page = queries.queue_page(current_user, filters, request.args.get("after"), page_size=size, extra=extra)
    shown = [case.id for case in page.cases]
    staff = queries.office_staff(current_user.office_id)
    bulk = forms.BulkAssignForm()
    bulk.assignee.choices = [(0, _("– niemand –"))] + [(user.id, user.name) for user in staff]
    return render_template("cases/queue.html", page=page, filters=filters, staff=staff, bulk_form=bulk,
                           page_args={**filters.as_args(), **({"size": size} if size != PAGE_SIZE else {})},
                           workflows=_queue_procedures(), offices=_offices_for_filter(), today=clock.today(),
                           lang=current_language(), new_documents=document_queries.with_new_documents(shown),
                           unread=message_queries.unread_counts(shown))


def _offices_for_filter() -> list[Office]:
    if current_user.role == Role.ADMIN:
        return list(db.session.scalars(select(Office).order_by(Office.name)))
    return []


@blueprint.route("/cases/assign", methods=["POST"])
@staff_required
def bulk_assign():
    form = forms.BulkAssignForm()
    staff = queries.office_staff(current_user.office_id)
    form.assignee.choices = [(0, "")] + [(user.id, user.name) for user in staff]
    form.case_ids.choices = [(number, value) for value in request.form.getlist("case_ids")
                             if (number := parse_id(value)) is not None]
    # Back to the queue as it was filtered (its own filters only, never wherever the Referer header points).
    back = url_for("cases.queue", **queries.QueueFilters.from_args(dict(parse_qsl(request.form.get("filters", ""))))
                   .as_args())
    if not form.validate_on_submit():
        # Say what was wrong: no case ticked, or somebody outside the office chosen (a stale or forged form).
        flash(_("Bitte wählen Sie mindestens einen Fall aus.") if form.case_ids.errors else _(
            "Fälle können nur Beschäftigten der zuständigen Behörde zugewiesen werden."), "error")
        return redirect(back)
    assignee = next((user for user in staff if user.id == form.assignee.data), None)
    try:
        cases = perform(service.assign_many, form.case_ids.data, assignee, current_user)
    except service.CaseError as error:
        flash(error.text(current_language()), "error")
    else:
        if assignee is None:  # "– niemand –": the cases go back to the office's unassigned pool
            flash(ngettext("Zuständigkeit für %(num)d Fall aufgehoben.", "Zuständigkeit für %(num)d Fälle aufgehoben.",
                           len(cases)), "success")
        else:
            flash(ngettext("%(num)d Fall %(name)s zugewiesen.", "%(num)d Fälle %(name)s zugewiesen.", len(cases),
                           name=assignee.name), "success")
    return redirect(back)


def _queue_procedures():
    """The procedures the queue's filters offer: those of the user's office's kind (a recognition body holds no
    § 81a case; its state list named every § 81a state), all for an admin, who sees every office."""
    office = current_user.office
    return [workflow for workflow in registry().all() if office is None or workflow.office_kind == office.kind]


@blueprint.route("/team")
@staff_required
def team():
    if current_user.role not in (Role.TEAM_LEAD, Role.ADMIN):
        abort(403)
    return render_template("cases/team.html", workload=queries.team_workload(current_user.office_id),
                           attention=queries.attention_timers(current_user.office_id), today=clock.today(),
                           lang=current_language())


# --- new case ---------------------------------------------------------------------------------------------

def _new_case_form() -> forms.NewCaseForm:
    form = forms.NewCaseForm()
    lang = current_language()
    offices = list(db.session.scalars(select(Office).order_by(Office.name)))
    kinds = {office.kind for office in offices if office.id == current_user.office_id} or {o.kind for o in offices}
    form.procedure.choices = [("", "–")] + [(w.id, w.title.get(lang)) for w in registry().all()
                                           if w.office_kind in kinds]
    # Clerks open cases for their own office (they could not see another office's case afterwards); admins for any.
    form.office.choices = [(office.id, office.name) for office in offices if office.kind in kinds
                           and (current_user.role == Role.ADMIN or office.id == current_user.office_id)]
    form.employer.choices = [(0, _("– kein Arbeitgeber –"))] + [
        (employer.id, employer.name) for employer in db.session.scalars(select(Employer).order_by(Employer.name))]
    if request.method == "GET":
        form.office.data = current_user.office_id
        form.received_on.data = clock.today()
        form.submission.data = secrets.token_urlsafe(24)
    return form


@blueprint.route("/cases/new", methods=["GET", "POST"])
@staff_required
def new_case():
    form = _new_case_form()
    if request.method == "POST" and (opened := _opened_from(form)) is not None:
        return opened
    if form.validate_on_submit():
        office = db.session.get(Office, form.office.data)
        applicant = applicant_fields.applicant_of(form)
        db.session.add(applicant)
        try:
            case = perform(
                service.open_case, submission_key=form.submission.data or None,
                procedure_id=form.procedure.data, applicant=applicant, office=office, actor=current_user,
                employer=db.session.get(Employer, form.employer.data) if form.employer.data else None,
                received_on=form.received_on.data, **applicant_fields.qualification_of(form),
                assignee=current_user if office.id == current_user.office_id else None)
        except IntegrityError as error:
            if not service.is_repeated_submission(error):
                raise
            # The same form, sent twice at once: the other request opened the case.
            return _opened_from(form) or redirect(url_for("cases.queue"))
        except service.CaseError as error:
            # Shown at the field it concerns (the employer a § 81a case needs), else at the procedure.
            if not place_refusals(form, error, current_language()):
                form.procedure.errors = [*form.procedure.errors, error.text(current_language())]
        else:
            flash(_("Fall %(reference)s angelegt.", reference=case.reference), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    status = 422 if form.errors else 200
    return render_template("cases/new.html", form=form), status


def _opened_from(form):
    """The form was sent before and opened its case: go there, and say so, rather than open a second one."""
    earlier = service.case_of_submission(form.submission.data if form.submission.validate(form) else None)
    if earlier is None or not can_view_case(current_user, earlier):
        return None
    flash(_("Dieses Formular wurde bereits gesendet: Fall %(reference)s ist angelegt.", reference=earlier.reference),
          "success")
    return redirect(url_for("cases.show", case_id=earlier.id))


# --- case file --------------------------------------------------------------------------------------------

@blueprint.route("/cases/<int:case_id>")
def show(case_id: int):
    case = load_case(case_id)
    if current_user.role in (Role.EMPLOYER, Role.ADVISOR):
        # Employers and their advisors read the case in the portal, in the employer's words and without the
        # authority's internal events.
        return redirect(url_for("portal.case", case_id=case.id))
    return render_case(case)


def render_case(case: Case, *, failed: tuple[str, object] | None = None, error: str | None = None,
                status: int = 200):
    """The case file. ``failed`` = (form key, form) re-shows a refused form with what the user typed."""
    context = build_case_file(case, current_user, current_language(), failed)
    # The focus goes to the refused form's summary when its fields hold the reasons, else to the reason above
    # (a checklist row, a form of one line, has no summary of its own).
    error_takes_focus = failed is None or not failed[1].errors or failed[0].startswith("document:")
    page = render_template("cases/show.html", error=error, error_takes_focus=error_takes_focus, **context)
    record_read(current_user, case, "case_file")  # after rendering: the read log's commit expires nothing shown
    return page, status


def _refused(case: Case, key: str, form, error: service.CaseError):
    """Show the case as it stands now, with the refused form as the user filled it in and why it was refused:
    above the page, and at the fields the refusal names (marked invalid, linked from the form's summary)."""
    message, status = _kept_for_retry(case, form, error)
    place_refusals(form, error, current_language())
    return render_case(case, failed=(key, form), error=message, status=status)


def _kept_for_retry(case: Case, form, error: service.CaseError) -> tuple[str, int]:
    """After a refused change: the case as it stands now, the form as the user filled it in, ready to send again;
    returns what to say and the status."""
    db.session.refresh(case)
    if isinstance(error, service.ConflictError) and hasattr(form, "version"):
        # The page now shows the colleague's change; sending the kept form again means "apply it to this state".
        form.version.data = case.version
    status = 409 if isinstance(error, service.ConflictError) else 403 if isinstance(
        error, service.AccessDenied) else 422
    return error.text(current_language()), status


@blueprint.route("/cases/<int:case_id>/transitions/<transition_id>", methods=["POST"])
def transition(case_id: int, transition_id: str):
    case = load_case_for_change(case_id)
    definition = workflow_of(case).transitions.get(transition_id)
    if definition is None:
        abort(404)
    form = transition_form_class(case, definition, current_language())()
    key = f"transition:{transition_id}"
    if not form.validate_on_submit():
        _procedure_checks_on_given_fields(case, definition, form)
        return render_case(case, failed=(key, form), error=_invalid(form), status=422)
    inputs = {spec.name: _raw(getattr(form, spec.name).data) for spec in definition.form_inputs}
    try:
        perform(service.apply_transition, case, transition_id, current_user, inputs,
                expected_version=form.expected_version)
    except service.CaseError as error:
        return _refused(case, key, form, error)
    flash(_("Erledigt: %(action)s", action=definition.label.get(current_language())), "success")
    anchor = "letters" if definition.letter else None
    return redirect(url_for("cases.show", case_id=case.id, _anchor=anchor))


def _procedure_checks_on_given_fields(case: Case, definition, form) -> None:
    """The form failed its own checks (a required field empty): the procedure's checks of the fields that were
    given (a date in the future, before earlier facts) are shown in the same round, not after the next send."""
    if form.version.errors:
        return
    given = {spec.name: _raw(form[spec.name].data) for spec in definition.form_inputs
             if spec.name in form and not form[spec.name].errors}
    for refusal in service.refusals_at_fields(case, definition.id, given):
        field = form[refusal.field] if refusal.field in form else None
        if field is not None and not field.errors:
            field.errors = [refusal_at_field(refusal.message.get(current_language()), str(field.label.text))]


def _invalid(form, message: str | None = None) -> str:
    """What to say above a refused form. A missing or garbled version means the page was not ours or is broken:
    nothing was applied, and reloading gives a form that works."""
    if getattr(form, "version", None) is not None and form.version.errors:
        return _("Das Formular ist unvollständig oder beschädigt; es wurde nichts geändert. Bitte laden Sie die "
                 "Seite neu und versuchen Sie es erneut.")
    return message or _("Bitte prüfen Sie Ihre Eingaben.")


def _raw(value):
    if isinstance(value, list):
        return ", ".join(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


@blueprint.route("/cases/<int:case_id>/documents/<document_id>", methods=["POST"])
@staff_required  # the authority judges the documents; employers and advisors only see the checklist
def document_status(case_id: int, document_id: str):
    case = load_case_for_change(case_id)
    form = forms.DocumentStatusForm()
    form.received_before = next((d.received_on for d in case.documents if d.document_id == document_id), None)
    key = f"document:{document_id}"
    if not form.validate_on_submit():
        return render_case(case, failed=(key, form), error=_invalid(form), status=422)
    try:
        perform(service.set_document_status, case, document_id, form.status.data, current_user,
                reason=form.reason.data or "", received_on=form.received_on.data,
                expected_version=form.expected_version)
    except service.CaseError as error:
        return _refused(case, key, form, error)
    return redirect(url_for("cases.show", case_id=case.id, _anchor="documents"))


@blueprint.route("/cases/<int:case_id>/assign", methods=["POST"])
@staff_required
def assign(case_id: int):
    case = load_case_for_change(case_id)
    form = forms.AssignForm()
    staff = queries.office_staff(case.office_id)
    form.assignee.choices = [(0, "")] + [(user.id, user.name) for user in staff]
    if not form.validate_on_submit():
        return render_case(case, failed=("assign", form), error=_invalid(form), status=422)
    assignee = next((u for u in staff if u.id == form.assignee.data), None)
    try:
        perform(service.assign, case, assignee, current_user, expected_version=form.expected_version)
    except service.CaseError as error:
        return _refused(case, "assign", form, error)
    flash(_("Zugewiesen: %(name)s", name=assignee.name) if assignee else _("Niemandem zugewiesen."), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@blueprint.route("/cases/<int:case_id>/notes", methods=["POST"])
@staff_required
def add_note(case_id: int):
    case = load_case(case_id)
    form = forms.NoteForm()
    if not form.validate_on_submit():
        return render_case(case, failed=("note", form), error=_("Die Notiz ist leer.") if not form.body.errors or not (
            form.body.data or "").strip() else _("Bitte prüfen Sie Ihre Eingaben."), status=422)
    try:
        perform(service.add_note, case, current_user, form.body.data)
    except service.CaseError as error:
        return _refused(case, "note", form, error)
    return redirect(url_for("cases.show", case_id=case.id, _anchor="notes"))


# --- what the parties sent: documents and messages ----------------------------------------------------------

@blueprint.route("/cases/<int:case_id>/uploads/<int:upload_id>")
def download_upload(case_id: int, upload_id: int):
    """An uploaded document, as an attachment, for those the access rule lets download it (``documents_scope``);
    anyone else, like a case or upload that does not exist, gets 404."""
    case = load_case(case_id)
    upload = uploads.find_upload(case, upload_id) if can_download_documents(current_user, case) else None
    if upload is None:
        abort(404)
    try:
        response = uploads.download(upload)
    except KeyError:
        abort(404)
    record_read(current_user, case, f"upload:{upload_id}")  # a passport or a certificate: on record like the file
    return response


@blueprint.route("/cases/<int:case_id>/messages", methods=["POST"])
def post_message(case_id: int):
    """A message in the case's thread: clerks of the holding office to the parties, advisors to the office."""
    case = load_case(case_id)
    if not can_use_messages(current_user, case):
        abort(404)
    form = forms.MessageForm()
    if not form.validate_on_submit():
        return render_case(case, failed=("message", form), error=_invalid(form), status=422)
    try:
        perform(messages.post_message, case, form.body.data, author_user=current_user)
    except service.CaseError as error:
        return _refused(case, "message", form, error)
    flash(_("Nachricht gesendet."), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="messages"))


@blueprint.route("/cases/<int:case_id>/messages/read", methods=["POST"])
def mark_messages_read(case_id: int):
    """The office has read the parties' messages (for the whole team: the queue's marker goes away). A case the
    user may not see is 404 first, whoever asks; a party on their own case is told it is not theirs to mark."""
    case = load_case(case_id)
    if not can_use_messages(current_user, case):
        abort(404)
    if not current_user.is_staff:
        abort(403)
    if not forms.MarkReadForm().validate_on_submit():
        abort(400)
    perform(messages.mark_read, case, current_user)
    return redirect(url_for("cases.show", case_id=case.id, _anchor="messages"))


TIMER_ACTIONS = {"pause": service.pause_timer, "resume": service.resume_timer, "extend": service.extend_timer}


@blueprint.route("/cases/<int:case_id>/timers/<int:timer_pk>/<action>", methods=["POST"])
@staff_required
def timer_action(case_id: int, timer_pk: int, action: str):
    case = load_case_for_change(case_id)
    timer = db.session.get(Timer, timer_pk)
    if timer is None or timer.case_id != case.id or action not in TIMER_ACTIONS:
        abort(404)
    form = forms.TimerActionForm()
    key = f"timer:{timer.id}:{action}"
    if not form.validate_on_submit():
        return render_case(case, failed=(key, form), error=_invalid(form), status=422)
    extra = (form.period.data,) if action == "extend" else ()
    options = {"until": form.until.data} if action == "extend" else {"on": form.effective_on.data}
    try:
        perform(TIMER_ACTIONS[action], case, timer.id, current_user, *extra, form.reason.data,
                expected_version=form.expected_version, **options)
    except service.CaseError as error:
        return _refused(case, key, form, error)
    flash(_("Erledigt: %(action)s", action={"pause": _("Frist anhalten"), "resume": _("Frist fortsetzen"),
                                             "extend": _("Frist verlängern")}[action]), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="deadlines"))


# --- authorisations and the employer's invitation ----------------------------------------------------------

@blueprint.route("/cases/<int:case_id>/authorisations/new")
def new_authorisation(case_id: int):
    case = load_case_for_change(case_id)  # 404 for a case the user may not see, as every case page answers
    if not current_user.is_staff:
        abort(403)  # an employer acting on its case: the form lists the authority's employer directory
    page = authorisation_page(case, current_language(), search=request.args.get("employer_search", ""))
    return render_template("cases/authorisation.html", page=page)


@blueprint.route("/cases/<int:case_id>/authorisations", methods=["POST"])
@staff_required
def record_authorisation(case_id: int):
    case = load_case_for_change(case_id)
    form = forms.AuthorisationForm()
    page = authorisation_page(case, current_language(), form)  # the choices the sent values are checked against
    if not form.validate_on_submit():
        return render_template("cases/authorisation.html", page=page, error=_invalid(form)), 422
    try:
        perform(service.record_authorisation, case, current_user, employer=db.session.get(Employer, form.employer.data),
                kind=form.kind.data, grantor=form.grantor.data, scope=form.scope.data or "",
                valid_from=form.valid_from.data, valid_until=form.valid_until.data,
                evidence_document_id=form.evidence.data or None, expected_version=form.expected_version)
    except service.CaseError as error:
        message, status = _kept_for_retry(case, form, error)
        if place_refusals(form, error, current_language()):
            message = None
        return render_template("cases/authorisation.html", page=page, error=message), status
    flash(_("Vollmacht erfasst."), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="authorisations"))


@blueprint.route("/cases/<int:case_id>/authorisations/<int:authorisation_id>/revoke", methods=["POST"])
@staff_required
def revoke_authorisation(case_id: int, authorisation_id: int):
    case = load_case_for_change(case_id)
    form = forms.RevokeAuthorisationForm()
    key = f"revoke:{authorisation_id}"
    if not form.validate_on_submit():
        return render_case(case, failed=(key, form), error=_invalid(form, _("Bitte geben Sie einen Grund an.")),
                           status=422)
    try:
        perform(service.revoke_authorisation, case, authorisation_id, current_user, form.reason.data,
                expected_version=form.expected_version)
    except service.CaseError as error:
        return _refused(case, key, form, error)
    flash(_("Vollmacht widerrufen: Der Arbeitgeber hat keinen Zugriff mehr auf diesen Fall."), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="authorisations"))


@blueprint.route("/cases/<int:case_id>/invite-employer", methods=["POST"])
@staff_required
def invite_employer(case_id: int):
    case = load_case_for_change(case_id)
    form = forms.InviteEmployerForm()
    if not form.validate_on_submit():
        return render_case(case, failed=("invite", form), error=_invalid(form), status=422)
    try:
        # The mail is written into the outbox in the same transaction: a refused invitation sends nothing.
        user, _token = perform(with_invitation_mail, service.invite_employer_contact, case, current_user,
                               name=form.name.data, email=form.email.data, expected_version=form.expected_version)
    except service.CaseError as error:
        return _refused(case, "invite", form, error)
    flash(_("Einladung an %(email)s verschickt.", email=user.email), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="authorisations"))

