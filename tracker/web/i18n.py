"""Language and time zone selection, and date formatting for templates."""
from __future__ import annotations

from flask import Flask, current_app, g, has_app_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Europe/Berlin"


def current_locale():
    """``flask_babel.get_locale()``, read straight from where Flask-Babel keeps the request's locale once chosen:
    its own lookup passes three context proxies on every call, and a case page asks a few hundred times (labels,
    gettext, dates). ``force_locale`` (a mail in the recipient's language) sets the same attribute, so it applies
    here as well."""
    if has_app_context():
        chosen = getattr(getattr(g._get_current_object(), "_flask_babel", None), "babel_locale", None)
        if chosen is not None:
            return chosen
    return get_locale()


def current_language() -> str:
    locale = current_locale()
    return locale.language if locale else "de"


def _translations():
    """The request's catalog, looked up once per request and locale: Flask-Babel resolves the domain, the locale
    and its cache key on every call (about 17 µs), and a page calls gettext a few hundred times. Keyed on the
    locale object, so ``force_locale`` (a mail in the recipient's language) still gets its own catalog."""
    locale = current_locale()
    state = g._get_current_object()
    cached = getattr(state, "_catalog", None)
    if cached is None or cached[0] is not locale:
        cached = state._catalog = (locale, get_translations())
    return cached[1]


def install_template_gettext(app: Flask) -> None:
    """The templates' ``_``/``gettext``/``ngettext``/``pgettext`` through ``_translations`` (replacing the ones
    Flask-Babel installed; same newstyle semantics: autoescaped, %(name)s placeholders)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: _translations().ugettext(text),
        ngettext=lambda singular, plural, number: _translations().ungettext(singular, plural, number),
        pgettext=lambda context, text: _translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, number: _translations().unpgettext(
            context, singular, plural, number),
        newstyle=True)
