"""Forms of the status page and of the clerk's access-code buttons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from tracker.http.forms import Form


class EntryForm(Form):
    reference = StringField(_l("Aktenzeichen"), validators=[DataRequired(), Length(max=60)],
                            description=_l("Steht oben auf unseren Briefen, zum Beispiel ANR-BQ-2026-000123."),
                            render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})
    code = StringField(_l("Zugangscode"), validators=[DataRequired(), Length(max=60)],
                       description=_l("10 Zeichen, steht in unserer Eingangsbestätigung und in unserer E-Mail."),
                       render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})


class LeaveForm(Form):
    pass


class IssueCodeForm(Form):
    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        value = self.version.data
        return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None
