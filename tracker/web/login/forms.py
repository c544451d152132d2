from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email


class LoginForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Passwort"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Sprache"), choices=[("de", "Deutsch"), ("en", "English")])
