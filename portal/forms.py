"""What every form on both sides shares: it reads text fields, and only text fields.

Flask-WTF would also read uploaded files and JSON bodies into the fields, and a file where text is expected
made the length check fail with a server error. Here a form sees only the form-encoded fields; anything else
is as if that field were left empty, and is refused as such. Line breaks arrive as one character (the
browser sends CRLF), so a length limit counts what the person sees.
"""
from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField


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
    """An IntegerField whose "not a number" message is ours (whole sentence, translated), not WTForms'."""

    def __init__(self, *args: Any, not_a_number: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(self.not_a_number)) from exc
