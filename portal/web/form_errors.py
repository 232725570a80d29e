"""The error summary's list, for every form on both sides: (id to link to, message), in page order.

A radio or checkbox group links to its first option (`<id>-0`, as the form macros number them). CSRF
errors are not listed: the public form explains an expired token itself, and the staff side refuses a bad
token before any view runs.
"""
from __future__ import annotations

from typing import Any

CHOICE_GROUPS = {"RadioField", "OptionalRadioField", "MultiCheckboxField"}


def error_summary(form: Any) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    for field in form:
        if field.name == "csrf_token":
            continue
        target = f"{field.id}-0" if field.type in CHOICE_GROUPS else field.id
        errors.extend((target, str(message)) for message in field.errors)
    return errors
