"""What every form on both sides shares: it reads text fields, and only text fields.

Flask-WTF would also read uploaded files and JSON bodies into the fields, and a file where text is expected
made the length check fail with a server error. Here a form sees only the form-encoded fields; anything else
is as if that field were left empty, and is refused as such. Line breaks arrive as one character (the
browser sends CRLF), so a length limit counts what the person sees.
"""
from __future__ import annotations

import re
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import MultiDict
from wtforms import Field, IntegerField, RadioField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

INVALID_CHOICE = _l("Select one of the options")


class TextForm(FlaskForm):
    class Meta:
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is not _Auto:
                return formdata
            if not _is_submitted() or not request.form:
                return None
            return MultiDict([(name, value.replace("\r\n", "\n").replace("\r", "\n"))
                              for name, value in request.form.items(multi=True)])


class WholeNumberField(IntegerField):
    """An IntegerField whose "not a number" message is ours (whole sentence, translated), not WTForms'.

    More than `max_digits` digits is refused the same way: WTForms' NumberRange checks `math.isnan`, which
    raises OverflowError on an integer of 309 digits or more, and no number the portal asks for is that long.
    """

    def __init__(self, *args: Any, not_a_number: Any, max_digits: int = 9, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number
        self.max_digits = max_digits

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > self.max_digits:
            self.data = None
            raise ValueError(str(self.not_a_number))
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(self.not_a_number)) from exc


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class OneLine:
    """For a line kept in a plaintext column (a name, an address to e-mail): no control characters, which
    no one types on purpose and PostgreSQL refuses in text (a NUL)."""

    def __init__(self, message: Any):
        self.message = message

    def __call__(self, form: Any, field: Field) -> None:
        if field.data and _CONTROL.search(field.data):
            raise ValidationError(str(self.message))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        valid = {value for value, _label in self.choices}
        if any(v not in valid for v in self.data or []):
            raise ValidationError(str(INVALID_CHOICE))


class OptionalRadioField(RadioField):
    """A radio group that may be left unanswered; an unknown value is still refused."""

    data: str | None

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, "", "None"):
            self.data = None
            return
        super().pre_validate(form)
