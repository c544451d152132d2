from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email

from tracker.http.forms import Form


class LoginForm(Form):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Passwort"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(Form):
    code = StringField(_l("Sicherheitscode"), validators=[DataRequired()],
                       description=_l("Die sechs Ziffern, die Ihre Authenticator-App gerade anzeigt."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 7,
                                  "spellcheck": "false"})


class LanguageForm(Form):
    lang = SelectField(_l("Sprache"), choices=[("de", "Deutsch"), ("en", "English")])
