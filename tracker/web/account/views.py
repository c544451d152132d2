"""The account page: a user's personal API tokens, created (shown once) and revoked. Reachable by every logged-in
user: staff use it beside the workspace, employers beside the portal (one page, the shared layout).

URLs:
    GET  /account/tokens                     the user's tokens
    POST /account/tokens                     create one (the page shows it once)
    POST /account/tokens/<id>/revoke         revoke one of the user's own tokens
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import clock
from tracker.auth import tokens
from tracker.http.unit_of_work import perform
from tracker.web.account.forms import NewTokenForm, RevokeTokenForm
from tracker.web.i18n import current_language

blueprint = Blueprint("account", __name__, url_prefix="/account")


def _page(form: NewTokenForm, *, new_token: str | None = None, status: int = 200):
    response = render_template("account/tokens.html", form=form, revoke_form=RevokeTokenForm(formdata=None),
                               tokens=tokens.tokens_of(current_user), new_token=new_token, now=clock.now(),
                               lang=current_language())
    # A page that shows a secret is kept by no cache and no back button.
    return response, status, {"Cache-Control": "no-store"}


@blueprint.route("/tokens")
def index():
    return _page(NewTokenForm(formdata=None, scopes=[tokens.Scope.READ.value]))


@blueprint.route("/tokens", methods=["POST"])
def create():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    if not _first_use_of(form.form_key.data):
        return _already_created()
    try:
        _row, token = perform(tokens.issue, current_user._get_current_object(), name=form.name.data,
                              scopes=form.scopes.data, days=form.days.data, form_key=form.form_key.data)
    except tokens.AlreadyIssued:
        return _already_created()  # sent twice at once (two tabs, a double click): the database says it
    except tokens.TokenError as error:
        form.name.errors = [*form.name.errors, error.message.get(current_language())]
        return _page(form, status=422)
    # Shown in this answer, not after a redirect: the only place to carry it there would be the session cookie,
    # which is signed, not encrypted.
    return _page(NewTokenForm(formdata=None, scopes=[tokens.Scope.READ.value]), new_token=token, status=201)


def _already_created():
    # Its token exists and was shown once; a second one would only count against the user's limit.
    flash(_("Dieser Zugang wurde bereits erstellt und nur einmal angezeigt. Haben Sie ihn nicht notiert, "
            "widerrufen Sie ihn und erstellen Sie einen neuen."), "error")
    return redirect(url_for("account.index"), 303)


#: Form keys remembered per session: enough for every form a person sends in one sitting.
REMEMBERED_FORMS = 20


def _first_use_of(form_key: str | None) -> bool:
    """Whether this creation form is sent for the first time in this session (its key only, never the secret)."""
    if not form_key:
        return True
    used = list(session.get("token_forms_used", []))
    if form_key in used:
        return False
    session["token_forms_used"] = (used + [form_key])[-REMEMBERED_FORMS:]
    return True


@blueprint.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id: int):
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    try:
        row = perform(tokens.revoke, current_user._get_current_object(), token_id)
    except tokens.TokenError:
        abort(404)  # not the user's own: the answer does not tell whether it exists
    flash(_("Zugang „%(name)s“ widerrufen: Er öffnet nichts mehr.", name=row.name), "success")
    return redirect(url_for("account.index"))
