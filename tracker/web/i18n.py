"""Language and time zone selection, and date formatting for templates."""
from __future__ import annotations

from flask import current_app, request, session
from flask_babel import get_locale
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


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "de"
