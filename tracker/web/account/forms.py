"""Forms of the account page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
import secrets

from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from tracker.auth.tokens import DEFAULT_DAYS, MAX_DAYS, Scope
from tracker.http.forms import Form, MultiCheckboxField


class NewTokenForm(Form):
    #: One per form shown: the same form sent again (a reload of the answer, a double click) makes no second token.
    form_key = HiddenField(default=lambda: secrets.token_urlsafe(16), validators=[Length(max=64)])
    name = StringField(_l("Name des Zugangs"), description=_l("Zum Beispiel das System, das ihn benutzt."),
                       validators=[DataRequired(_l("Bitte geben Sie dem Zugang einen Namen.")), Length(max=100)])
    scopes = MultiCheckboxField(_l("Rechte"), choices=[
        (Scope.READ.value, _l("Lesen (Fälle, Fristen, Unterlagen, Verlauf)")),
        (Scope.WRITE.value, _l("Schreiben (Schritte in Fällen ausführen)"))],
        validators=[DataRequired(_l("Bitte wählen Sie mindestens ein Recht."))])
    days = IntegerField(_l("Gültig für (Tage)"), default=DEFAULT_DAYS,
                        validators=[InputRequired(_l("Bitte geben Sie eine Zahl von Tagen an.")),
                                    NumberRange(1, MAX_DAYS, _l("Bitte eine Zahl von 1 bis %(max)d.", max=MAX_DAYS))])


class RevokeTokenForm(Form):
    """Only the CSRF token: which token to revoke is in the URL."""
