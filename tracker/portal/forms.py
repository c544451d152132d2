"""Forms of the portal."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from tracker.http.forms import Form


class InviteColleagueForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-Mail"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "off"})


class RemoveColleagueForm(Form):
    pass


class SetPasswordForm(Form):
    password = PasswordField(_l("Neues Passwort"), validators=[DataRequired(), Length(max=256)],
                             description=_l("Mindestens 12 Zeichen; kein häufig benutztes Passwort."),
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Passwort wiederholen"), validators=[DataRequired(), EqualTo(
        "password", message=_l("Die beiden Passwörter stimmen nicht überein."))],
        render_kw={"autocomplete": "new-password"})
