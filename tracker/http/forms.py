"""The base of every form in the web interface: what no field may contain, whatever the form."""
from __future__ import annotations

from datetime import date

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import DateField, SelectField, SelectMultipleField, widgets
from wtforms.validators import StopValidation, ValidationError

from tracker import clock
from tracker.http.field_rendering import FastRenderingMeta
from tracker.text import has_refused_characters

#: The largest id a URL, query or form may carry: PostgreSQL's ``integer``. Larger numbers name nothing.
MAX_ID = 2**31 - 1
#: Dates before this are typing errors (a receipt date, a decision date), not history this tracker holds.
EARLIEST_DATE = date(1950, 1, 1)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
#: How far ahead a date typed into a form may lie.
LATEST_YEARS_AHEAD = 10


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes. The forms macro draws it as a fieldset whose legend is the label, knowing it by its
    ``type`` (WTForms sets that to the class name, so a subclass or a class attribute would not be known)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        """A value not among the boxes (an address altered by hand) is named in the user's words, not WTForms'
        English "'x' is not a valid choice for this field."."""
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(_l("Bitte wählen Sie nur Einträge aus der Liste."))) from None


class ListChoiceField(SelectField):
    """A list whose value must be one of its entries. What else arrives (an address typed or altered by hand: a
    report's ``?office=abc``) is named in the user's words, not WTForms' "Invalid Choice: could not coerce"."""

    def __init__(self, label=None, validators=None, choice_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.choice_message = choice_message or _l("Bitte wählen Sie einen Eintrag aus der Liste.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(self.choice_message)) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(self.choice_message)) from None


class Form(FlaskForm):
    """Refuses control characters in every field, with a message on the field, before any validator of the form
    sees the value. Fields render as WTForms renders them, faster (``field_rendering``)."""

    class Meta(FastRenderingMeta, FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            # HTML forms only. Flask-WTF would read a JSON body instead: a list or a number there is a 500, and a
            # malformed one raises again in the error page's own form (the language switch). A JSON body is an
            # empty form: refused by the form's validators like any form sent without its fields.
            if formdata is not None and has_request_context() and request.is_json:
                formdata = ImmutableMultiDict()
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self._unreadable_dates():
            field.errors = [_l("Dieses Datum gibt es nicht. Bitte prüfen Sie Tag, Monat und Jahr.")]
            valid = False
        for field in self:
            values = list(field.raw_data or [])
            if any(isinstance(value, str) and has_refused_characters(value) for value in values):
                field.errors = [*field.errors, _l("Dieses Feld enthält unzulässige Steuerzeichen. Bitte entfernen "
                                                  "Sie sie.")]
                valid = False
        return valid


    def _unreadable_dates(self) -> list:
        """Date fields the browser sent empty because it could not read what was typed (31.02.): marked by
        static/date-check.js as ``<name>__unreadable``. Required or not, such a field holds no date the user meant to
        leave out."""
        if not has_request_context():
            return []
        sent = request.form if request.method == "POST" else request.args
        return [field for field in self if isinstance(field, DateField) and sent.get(f"{field.name}__unreadable")
                and not (field.raw_data and str(field.raw_data[0]).strip())]


def parse_id(value) -> int | None:
    """An id from a query string or form: digits only, within the database's range; anything else is None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
        if 1 <= number <= MAX_ID:
            return number
    return None


def date_required():
    """A date that must be given. Unlike ``DataRequired``, which calls every date it cannot read "missing" and drops
    the reason, a text that is no date ("31.02.2026") keeps WTForms' own message, "Kein gültiges Datum", beside
    the text as typed."""

    def check(form, field):
        if not field.raw_data or not str(field.raw_data[0]).strip():
            field.errors[:] = []
            raise StopValidation(_l("Bitte geben Sie ein Datum an."))
        if field.data is None:
            raise StopValidation()  # the parse error is on the field already; nothing more to check on no date

    # Marked required like a ``DataRequired`` field: the label says "(Pflichtfeld)", the input carries ``required``
    # for assistive technology (the forms are ``novalidate``: the server's message stands, WCAG 3.3.2).
    check.field_flags = {"required": True}
    return check


def plausible_date(earliest: date = EARLIEST_DATE):
    """A date within what this tracker can hold: from ``earliest`` to ``LATEST_YEARS_AHEAD`` years from today."""

    def check(form, field):
        if field.data is None:
            return
        latest = clock.today().replace(year=clock.today().year + LATEST_YEARS_AHEAD, day=28 if (
            clock.today().month, clock.today().day) == (2, 29) else clock.today().day)
        if field.data < earliest:
            raise ValidationError(_l("Das Datum darf nicht vor dem %(date)s liegen.",
                                     date=earliest.strftime("%d.%m.%Y")))
        if field.data > latest:
            raise ValidationError(_l("Das Datum liegt zu weit in der Zukunft."))

    return check


def place_refusals(form, error, lang: str) -> bool:
    """Put each refusal of a service verb's ``CaseError`` that names a field of ``form`` on that field (in
    ``lang``); True when every reason found its field (else the page shows the rest above the form)."""
    placed = 0
    for refusal in error.refusals:
        if refusal.field and refusal.field in form:
            field = form[refusal.field]
            field.errors = [*field.errors, refusal_at_field(refusal.message.get(lang), str(field.label.text))]
            placed += 1
    return placed > 0 and placed == len(error.messages)


def refusal_at_field(message: str, label: str) -> str:
    """A refusal names its field's label for the places that show it alone (above the page, the API); at the field,
    under that label and after it in the form's summary, the message starts after the name."""
    for named in (f"„{label}“: ", f"'{label}': "):
        if message.startswith(named) and len(message) > len(named):
            rest = message[len(named):]
            return rest[0].upper() + rest[1:]
    return message
