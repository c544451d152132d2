"""The portal of employers and ThAFF advisors: their cases, one case as the § 81a chain, the organisation's users
and the advisors it lets follow its cases; the advisor's overview across the employers that granted it access.

URLs:
    GET  /portal                          the employer's home: their cases
    GET/POST /portal/cases/new            request the accelerated skilled-worker procedure (§ 81a) for a worker
    GET  /portal/cases/<id>               one case (employers and advisors, read through the access rule): the chain,
                                          requests, deadlines, documents, messages, the timeline without internals
    POST /portal/cases/<id>/documents/<document id>   upload a file for a checklist item (employer users)
    GET  /portal/cases/<id>/uploads/<upload id>       download an uploaded file (an attachment)
    POST /portal/cases/<id>/messages      write to the office holding the case (employer users and advisors)
    GET  /portal/team                     the organisation's users (administrators invite and remove)
    POST /portal/team/invite              invite a colleague (administrators)
    POST /portal/team/<user id>/remove    remove a colleague (administrators)
    GET  /portal/advisors                 the ThAFF advisors the organisation lets follow its cases
    POST /portal/advisors/grant           grant an advisor access, with the consent (administrators)
    POST /portal/advisors/<grant id>/revoke   end an advisor's access at once (administrators)
    GET  /portal/overview                 the advisor's home: cases by stage, without progress for N days, deadlines
    GET  /portal/overview/cases           the advisor's open cases in one stage (?procedure=&state=&after=)
    GET/POST /invitation/<token>          public: set the first password with the one-time link
"""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker import clock
from tracker.advisors import overview as advisor_overview
from tracker.advisors import service as advisor_service
from tracker.auth import invitations
from tracker.cases import employer_request
from tracker.cases.access import can_download_documents, can_view_case
from tracker.cases.service import AccessDenied, CaseError, case_of_submission, is_repeated_submission
from tracker.documents import uploads
from tracker.extensions import db
from tracker.http import applicant_fields
from tracker.http.forms import parse_id, place_refusals
from tracker.http.public import public
from tracker.http.unit_of_work import perform
from tracker.messages import service as messages
from tracker.notifications.invitations import invite_colleague_quietly
from tracker.parties.models import Office
from tracker.portal import guards, overview
from tracker.portal.forms import (
    GrantAdvisorForm,
    InviteColleagueForm,
    MessageForm,
    ProcedureRequestForm,
    RemoveColleagueForm,
    RevokeAdvisorForm,
    SetPasswordForm,
    StalledDaysForm,
    UploadForm,
)
from tracker.portal.guards import advisors_only, employer_admins_only, employers_only
from tracker.procedures.vocabulary import OfficeKind
from tracker.text import has_refused_characters

blueprint = Blueprint("portal", __name__, url_prefix="/portal")
guards.install(blueprint)
invitation_blueprint = Blueprint("invitation", __name__)

#: A page number above this is no page anyone reached by following links: it shows the first page.
MAX_PAGE = 100_000


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale else "de"


@blueprint.route("")
@employers_only
def home():
    number = request.args.get("page", 1, type=int)
    page = overview.home_page(current_user, number if 0 < number <= MAX_PAGE else 1)
    return render_template("portal/home.html", page=page, lines=page.lines, lang=_lang(), today=clock.today())


