"""A decrypted report, as label/answer rows in the staff member's language, using the public form's own
labels and choices (so a reporter's "Oes" and a reporter's "Yes" read the same to staff), or the staff's own
intake form's for a disclosure staff entered."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal.intake.contact_plan import REFERRER_KINDS
from portal.intake.profiles import PROFILE_FIELDS
from portal.questions.kinds import FORMS
from portal.questions.report_forms import ProfileForm
from portal.staff.forms_intake import INTAKE_FORMS
from portal.staff.labels import on_day

# The safe-contact profile, in the order staff need it before any contact.
SAFE_CONTACT = (*PROFILE_FIELDS, "their_safe_contact", "they_know")
PERSON_CENTRED = ("contact_language", "interpreter", "bsl", "access_needs", "staff_sex")
# Answers whose question, as the public form words it, is too gentle for staff reading the case.
STAFF_LABELS = {"must_not_see": _l("Who must not see this report (as the reporter told us)")}
FREE_TEXT = ("story", "help_other", "address", "their_address", "access_needs", "safe_times_note",
             "someone_else_note", "their_safe_contact")


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    values: list[str]  # one or more answers; shown as text, never as markup


def _form(kind: str, staff_entered: bool = False) -> Any:
    """The form whose labels name the answers: a kind of report (the staff's own intake form, for a disclosure
    staff entered), or "profile" (a profile staff changed)."""
    forms = INTAKE_FORMS if staff_entered else FORMS
    return (ProfileForm if kind == "profile" else forms[kind])(formdata=MultiDict(), meta={"csrf": False})


def _text(field: Any, value: Any) -> list[str]:
    choices = dict(getattr(field, "choices", None) or [])
    if isinstance(value, list):
        return [str(choices.get(v, v)) for v in value]
    if isinstance(value, bool):
        return [gettext("Yes") if value else gettext("No")]
    return [str(choices.get(value, value))]


def rows(kind: str, answers: dict[str, Any], names: tuple[str, ...] | None = None,
         exclude: tuple[str, ...] = (), staff_entered: bool = False) -> list[Row]:
    form = _form(kind, staff_entered)
    order = names or tuple(field.name for field in form)
    result = []
    for name in order:
        if name in exclude or name not in answers or name not in form:
            continue
        field = form[name]
        result.append(Row(name, str(STAFF_LABELS.get(name, field.label.text)), _text(field, answers[name])))
    return result


def free_text(answers: dict[str, Any]) -> list[str]:
    return [str(answers[name]) for name in FREE_TEXT if isinstance(answers.get(name), str)]


def profile_rows(kind: str, profile: Any, staff_entered: bool = False) -> list[Row]:
    """A safe-contact profile as rows: labelled by the report's own form for the report's own answers, and by
    the profile form for a version someone changed (or the referring worker's work contact)."""
    own = profile.version == 1 and not (kind in REFERRER_KINDS and profile.about == "reporter")
    found = rows(kind if own else "profile", profile.answers, SAFE_CONTACT, staff_entered=staff_entered)
    # "Is it safe today?" was about the day they answered, never about today: say which day that was.
    said = {"no": gettext("On %(date)s they said that day was not safe.", date=on_day(profile.at)),
            "yes": gettext("On %(date)s they said that day was safe.", date=on_day(profile.at))}
    return [Row(r.name, gettext("The day they told us"), [said[profile.answers["safe_today"]]])
            if r.name == "safe_today" and profile.answers.get("safe_today") in said else r for r in found]

