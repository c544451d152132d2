from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.http.forms import Form


class FindForm(Form):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    reference = StringField(_l("Aktenzeichen"), validators=[DataRequired(), Length(max=40)])


class ExportForm(Form):
    pass


class EraseForm(Form):
    reason = TextAreaField(_l("Grund der Löschung"), validators=[
        DataRequired(message=_l("Bitte geben Sie den Grund der Löschung an.")), Length(max=2000)],
        description=_l("Zum Beispiel: Antrag auf Löschung vom …, Art. 17 DSGVO."))
    confirm = BooleanField(_l("Ich bestätige: die personenbezogenen Daten dieser Person werden endgültig gelöscht."),
                           validators=[DataRequired(message=_l("Bitte bestätigen Sie die Löschung."))])
