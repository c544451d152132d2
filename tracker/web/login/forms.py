from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email

from tracker.web.forms import Form


class LoginForm(Form):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Passwort"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class LanguageForm(Form):
    lang = SelectField(_l("Sprache"), choices=[("de", "Deutsch"), ("en", "English")])
