"""Forms of the portal."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from tracker.advisors.overview import MAX_DAYS, MIN_DAYS
from tracker.http.forms import Form, date_required, plausible_date


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


class GrantAdvisorForm(Form):
    advisor = SelectField(_l("Beratung der ThAFF"), coerce=int, validators=[DataRequired(_l(
        "Bitte wählen Sie eine Beratung der ThAFF aus der Liste."))])
    valid_from = DateField(_l("Zugang ab"), validators=[date_required(), plausible_date()])
    valid_until = DateField(_l("Zugang bis (einschließlich)"), validators=[Optional(), plausible_date()],
                            description=_l("Leer lassen: bis Sie den Zugang widerrufen."))
    consent = BooleanField(_l("Wir willigen wie oben beschrieben ein."), validators=[DataRequired(_l(
        "Bitte bestätigen Sie die Einwilligung."))])


class RevokeAdvisorForm(Form):
    pass


def _no_second_message_for_no_number(form, field) -> None:
    """Text that is no number ("abc") is named once, by the field itself ("Keine gültige, ganze Zahl."), not a
    second time as out of range."""
    if field.data is None:
        raise StopValidation()


class StalledDaysForm(Form):
    """The overview's "without progress for N days" (a GET form: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    days = IntegerField(_l("Ohne Fortschritt seit mindestens (Tagen)"), validators=[
        InputRequired(_l("Bitte geben Sie eine Zahl von Tagen an.")), _no_second_message_for_no_number,
        NumberRange(MIN_DAYS, MAX_DAYS, _l("Bitte geben Sie eine ganze Zahl von %(min)d bis %(max)d an.",
                                           min=MIN_DAYS, max=MAX_DAYS))])


class UploadForm(Form):
    """One file for one checklist item. The file itself is judged by ``tracker.documents.inspection``, by its
    content; the form only says which file was chosen."""

    file = FileField(_l("Datei (PDF, JPEG oder PNG)"), render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,"
                                                                         "image/jpeg,image/png"})


class MessageForm(Form):
    body = TextAreaField(_l("Ihre Nachricht an die Behörde"), validators=[DataRequired(), Length(max=5000)])