@blueprint.route("/cases/new", methods=["GET", "POST"])
@employers_only
def request_procedure():
    """The employer asks an immigration office for the accelerated procedure (``cases.employer_request``)."""
    form = ProcedureRequestForm()
    form.office.choices = [(office.id, office.name) for office in db.session.scalars(
        select(Office).where(Office.kind == OfficeKind.IMMIGRATION_OFFICE).order_by(Office.name))]
    if request.method == "GET":
        form.submission.data = secrets.token_urlsafe(24)
        form.granted_on.data = clock.today()
    elif (requested := _requested_from(form)) is not None:
        return requested
    if form.validate_on_submit():
        applicant = applicant_fields.applicant_of(form)
        db.session.add(applicant)
        try:
            case = perform(employer_request.request_accelerated_procedure, current_user,
                           office=db.session.get(Office, form.office.data), applicant=applicant,
                           granted_on=form.granted_on.data, submission_key=form.submission.data or None,
                           **applicant_fields.qualification_of(form))
        except IntegrityError as error:
            if not is_repeated_submission(error):
                raise
            return _requested_from(form) or redirect(url_for("portal.home"))  # the same form, sent twice at once
        except CaseError as error:
            if not place_refusals(form, error, _lang()):
                form.office.errors = [*form.office.errors, error.text(_lang())]
        else:
            flash(_("Ihr Antrag ist eingegangen: Fall %(reference)s. Die Ausländerbehörde meldet sich bei Ihnen, um "
                    "die Vereinbarung zu schließen.", reference=case.reference), "success")
            return redirect(url_for("portal.case", case_id=case.id))
    return render_template("portal/request.html", form=form), 422 if form.errors else 200


def _requested_from(form):
    """The form was sent before and opened its case: go there, and say so, rather than open a second one."""
    earlier = case_of_submission(form.submission.data if form.submission.validate(form) else None)
    if earlier is None or not can_view_case(current_user, earlier):
        return None
    flash(_("Dieses Formular wurde bereits gesendet: Fall %(reference)s ist angelegt.", reference=earlier.reference),
          "success")
    return redirect(url_for("portal.case", case_id=earlier.id))


@blueprint.route("/cases/<int:case_id>")
def case(case_id: int):
    return _render_case(guards.load_case(case_id))


def _render_case(case, *, upload_form=None, upload_for: str | None = None, message_form=None, error: str | None = None,
                 status: int = 200):
    """The case page; a refused upload or message is shown again with why (the message keeps what was typed).

    Files are linked only for a viewer the download route admits (the same rule), so no link answers 404: an
    advisor sees that a file came, not the file."""
    page = overview.case_page(case)
    return render_template("portal/case.html", page=page, lang=_lang(), uploads=uploads.case_uploads(case),
                           may_download=can_download_documents(current_user, case),
                           advisor=not guards.is_employer_user(current_user),
                           upload_form=upload_form or UploadForm(formdata=None), upload_for=upload_for,
                           blank_upload_form=lambda: UploadForm(formdata=None),
                           open_for_upload=uploads.OPEN_FOR_UPLOAD, message_form=message_form or MessageForm(
                               formdata=None), messages=messages.thread(case), error=error), status


