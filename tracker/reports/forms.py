from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import InputRequired, Optional, ValidationError

from tracker.http.forms import Form, ListChoiceField, plausible_date
from tracker.reports.figures import DIMENSIONS

#: The longest period one report covers: a decade is every yearly evaluation this tracker can hold.
MAX_PERIOD_DAYS = 3660


class PeriodForm(Form):
    """The report's period and breakdown, read from the query string (a bookmarkable GET form, no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("Von"), validators=[InputRequired(_l("Bitte geben Sie den Beginn des Zeitraums an.")),
                                             plausible_date()])
    end = DateField(_l("Bis"), validators=[InputRequired(_l("Bitte geben Sie das Ende des Zeitraums an.")),
                                           plausible_date()])
    office = ListChoiceField(_l("Behörde"), coerce=int, validators=[Optional()],
                             choice_message=_l("Bitte wählen Sie eine Behörde aus der Liste."))
    by = ListChoiceField(_l("Aufschlüsseln nach"), choices=[(name, name) for name in DIMENSIONS], default="office",
                         choice_message=_l("Bitte wählen Sie eine Aufschlüsselung aus der Liste."))

    def validate_end(self, field) -> None:
        if self.start.data is None or field.data is None:
            return
        if field.data < self.start.data:
            raise ValidationError(_l("Das Ende des Zeitraums liegt vor seinem Beginn."))
        if (field.data - self.start.data).days > MAX_PERIOD_DAYS:
            raise ValidationError(_l("Der Zeitraum darf höchstens zehn Jahre umfassen."))


class ExportForm(Form):
    """Ask for the anonymised case list of a period (a background job)."""

    start = DateField(_l("Von"), validators=[InputRequired(), plausible_date()])
    end = DateField(_l("Bis"), validators=[InputRequired(), plausible_date()])
    office = ListChoiceField(_l("Behörde"), coerce=int, validators=[Optional()],
                             choice_message=_l("Bitte wählen Sie eine Behörde aus der Liste."))
    file_format = ListChoiceField(_l("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")])

    validate_end = PeriodForm.validate_end


class PublicForm(Form):
    class Meta:
        csrf = False

    year = ListChoiceField(_l("Zeitraum"), validators=[Optional()],
                           choice_message=_l("Bitte wählen Sie einen Zeitraum aus der Liste."))
