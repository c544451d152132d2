"""The employer's portal: their cases, one case as the § 81a chain, their organisation's users.

URLs:
    GET  /portal                          the employer's home: their cases
    GET  /portal/cases/<id>               one case: the chain, requests, deadlines, documents, messages, and the
                                          timeline without internals
    POST /portal/cases/<id>/documents/<document id>   upload a file for a checklist item
    GET  /portal/cases/<id>/uploads/<upload id>       download an uploaded file (an attachment)
    POST /portal/cases/<id>/messages      write to the office holding the case
    GET  /portal/team                     the organisation's users (administrators invite and remove)
    POST /portal/team/invite              invite a colleague (administrators)
    POST /portal/team/<user id>/remove    remove a colleague (administrators)
    GET/POST /invitation/<token>          public: set the first password with the one-time link
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.auth import invitations
from tracker.cases.access import can_download_documents
from tracker.cases.service import AccessDenied, CaseError
from tracker.documents import uploads
from tracker.http.public import public
from tracker.http.unit_of_work import perform
from tracker.messages import service as messages
from tracker.notifications.invitations import send_invitation
from tracker.portal import guards, overview
from tracker.portal.forms import (
    InviteColleagueForm,
    MessageForm,
    RemoveColleagueForm,
    SetPasswordForm,
    UploadForm,
)

blueprint = Blueprint("portal", __name__, url_prefix="/portal")
guards.install(blueprint)
invitation_blueprint = Blueprint("invitation", __name__)


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale else "de"


@blueprint.route("")
def home():
    return render_template("portal/home.html", lines=overview.home_lines(current_user), lang=_lang(),
                           today=clock.today())


@blueprint.route("/cases/<int:case_id>")
def case(case_id: int):
    return _render_case(guards.load_case(case_id))


def _render_case(case, *, upload_form=None, upload_for: str | None = None, message_form=None, error: str | None = None,
                 status: int = 200):
    """The case page; a refused upload or message is shown again with why (the message keeps what was typed)."""
    page = overview.case_page(case)
    return render_template("portal/case.html", page=page, lang=_lang(), uploads=uploads.case_uploads(case),
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
def team():
    return _render_team(InviteColleagueForm(formdata=None))


def _render_team(form, status: int = 200):
    return render_template("portal/team.html", colleagues=invitations.colleagues(current_user), form=form,
                           remove_form=RemoveColleagueForm(formdata=None), lang=_lang()), status


@blueprint.route("/team/invite", methods=["POST"])
def invite():
    if not current_user.employer_admin:
        abort(403)
    form = InviteColleagueForm()
    if not form.validate_on_submit():
        return _render_team(form, 422)
    try:
        user, token = perform(invitations.invite_colleague, current_user, email=form.email.data,
                                     name=form.name.data)
    except invitations.InvitationError as error:
        form.email.errors = [*form.email.errors, error.text(_lang())]
        return _render_team(form, 422)
    send_invitation(user, token)  # after the commit
    flash(_("Einladung an %(email)s verschickt.", email=user.email), "success")
    return redirect(url_for("portal.team"))


@blueprint.route("/team/<int:user_id>/remove", methods=["POST"])
def remove(user_id: int):
    if not current_user.employer_admin:
        abort(403)
    if not RemoveColleagueForm().validate_on_submit():
        abort(400)
    try:
        colleague = perform(invitations.remove_colleague, current_user, user_id)
    except invitations.InvitationError:
        abort(404)  # not a colleague: the answer does not tell whether the account exists
    flash(_("%(name)s hat keinen Zugang mehr.", name=colleague.name), "success")
    return redirect(url_for("portal.team"))


@invitation_blueprint.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept(token: str):
    if invitations.open_invitation(token) is None:
        return render_template("portal/invitation.html", form=None, invalid=True), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            perform(invitations.accept_invitation, token, form.password.data)
        except invitations.InvitationError as error:
            form.password.errors = [*form.password.errors, error.text(_lang())]
        else:
            flash(_("Ihr Passwort ist gesetzt. Bitte melden Sie sich an."), "success")
            return redirect(url_for("auth.login"))
    return render_template("portal/invitation.html", form=form, invalid=False), 422 if form.errors else 200
