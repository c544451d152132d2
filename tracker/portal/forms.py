"""Forms of the portal."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

#: As ``tracker.web.forms.CONTROL_CHARACTERS``: no field may carry control characters (NUL above all).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Form(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if any(isinstance(value, str) and CONTROL_CHARACTERS.search(value) for value in field.raw_data or []):
                field.errors = [*field.errors, _l("Dieses Feld enthält unzulässige Steuerzeichen. Bitte entfernen "
                                                  "Sie sie.")]
                valid = False
        return valid


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
