"""Forms of the clerk workspace. Every form carries the case version it was loaded with (optimistic locking)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from tracker import clock
from tracker.cases.models import GRANTOR_LENGTH
from tracker.http import applicant_fields
from tracker.http.applicant_fields import not_in_future
from tracker.http.forms import Form, MultiCheckboxField, date_required, plausible_date
from tracker.procedures.definition import ACT_DATE, EFFECTIVE_ON, Transition
from tracker.procedures.vocabulary import AuthorisationKind, DocumentStatus


class VersionedForm(Form):
    #: Required: a form without it would be applied to whatever state the case is in now, unseen by the user.
    version = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9]{1,9}$")])

    @property
    def expected_version(self) -> int:
        return int(self.version.data)


def in_future(form, field):
    if field.data and field.data <= clock.today():
        raise ValidationError(_l("Die Frist muss nach dem heutigen Tag enden."))


class NewCaseForm(Form):
    #: One-time key of this form, set when it is shown: the same form sent twice opens one case.
    submission = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
    procedure = SelectField(_l("Verfahren"), validators=[DataRequired()])
    office = SelectField(_l("Zuständige Behörde"), coerce=int, validators=[DataRequired()])
    received_on = DateField(_l("Eingang des Antrags"), validators=[date_required(), not_in_future, plausible_date()],
                            description=_l("Tag, an dem der Antrag bei der Behörde eingegangen ist."))
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
    employer = SelectField(_l("Arbeitgeber"), coerce=int, validators=[Optional()])


class DocumentStatusForm(VersionedForm):
    #: Choices are labelled per request in the reader's language (labels.DOCUMENT_STATUS).
    status = SelectField(_l("Status"), choices=[(status.value, status.value) for status in DocumentStatus])
    reason = StringField(_l("Grund (bei Ablehnung)"), validators=[Length(max=500)])  # no Optional: validate_reason runs
    #: The day the document arrived (§ 6(3) s. 2 BQFG counts from the last one); empty: today.
    received_on = DateField(_l("Eingegangen am"), validators=[Optional(), plausible_date()])
    #: The day the row showed (the document's stored day received), set by the view: sent back unchanged it is
    #: not a day typed, and goes with a status that keeps none.
    received_before = None

    def validate_reason(self, field):
        """Said here too (the service refuses it as well), so a row with several mistakes names them all at once."""
        if self.status.data == DocumentStatus.REJECTED.value and not (field.data or "").strip():
            raise ValidationError(_l("Bitte geben Sie an, warum das Dokument abgelehnt wird."))

    def validate_received_on(self, field):
        """Only a document in hand (received, accepted) keeps the day it arrived: a day typed for any other status
        would be dropped without a word (a rejected document counts as not received; a day typed with "requested"
        is easily meant as the deadline, which is set with the step that requests it). Refused, everything kept."""
        if field.data is not None and self.status.data in {status.value for status in DocumentStatus} \
                and not DocumentStatus(self.status.data).is_in_hand:
            if field.data == self.received_before:
                field.data = None
                return
            raise ValidationError(_l("Ein Eingangsdatum wird nur bei „eingegangen“ oder „anerkannt“ gespeichert. "
                                     "Bitte leeren Sie das Datum oder wählen Sie einen dieser Status."))


class AssignForm(VersionedForm):
    assignee = SelectField(_l("Zuständig"), coerce=int)


class BulkAssignForm(Form):
    case_ids = SelectMultipleField(_l("Fälle"), coerce=int, validators=[DataRequired(
        message=_l("Bitte wählen Sie mindestens einen Fall aus."))])
    assignee = SelectField(_l("Zuweisen an"), coerce=int)


class NoteForm(Form):
    #: No version: a note changes nothing a colleague could have changed meanwhile.
    body = TextAreaField(_l("Interne Notiz"), validators=[DataRequired(), Length(max=5000)])


class MessageForm(Form):
    """A message to the parties of the case (employer, advisor, applicant): they read it, unlike a note."""

    body = TextAreaField(_l("Nachricht an die Beteiligten"), validators=[DataRequired(), Length(max=5000)])


class MarkReadForm(Form):
    pass


class TimerActionForm(VersionedForm):
    reason = TextAreaField(_l("Begründung"), validators=[DataRequired(
        message=_l("Bitte geben Sie einen Grund an.")), Length(max=2000)], render_kw={"maxlength": 2000})
    # No length chosen in advance: a clerk who types a new end date must not extend by a week besides.
    period = SelectField(_l("Verlängerung um"), validators=[Optional()], choices=[
        ("", "–"), ("P1W", _l("1 Woche")), ("P2W", _l("2 Wochen")), ("P1M", _l("1 Monat"))])
    #: Instead of a length: the end date communicated to the applicant, which governs as it is (docs/law.md § 6.4).
    until = DateField(_l("oder: dem Antragsteller mitgeteiltes neues Fristende"),
                      validators=[Optional(), plausible_date()])
    #: Pause and resume: the date of the fact that suspends or ends the suspension (the request letter, the day the
    #: documents arrived), as the steps take it; empty: today (LAW.md § 7).
    effective_on = DateField(_l("Datum des Ereignisses (wirksam am)"), validators=[Optional(), plausible_date()],
                             description=_l("Leer lassen, wenn es heute ist."))


def transition_form_class(transition: Transition, lang: str, document_choices=(), office_choices=()):
    """A form class with the inputs the definition requires for this transition. An input named ``documents``
    is the checklist picker: the items chosen are marked as requested."""

    class TransitionForm(VersionedForm):
        pass

    for spec in transition.form_inputs:
        label = spec.label.get(lang)
        validators = [DataRequired()] if spec.required else [Optional()]
        if spec.name == "documents":
            field = MultiCheckboxField(label, choices=list(document_choices), validators=[DataRequired(
                message=_l("Bitte wählen Sie mindestens ein Dokument aus."))] if spec.required else [Optional()])
        elif spec.type == "office":
            field = SelectField(label, validators=validators, choices=[("", "–")] + list(office_choices))
        elif spec.name == EFFECTIVE_ON and transition.input(ACT_DATE) is not None:
            field = DateField(label, validators=[Optional(), plausible_date()], description=_l(
                "Leer lassen, wenn es der Tag von „%(act)s“ ist.", act=transition.input(ACT_DATE).label.get(lang)))
        elif spec.name == EFFECTIVE_ON:
            field = DateField(label, validators=[Optional(), plausible_date()],
                              description=_l("Leer lassen, wenn es heute ist."))
        elif spec.type == "date":
            field = DateField(label, validators=[date_required() if spec.required else Optional(), plausible_date()])
        elif spec.type == "choice":
            field = SelectField(label, validators=validators,
                                choices=[("", "–")] + [(c.value, c.label.get(lang)) for c in spec.choices])
        else:
            field = TextAreaField(label, validators=validators + [Length(max=5000)])
        setattr(TransitionForm, spec.name, field)
    return TransitionForm


class AuthorisationForm(VersionedForm):
    """An employer's authorisation for this case (power of attorney, § 81a(1) s. 1 AufenthG; in a
    recognition case § 14(1) VwVfG with § 1(1) s. 1 ThürVwVfG)."""

    employer = SelectField(_l("Bevollmächtigter Arbeitgeber"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("Art"), choices=[
        (AuthorisationKind.POWER_OF_ATTORNEY_81A.value, _l("Vollmacht für das beschleunigte Fachkräfteverfahren")),
        (AuthorisationKind.RECOGNITION_APPLICANT.value, _l("Bevollmächtigung im Anerkennungsverfahren"))])
    grantor = StringField(_l("Erteilt von"), validators=[DataRequired(), Length(max=GRANTOR_LENGTH)],
                          description=_l("Name der Person, die die Vollmacht unterschrieben hat."))
    scope = StringField(_l("Umfang"), validators=[Optional(), Length(max=500)],
                        description=_l("Wie in der Vollmacht, z. B. „alle Handlungen im Verfahren“."))
    valid_from = DateField(_l("Gültig ab"), validators=[date_required(), plausible_date()])
    valid_until = DateField(_l("Gültig bis"), validators=[Optional(), plausible_date()],
                            description=_l("Leer lassen, wenn sie bis auf Widerruf gilt."))
    evidence = SelectField(_l("Nachweis (Unterlage)"), validators=[Optional()])


class RevokeAuthorisationForm(VersionedForm):
    reason = StringField(_l("Grund des Widerrufs"), validators=[DataRequired(
        message=_l("Bitte geben Sie einen Grund an.")), Length(max=500)])


class InviteEmployerForm(VersionedForm):
    """The employer's first contact, invited once the § 81a agreement is concluded."""

    name = StringField(_l("Name der Kontaktperson"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-Mail der Kontaktperson"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "off"})
