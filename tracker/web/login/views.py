from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.auth.models import User
from tracker.extensions import db
from tracker.web import sessions
from tracker.web.guards import public
from tracker.web.login.forms import LanguageForm, LoginForm

blueprint = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link bounce through our login. Browsers read "/\"
    # like "//" and drop tabs and newlines, so those never count as local.
    if (target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
            and "\\" not in target and not any(ord(char) < 32 for char in target)):
        return target
    return url_for("cases.queue")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("no account has this password")


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.queue"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.strip().lower()))
        if user is None:
            # Hash anyway, so the response time does not tell whether the address has an account.
            check_password_hash(_dummy_hash(), form.password.data)
        elif user.active and user.check_password(form.password.data):
            sessions.start(user)
            if user.locale:
                session["lang"] = user.locale  # the pages after logout on this device keep the user's language
            return redirect(_safe_next(request.args.get("next")))
        # Deliberately vague: do not tell whether the address or the password was wrong.
        form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@blueprint.route("/logout", methods=["POST"])
def logout():
    sessions.end(current_user._get_current_object())
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        lang = form.lang.data
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang  # remembered per user, across devices
            db.session.commit()
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


@blueprint.app_context_processor
def language_form():
    return {"language_form": LanguageForm(lang=session.get("lang")), "languages": current_app.config["LANGUAGES"]}
