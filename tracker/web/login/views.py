from __future__ import annotations

import hashlib
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
from tracker.extensions import db, limiter
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
    return url_for("cases.home")  # every role's own home


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("no account has this password")


def _account_key() -> str:
    """The address typed into the login form, as a digest: the limiter's store holds no e-mail addresses. Unknown
    addresses are counted like real ones, so a lockout tells nothing about which accounts exist."""
    typed = (request.form.get("email") or "").strip().lower()
    return "login-account:" + hashlib.sha256(typed.encode("utf-8", "replace")).hexdigest()


def _failed(response) -> bool:
    return response.status_code == 422


LOCKOUT_MINUTES = 15


@blueprint.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"],
               deduct_when=_failed, scope="login-account")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed,
               scope="login-address")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("cases.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(func.lower(User.email) == form.email.data.strip().lower()))
        # Exactly one password hash check whatever the case (unknown address, deactivated account, wrong
        # password), so the response time tells nothing about the account.
        if user is None:
            check_password_hash(_dummy_hash(), form.password.data)
            correct = False
        else:
            correct = user.check_password(form.password.data)
        if correct and user.active:
            sessions.start(user)
            if user.locale:
                session["lang"] = user.locale  # the pages after logout on this device keep the user's language
            return redirect(_safe_next(request.args.get("next")))
        # Deliberately vague: do not tell whether the address or the password was wrong.
        form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


def too_many_attempts(error):
    """The lockout: the same words for every address, known or not, and for a busy source address."""
    form = LoginForm()
    form.password.errors = [_("Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie %(minutes)d Minuten "
                              "und versuchen Sie es dann erneut.", minutes=LOCKOUT_MINUTES)]
    return render_template("auth/login.html", form=form), 429


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