@blueprint.route("/cases/<int:case_id>/documents/<document_id>", methods=["POST"])
def upload(case_id: int, document_id: str):
    case = guards.load_case(case_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_case(case, upload_form=form, upload_for=document_id, error=_(
            "Bitte prüfen Sie Ihre Eingaben."), status=422)
    file = request.files.get("file")
    try:
        received = perform(uploads.receive_upload, case, document_id, file, uploaded_by_user=current_user)
    except CaseError as error:
        form.file.errors = [*form.file.errors, error.text(_lang())]
        status = 403 if isinstance(error, AccessDenied) else 422
        return _render_case(case, upload_form=form, upload_for=document_id, error=error.text(_lang()),
                            status=status)
    flash(_("„%(name)s“ ist eingegangen. Die Behörde prüft die Unterlage.", name=received.file_name), "success")
    return redirect(url_for("portal.case", case_id=case.id, _anchor="documents"))


@blueprint.route("/cases/<int:case_id>/uploads/<int:upload_id>")
def download(case_id: int, upload_id: int):
    case = guards.load_case(case_id)
    upload = uploads.find_upload(case, upload_id) if can_download_documents(current_user, case) else None
    if upload is None:
        abort(404)
    try:
        return uploads.download(upload)
    except KeyError:
        abort(404)


@blueprint.route("/cases/<int:case_id>/messages", methods=["POST"])
def message(case_id: int):
    case = guards.load_case(case_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_case(case, message_form=form, error=_("Bitte prüfen Sie Ihre Nachricht."), status=422)
    try:
        perform(messages.post_message, case, form.body.data, author_user=current_user)
    except CaseError as error:
        form.body.errors = [*form.body.errors, error.text(_lang())]
        return _render_case(case, message_form=form, error=error.text(_lang()), status=422)
    flash(_("Ihre Nachricht ist bei der Behörde eingegangen."), "success")
    return redirect(url_for("portal.case", case_id=case.id, _anchor="messages"))


@blueprint.route("/team")
@employers_only
def team():
    return _render_team(InviteColleagueForm(formdata=None))


def _render_team(form, status: int = 200, confirm: int | None = None):
    return render_template("portal/team.html", colleagues=invitations.colleagues(current_user), form=form,
                           remove_form=RemoveColleagueForm(formdata=None), confirm=confirm, lang=_lang()), status


def _confirmed() -> bool:
    """Removing a colleague or revoking an advisor's access takes a second, explicit button ("Ja, ..."): a request
    without it (an old page, a stray submit) only opens the confirmation."""
    return request.form.get("confirm") == "yes"


@blueprint.route("/team/invite", methods=["POST"])
@employer_admins_only
def invite():
    form = InviteColleagueForm()
    if not form.validate_on_submit():
        return _render_team(form, 422)
    try:
        # The mail goes into the outbox in the same transaction. An address with an account elsewhere gets the
        # same answer as a new one (its owner is told by mail): the answer does not reveal who has an account.
        perform(invite_colleague_quietly, current_user, email=form.email.data, name=form.name.data)
    except invitations.InvitationError as error:
        form.email.errors = [*form.email.errors, error.text(_lang())]
        return _render_team(form, 422)
    flash(_("Einladung an %(email)s verschickt.", email=form.email.data.strip()), "success")
    return redirect(url_for("portal.team"))


@blueprint.route("/team/<int:user_id>/remove", methods=["POST"])
@employer_admins_only
def remove(user_id: int):
    if not RemoveColleagueForm().validate_on_submit():
        abort(400)
    if not _confirmed():
        if user_id == current_user.id or user_id not in {person.id for person, _ in
                                                         invitations.colleagues(current_user)}:
            abort(404)  # as the removal itself answers: the answer does not tell whether the account exists
        return _render_team(InviteColleagueForm(formdata=None), confirm=user_id)
    try:
        colleague = perform(invitations.remove_colleague, current_user, user_id)
    except invitations.InvitationError:
        abort(404)  # not a colleague: the answer does not tell whether the account exists
    flash(_("%(name)s hat keinen Zugang mehr.", name=colleague.name), "success")
    return redirect(url_for("portal.team"))


# --- ThAFF advisors: the employer's grants ------------------------------------------------------------------

def _grant_form(*, blank: bool = False) -> GrantAdvisorForm:
    """The grant form: filled from the request, or ``blank`` (a page shown after another form's POST)."""
    form = GrantAdvisorForm(formdata=None) if blank else GrantAdvisorForm()
    form.advisor.choices = [(0, _("– bitte wählen –"))] + [
        (advisor.id, advisor.name) for advisor in advisor_service.advisors()]
    if request.method == "GET" or blank:
        form.valid_from.data = clock.today()
    return form


def _render_advisors(form, status: int = 200, confirm: int | None = None):
    today = clock.today()
    example = advisor_service.consent_preview(current_user.employer.name, _lang())
    return render_template("portal/advisors.html", grants=advisor_service.grants_of(current_user.employer_id),
                           form=form, revoke_form=RevokeAdvisorForm(formdata=None), consent=example, today=today,
                           confirm=confirm, lang=_lang()), status


@blueprint.route("/advisors")
@employers_only
def advisors():
    return _render_advisors(_grant_form())


@blueprint.route("/advisors/grant", methods=["POST"])
@employer_admins_only
def grant_advisor():
    form = _grant_form()
    if not form.validate_on_submit():
        return _render_advisors(form, 422)
    try:
        grant = perform(advisor_service.grant_access, current_user, advisor_id=form.advisor.data,
                        valid_from=form.valid_from.data, valid_until=form.valid_until.data,
                        consented=form.consent.data, lang=_lang())
    except advisor_service.GrantError as error:
        # Shown at the input it names (a date, the consent), so the summary's link leads there; else at the advisor.
        field = form[error.field] if error.field and error.field in form else form.advisor
        field.errors = [*field.errors, error.text(_lang())]
        return _render_advisors(form, 422)
    flash(_("%(name)s kann die Fälle Ihres Unternehmens ab dem %(day)s lesen.", name=grant.advisor.name,
            day=grant.valid_from.strftime("%d.%m.%Y")), "success")
    return redirect(url_for("portal.advisors"))


@blueprint.route("/advisors/<int:grant_id>/revoke", methods=["POST"])
@employer_admins_only
def revoke_advisor(grant_id: int):
    if not RevokeAdvisorForm().validate_on_submit():
        abort(400)
    if not _confirmed():
        if not any(grant.id == grant_id and grant.revoked_at is None
                   for grant in advisor_service.grants_of(current_user.employer_id)):
            abort(404)  # as the revocation itself answers
        return _render_advisors(_grant_form(blank=True), confirm=grant_id)
    try:
        grant = perform(advisor_service.revoke_access, current_user, grant_id)
    except advisor_service.GrantError:
        abort(404)  # not a grant of this organisation (or revoked already): nothing to say about it
    flash(_("Der Zugang von %(name)s ist beendet.", name=grant.advisor.name), "success")
    return redirect(url_for("portal.advisors"))


# --- ThAFF advisors: the advisor's overview -----------------------------------------------------------------

@blueprint.route("/overview")
@advisors_only
def advisor_home():
    form = StalledDaysForm(request.args if "days" in request.args else None)
    days = advisor_overview.DEFAULT_DAYS
    if "days" not in request.args:
        form.days.data = days
    elif form.validate():
        days = form.days.data
    page = advisor_overview.overview(current_user, days)
    return render_template("portal/overview.html", page=page, form=form, lang=_lang()), 422 if form.errors else 200


@blueprint.route("/overview/cases")
@advisors_only
def advisor_stage():
    procedure, state = request.args.get("procedure", ""), request.args.get("state", "")
    if not all(0 < len(value) <= 64 and not has_refused_characters(value) for value in (procedure, state)):
        abort(404)  # names no stage (a NUL would not even reach PostgreSQL)
    after = parse_id(request.args.get("after", "")) if request.args.get("after") else None
    page = advisor_overview.stage_page(current_user, procedure, state, after)
    if page is None:
        abort(404)  # no such stage: a page titled with whatever was typed would pretend there is
    return render_template("portal/stage.html", page=page, lang=_lang(), today=clock.today())


@invitation_blueprint.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    invitation = invitations.open_invitation(token)
    if invitation is None:
        return render_template("portal/invitation.html", form=None, invalid=True), 404
    # Whose account this is: the invitee sees the address and the organisation before choosing a password.
    account = invitation.user
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            perform(invitations.accept_invitation, token, form.password.data)
        except invitations.InvitationError as error:
            form.password.errors = [*form.password.errors, error.text(_lang())]
        else:
            flash(_("Ihr Passwort ist gesetzt. Bitte melden Sie sich an."), "success")
            return redirect(url_for("auth.login"))
    return render_template("portal/invitation.html", form=form, invalid=False, account=account), \
        422 if form.errors else 200
