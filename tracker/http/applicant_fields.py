"""The applicant's fields, asked by every form that opens a case (a clerk's new case, an employer's request for the
accelerated procedure), and the person they describe. Each function makes a new unbound field, so each form
declares the fields in the order its page shows them (WTForms orders fields by their creation)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from tracker import clock
from tracker.http.forms import EARLIEST_BIRTH_DATE, date_required, plausible_date
from tracker.parties import countries
from tracker.parties.models import Person


def not_in_future(form, field):
    if field.data and field.data > clock.today():
        raise ValidationError(_l("Das Datum darf nicht in der Zukunft liegen."))


class StateField(StringField):
    """A state typed with suggestions (``templates/cases/_state_names.html``, in the page's language) and kept by
    its one German name (``parties.countries``): the reports count each state once however it was typed."""

    def __init__(self, label=None, validators=(), *, for_nationality: bool = False, **kwargs):
        super().__init__(label, [*validators, self._known], **kwargs)
        self.for_nationality = for_nationality
        self._datalist = "nationality-names" if for_nationality else "state-names"  # the <datalist> id

    def _known(self, form, field):
        if not (self.data or "").strip():
            return  # DataRequired says it is missing
        found = countries.nationality(self.data) if self.for_nationality else countries.state(self.data)
        if found is None:
            raise ValidationError(_l("Diesen Staat finden wir nicht. Bitte wählen Sie einen Namen aus der "
                                     "Vorschlagsliste (deutsch oder englisch) oder geben Sie den "
                                     "ISO-Ländercode ein, z. B. „VN“."))
        self.data = found


#: Nobody younger holds a professional qualification to be recognised: an earlier birth date is a typing error
#: (this year's date instead of the year of birth).
YOUNGEST_AGE = 15


def old_enough(form, field):
    today = clock.today()
    youngest = today.replace(year=today.year - YOUNGEST_AGE, day=min(today.day, 28))
    if field.data and youngest < field.data <= today:  # a day in the future is named as such
        raise ValidationError(_l("Bitte prüfen Sie das Geburtsdatum: Die Person wäre jünger als %(years)d Jahre.",
                                 years=YOUNGEST_AGE))


def given_names():
    return StringField(_l("Vorname(n)"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})


def family_name():
    return StringField(_l("Familienname"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "off"})


def date_of_birth():
    return DateField(_l("Geburtsdatum"), validators=[date_required(), not_in_future, old_enough,
                                                     plausible_date(EARLIEST_BIRTH_DATE)])


def nationality():
    return StateField(_l("Staatsangehörigkeit"), validators=[DataRequired(), Length(max=100)], for_nationality=True,
                      description=_l("Ein Staat, „staatenlos“ oder „ungeklärt“."))


def email():
    return EmailField(_l("E-Mail"), validators=[Optional(), Email(), Length(max=254)])


def phone():
    return StringField(_l("Telefon"), validators=[Optional(), Length(max=50)])


def preferred_language():
    return SelectField(_l("Bevorzugte Sprache"), choices=[("de", "Deutsch"), ("en", "English")])


def street():
    """The postal address letters go to (in § 81a cases they go to the employer as representative)."""
    return StringField(_l("Straße und Hausnummer"), validators=[DataRequired(), Length(max=200)],
                       description=_l("Die Anschrift, an die Schreiben gehen; auch im Ausland."))


def postcode():
    return StringField(_l("Postleitzahl"), validators=[Optional(), Length(max=20)])


def city():
    return StringField(_l("Ort"), validators=[DataRequired(), Length(max=100)])


def country():
    return StringField(_l("Staat"), validators=[DataRequired(), Length(max=100)])


def profession():
    return StringField(_l("Ausländischer Berufsabschluss"), validators=[DataRequired(), Length(max=200)],
                       description=_l("Wie im Zeugnis, z. B. „Bachelor of Nursing (Vietnam)“."))


def reference_occupation():
    return StringField(_l("Deutscher Referenzberuf"), validators=[DataRequired(), Length(max=200)],
                       description=_l("z. B. „Pflegefachfrau/Pflegefachmann“."))


def training_country():
    """Where the qualification was obtained, for the official statistics (§ 17 BQFG); often not the nationality."""
    return StateField(_l("Ausbildungsstaat"), validators=[DataRequired(), Length(max=100)],
                      description=_l("Der Staat, in dem der Abschluss erworben wurde."))


def applicant_of(form) -> Person:
    """The person a form with these fields describes (not yet added to the session)."""
    return Person(given_names=form.given_names.data.strip(), family_name=form.family_name.data.strip(),
                  date_of_birth=form.date_of_birth.data, nationality=form.nationality.data.strip(),
                  email=(form.email.data or "").strip(), phone=(form.phone.data or "").strip(),
                  preferred_language=form.preferred_language.data, street=form.street.data.strip(),
                  postcode=(form.postcode.data or "").strip(), city=form.city.data.strip(),
                  country=form.country.data.strip())


def qualification_of(form) -> dict:
    """The case's words for the qualification (``open_case``'s keyword arguments)."""
    return {"profession": form.profession.data.strip(), "reference_occupation": form.reference_occupation.data.strip(),
            "training_country": form.training_country.data.strip()}
