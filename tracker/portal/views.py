"""The employer's portal: their cases, one case as the § 81a chain, their organisation's users.

URLs:
    GET  /portal                          the employer's home: their cases
    GET  /portal/cases/<id>               one case: the chain, requests, deadlines, the timeline without internals
    GET  /portal/team                     the organisation's users (administrators invite and remove)
    POST /portal/team/invite              invite a colleague (administrators)
    POST /portal/team/<user id>/remove    remove a colleague (administrators)
    GET/POST /invitation/<token>          public: set the first password with the one-time link
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.auth import invitations
from tracker.http.public import public
from tracker.http.unit_of_work import perform
from tracker.notifications.invitations import with_invitation_mail
from tracker.portal import guards, overview
from tracker.portal.forms import (
    InviteColleagueForm,
    RemoveColleagueForm,
    SetPasswordForm,
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
    page = overview.case_page(guards.load_case(case_id))
    return render_template("portal/case.html", page=page, lang=_lang())


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
        user, _token = perform(with_invitation_mail, invitations.invite_colleague, current_user,
                               email=form.email.data, name=form.name.data)  # the mail: outbox, same transaction
    except invitations.InvitationError as error:
        form.email.errors = [*form.email.errors, error.text(_lang())]
        return _render_team(form, 422)
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
