"""Field rendering for every form: exactly the HTML of WTForms' own widgets, written out faster.

WTForms builds each attribute through ``Markup.format`` and finds a field's validation attributes with ``dir()``:
about 25 µs for an input of four attributes. A clerk's case page renders a form for every step, every timer action
and every checklist row, a hundred attributes lists and more, which made these lists a twentieth of the web
workers' time under load. The widgets whose rendering is WTForms' plain one (``<input>`` widgets that do not
override it, ``<select>`` and ``<textarea>``) are written here with the same attributes, order and escaping;
every other widget (checkboxes, passwords, files, numbers, lists) is left to WTForms unchanged.
``tests/test_field_rendering.py`` compares both renderings for every field of every form of the app.
"""
from __future__ import annotations

import functools

from markupsafe import Markup, escape
from wtforms.meta import DefaultMeta
from wtforms.widgets import Input, Select, TextArea
from wtforms.widgets.core import _DateTimeBaseInput, clean_key


def attributes(params: dict) -> str:
    """``html_params`` of WTForms: sorted by name, ``True`` as a bare attribute, ``False`` left out, values
    escaped with quotes as ``&quot;``."""
    parts = []
    for name in sorted(params):
        value = params[name]
        if value is True:
            parts.append(clean_key(name))
        elif value is not False:
            parts.append(f'{clean_key(name)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return " ".join(parts)


def _built(html: str) -> Markup:
    """The HTML written here, marked safe for templates: every attribute value, option label and text area content in
    it went through ``escape`` (``attributes``, ``_option``, ``_textarea``). Tags are this module's own; attribute
    names come from the code (templates, fields), never from input, as with WTForms' widgets."""
    # Only escaped values, see above.
    return Markup(html)  # nosec B704


def _validation_attributes(widget, field, params: dict) -> None:
    # WTForms adds each of the widget's validation attributes that the field's flags set (``dir(flags)``); the set
    # flags are the flags object's own attributes.
    flags = getattr(getattr(field, "flags", None), "__dict__", {})
    for name in widget.validation_attrs:
        if name in flags and name not in params:
            value = flags[name]
            params[name] = value() if callable(value) else value


def _input(widget, field, params: dict) -> Markup:
    params.setdefault("id", field.id)
    params.setdefault("type", widget.input_type)
    if "value" not in params:
        params["value"] = field._value()
    datalist = getattr(field, "_datalist", None)
    if datalist is not None and "list" not in params:
        params["list"] = datalist if isinstance(datalist, str) else datalist.id
    _validation_attributes(widget, field, params)
    params["name"] = field.name
    return _built(f"<input {attributes(params)}>")


def _date_input(widget, field, params: dict) -> Markup:
    # As WTForms' date and time inputs: a ``min``/``max`` given as a date is written in the field's format.
    format = getattr(field, "format", None)
    if format is not None:
        format = format[0] if isinstance(format, list) else format
        flags = getattr(field, "flags", {})
        for name in ("min", "max"):
            value = params.get(name, getattr(flags, name, None))
            if callable(value):
                value = value()
            if hasattr(value, "strftime"):
                params[name] = value.strftime(format)
    return _input(widget, field, params)


def _textarea(widget, field, params: dict) -> Markup:
    params.setdefault("id", field.id)
    _validation_attributes(widget, field, params)
    params["name"] = field.name
    return _built(f"<textarea {attributes(params)}>\r\n{escape(field._value())}</textarea>")


def _option(choice) -> str:
    value = str(choice.value) if isinstance(choice.value, bool) else choice.value
    params = {"value": value, **(choice.render_kw or {})}
    if choice.selected:
        params["selected"] = True
    return f"<option {attributes(params)}>{escape(choice.label or choice.value)}</option>"


def _select(widget, field, params: dict) -> Markup:
    params.setdefault("id", field.id)
    if widget.multiple:
        params["multiple"] = True
    _validation_attributes(widget, field, params)
    params["name"] = field.name
    html = [f"<select {attributes(params)}>"]
    if field.has_groups():
        for group, choices in field._iter_groups_normalized():
            if group is not None:
                html.append(f"<optgroup {attributes({'label': group})}>")
            html.extend(_option(choice) for choice in choices)
            if group is not None:
                html.append("</optgroup>")
    else:
        html.extend(_option(choice) for choice in field._iter_choices_normalized())
    html.append("</select>")
    return _built("".join(html))


def _writer(widget):
    """The fast writer for ``widget`` when its class renders as WTForms' base widget does, else None."""
    return _writer_for_class(type(widget))


@functools.cache
def _writer_for_class(kind: type):
    # Decided once per widget class: rendering is the hot path, the answer depends on the class alone.
    if issubclass(kind, Input) and kind.__call__ is Input.__call__:
        return _input
    if issubclass(kind, _DateTimeBaseInput) and kind.__call__ is _DateTimeBaseInput.__call__:
        return _date_input
    if issubclass(kind, TextArea) and kind.__call__ is TextArea.__call__:
        return _textarea
    if issubclass(kind, Select) and kind.__call__ is Select.__call__ \
            and kind.render_option.__func__ is Select.render_option.__func__:  # a classmethod: compare functions
        return _select
    return None


class FastRenderingMeta(DefaultMeta):
    """Meta mixin: ``render_field`` as WTForms' (keyword names cleaned, the field's own ``render_kw`` under the
    call's), handed to the fast writer where there is one."""

    def render_field(self, field, render_kw):
        writer = _writer(field.widget)
        if writer is None:
            return super().render_field(field, render_kw)
        params = {clean_key(key): value for key, value in (getattr(field, "render_kw", None) or {}).items()}
        params.update((clean_key(key), value) for key, value in render_kw.items())
        return writer(field.widget, field, params)
