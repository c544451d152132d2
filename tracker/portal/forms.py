"""Forms of the portal."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
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
    Regexp,
    StopValidation,
)

from tracker.advisors.overview import MAX_DAYS, MIN_DAYS
from tracker.http import applicant_fields
from tracker.http.applicant_fields import not_in_future
from tracker.http.forms import Form, ListChoiceField, date_required, plausible_date


class ProcedureRequestForm(Form):
    """An employer's request for the accelerated skilled-worker procedure (§ 81a AufenthG) for one worker."""

    #: One-time key of this form, set when it is shown: the same form sent twice opens one case.
    submission = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
    office = ListChoiceField(_l("Ausländerbehörde"), coerce=int, validators=[DataRequired()],
                             description=_l("Die Ausländerbehörde am Ort Ihres Betriebs, bei der Sie das Verfahren "
                                            "führen."))
    given_names = applicant_fields.given_names()
    family_name = applicant_fields.family_name()
    date_of_birth = applicant_fields.date_of_birth()
    nationality = applicant_fields.nationality()
    email = applicant_fields.email()
    phone = applicant_fields.phone()
    preferred_language = applicant_fields.preferred_language()
    street = applicant_fields.street()
    postcode = applicant_fields.postcode()
    city = applicant_fields.city()
    country = applicant_fields.country()
    profession = applicant_fields.profession()
    reference_occupation = applicant_fields.reference_occupation()
    training_country = applicant_fields.training_country()
    granted_on = DateField(_l("Vollmacht erteilt am"), validators=[date_required(), not_in_future, plausible_date()],
                           description=_l("Der Tag, an dem die Fachkraft Ihr Unternehmen bevollmächtigt hat, das "
                                          "Verfahren für sie zu führen (§ 81a Abs. 1 AufenthG)."))
    power_of_attorney = BooleanField(
        _l("Die Fachkraft hat unser Unternehmen bevollmächtigt. Die unterschriebene Vollmacht reichen wir bei der "
           "Ausländerbehörde ein."),
        validators=[DataRequired(message=_l("Bitte bestätigen Sie, dass die Vollmacht der Fachkraft vorliegt."))])


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
