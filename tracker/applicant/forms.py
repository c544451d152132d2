"""Forms of the status page and of the clerk's access-code buttons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
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


class UploadForm(Form):
    """One file for one document we asked for; the file is judged by its content (``documents.inspection``)."""

    file = FileField(_l("Datei (PDF, JPEG oder PNG, höchstens 10 MB)"),
                     render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})


class MessageForm(Form):
    body = TextAreaField(_l("Ihre Nachricht an uns"), validators=[DataRequired(_l("Bitte schreiben Sie eine "
                                                                                  "Nachricht.")), Length(max=5000)])
