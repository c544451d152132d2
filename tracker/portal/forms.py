"""Forms of the portal."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import EmailField, PasswordField, StringField, TextAreaField
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


class UploadForm(Form):
    """One file for one checklist item. The file itself is judged by ``tracker.documents.inspection``, by its
    content; the form only says which file was chosen."""

    file = FileField(_l("Datei (PDF, JPEG oder PNG)"), render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,"
                                                                         "image/jpeg,image/png"})


class MessageForm(Form):
    body = TextAreaField(_l("Ihre Nachricht an die Behörde"), validators=[DataRequired(), Length(max=5000)])
