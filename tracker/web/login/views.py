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
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse as parse_limit
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import clock
from tracker.auth import second_factor as totp
from tracker.auth.models import User
from tracker.extensions import db, limiter
from tracker.http.limits import typed_key
from tracker.http.public import public
from tracker.notifications.events import Mail, language_of
from tracker.notifications.outbox import queue_mail
from tracker.text import has_refused_characters
from tracker.web import sessions
from tracker.web.login.forms import CodeForm, LanguageForm, LoginForm

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
    return typed_key("login-account", typed)


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
        return redirect(_safe_next(request.args.get("next")))
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
            if user.locale:
                session["lang"] = user.locale  # the pages after logout on this device keep the user's language
            if user.totp_active:
                sessions.await_second_factor(user)
                return redirect(url_for("auth.second_factor", next=_safe_next(request.args.get("next"))))
            sessions.start(user)
            return redirect(_safe_next(request.args.get("next")))
        # Deliberately vague: do not tell whether the address or the password was wrong.
        form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


def _pending_key() -> str:
    """Failed codes count per account (the pending login's user id), like failed passwords."""
    login_id = session.get("pending_login")
    user_id = login_id.partition(":")[0] if isinstance(login_id, str) else ""
    return "code-account:" + user_id


@blueprint.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_pending_key, methods=["POST"],
               deduct_when=_failed, scope="code-account")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed,
               scope="code-address")
def second_factor():
    """Second login step: the six-digit code of the user whose password was right a moment ago."""
    user = sessions.pending_user()
    if user is None:
        flash(_("Bitte melden Sie sich erneut an."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        # The row lock makes "each code works once" hold for two submissions at the same moment (PostgreSQL).
        user = db.session.get(User, user.id, with_for_update=True, populate_existing=True)
        if user.check_totp(form.code.data):
            db.session.commit()  # the code is used up
            sessions.complete_second_factor(user)
            return redirect(_safe_next(request.args.get("next")))
        form.code.errors.append(_("Der Sicherheitscode ist falsch oder abgelaufen."))
    return render_template("auth/second_factor.html", form=form), 422 if form.errors else 200


@blueprint.route("/account/second-factor", methods=["GET", "POST"])
def enrol_second_factor():
    """Enrolment: a new secret, shown once, takes effect when the user confirms it with a code from their app."""
    user = current_user._get_current_object()
    if user.totp_active:
        return render_template("auth/enrol_second_factor.html", active=True)
    form = CodeForm()
    if form.is_submitted() and user.totp_secret is not None:
        if form.validate() and user.confirm_totp(form.code.data):
            db.session.commit()
            session["second_factor"] = True
            flash(_("Die Zwei-Faktor-Anmeldung ist eingerichtet. Ab jetzt fragt die Anmeldung nach dem Code."),
                  "info")
            return redirect(url_for("cases.home"))
        if not form.code.errors:
            form.code.errors.append(_("Der Sicherheitscode ist falsch oder abgelaufen."))
        secret = user.totp_secret  # the same, not yet effective secret again, so the user can correct the code
    elif user.totp_secret is not None:
        # Opening the page again shows the pending secret again: a GET that replaced it would let any page the
        # user visits (a link, an image) silently spoil an enrolment the user is typing into their app.
        secret = user.totp_secret
    else:
        secret = user.start_totp_enrolment()
        db.session.commit()
    return render_template("auth/enrol_second_factor.html", active=False, form=form,
                           secret=totp.grouped(secret),
                           uri=totp.provisioning_uri(secret, user.email)), 422 if form.errors else 200


def notify_lockout(user: User) -> None:
    """Tell the account's owner that the login is locked for a while (someone may be guessing their password).
    Once per lockout period, whatever the number of refused attempts. Written into the outbox in a unit of work of
    its own and delivered from there (retried if the mail server is down; the lockout answers all the same)."""
    item = parse_limit(f"1 per {LOCKOUT_MINUTES} minutes")
    if not limiter.limiter.hit(item, "lockout-mail", str(user.id)):
        return
    with force_locale(user.locale or "de"):
        subject = _("Ihr Zugang ist vorübergehend gesperrt")
        body = _("Für Ihren Zugang zur Fallverfolgung wurde mehrmals ein falsches Passwort oder ein falscher "
                 "Sicherheitscode eingegeben. Die Anmeldung ist deshalb für %(minutes)d Minuten gesperrt.\n\n"
                 "Waren Sie das nicht, ändern Sie bitte nach Ablauf der Sperre Ihr Passwort und informieren Sie "
                 "die Administration.", minutes=LOCKOUT_MINUTES)
    queue_mail(Mail(key=f"lockout:{user.id}:{clock.now():%Y%m%dT%H%M%S}", kind="lockout", address=user.email,
                    language=language_of(user.locale), subject=str(subject), body=str(body), user_id=user.id))
    db.session.commit()


def _locked_account() -> User | None:
    """The active account a refused login named (by its typed address, or the pending second-factor step)."""
    if request.endpoint == "auth.second_factor":
        return sessions.pending_user()
    typed = (request.form.get("email") or "").strip().lower()
    if not typed or has_refused_characters(typed):
        # The form refused it already; PostgreSQL would refuse a NUL in the query (a 500 instead of the lockout).
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == typed))
    return user if user is not None and user.active else None


def too_many_attempts(error):
    """The lockout: the same words for every address, known or not, and for a busy source address. The owner of
    a locked account gets an e-mail (only when the account's own limit struck, not a busy source address)."""
    if request.method == "POST" and getattr(getattr(error, "limit", None), "scope", "").endswith("-account"):
        user = _locked_account()
        if user is not None:
            notify_lockout(user)
    message = _("Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie %(minutes)d Minuten "
                "und versuchen Sie es dann erneut.", minutes=LOCKOUT_MINUTES)
    if request.endpoint == "auth.second_factor":
        form = CodeForm()
        form.code.errors = [message]
        return render_template("auth/second_factor.html", form=form), 429
    form = LoginForm()
    form.password.errors = [message]
    return render_template("auth/login.html", form=form), 429


@blueprint.route("/logout", methods=["POST"])
def logout():
    sessions.end(current_user._get_current_object())
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/session/renew", methods=["POST"])
def renew_session():
    """"Stay logged in" (the page's session clock, ``static/session-clock.js``): the idle time starts again. The
    session's longest life is not extended. JSON for the script; the CSRF token comes in a header."""
    return {"idle_left": sessions.renew()}


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
