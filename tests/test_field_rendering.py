"""Every field of every form renders exactly as WTForms' own widgets render it, with the fast writer
(``tracker.http.field_rendering``) or without, whatever a template passes and whatever a user typed."""
from __future__ import annotations

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms.meta import DefaultMeta

from tracker.http.field_rendering import _writer
from tracker.http.forms import Form
from tracker.registry import registry
from tracker.web.workspace.forms import transition_form_class

#: What templates pass when they render a field: nothing, ids and ARIA, and values that need escaping.
RENDER_ARGUMENTS = (
    {},
    {"id": "tr-decide-reason", "aria-describedby": "tr-decide-reason-hint tr-decide-reason-error",
     "aria-invalid": "true"},
    {"class_": "wide", "placeholder": 'Grund "bei" <Ablehnung> & mehr',
     "title": Markup('<i class="hint">schon sicher</i>'), "required": True, "disabled": False, "data_row": 3,
     "aria_label": "Ä'ö"},
)
#: What users type, sent back into the form as a refused form is shown again.
TYPED = 'Straße "7" <script>alert(1)</script> & 1\' OR 1=1'
CHOICES = [("", "–"), ("a", 'Erste "Wahl"'), ("b", "<b>zweite</b>"), ("3", "drei")]
NUMBERED_CHOICES = [(0, "–"), (1, 'Erste "Wahl"'), (2, "<b>zweite</b>")]


def all_form_classes() -> list[type]:
    # The transition forms are made per transition: one of each, so every kind of input is among them.
    for workflow in registry().all():
        for transition in workflow.transitions.values():
            transition_form_class(transition, "de", [("diploma", "Diplom"), ("cv", "Lebenslauf")],
                                  [("1", "Amt <Erfurt>")])
    found, pending = [], [Form]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found.append(subclass)
            pending.append(subclass)
    return found


def forms_to_render(app):
    with app.test_request_context("/"):
        for form_class in all_form_classes():
            for formdata in (None, "typed"):
                data = None if formdata is None else MultiDict(
                    (name, TYPED) for name in form_class().data.keys())  # every field's name
                form = form_class(formdata=data)
                for field in form:
                    if getattr(field, "choices", False) is None:
                        field.choices = NUMBERED_CHOICES if field.coerce is int else CHOICES
                yield form_class.__name__, formdata, form


def test_every_field_renders_as_wtforms_renders_it(app):
    compared, fast = 0, 0
    for name, formdata, form in forms_to_render(app):  # inside a request, as forms are rendered
        for field in form:
            if field.type in ("FormField", "FieldList"):
                continue
            fast += _writer(field.widget) is not None
            for arguments in RENDER_ARGUMENTS:
                expected = DefaultMeta.render_field(form.meta, field, dict(arguments))
                rendered = form.meta.render_field(field, dict(arguments))
                assert str(rendered) == str(expected), (name, formdata, field.name, arguments)
                assert isinstance(rendered, Markup)
                compared += 1
    assert fast >= 50 and compared >= 300, (fast, compared)  # the forms were found and rendered fast


def test_a_checkbox_and_a_password_stay_with_wtforms(app):
    """Widgets with their own rendering (a checked box, a password never sent back) are WTForms' business."""
    from wtforms.widgets import CheckboxInput, PasswordInput, TextInput

    assert _writer(CheckboxInput()) is None
    assert _writer(PasswordInput()) is None
    assert _writer(TextInput()) is not None


@pytest.mark.parametrize("value", ['"', "<", "&", "'", Markup("<b>")])
def test_attribute_values_are_escaped_as_wtforms_escapes_them(app, value):
    from wtforms import StringField

    class Probe(Form):
        text = StringField("Text")

    with app.test_request_context("/"):
        field = Probe(formdata=None).text
        assert str(field(placeholder=value)) == str(DefaultMeta.render_field(field.meta, field, {"placeholder": value}))
