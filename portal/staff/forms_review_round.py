"""Forms for review rounds: a lead's new round (which cases, the period, how many, one officer's or anyone's), the
checklist for one case (an answer for each point, what was found, notes, a follow-up for the officer), and a lead's
checklist settings (which points are on, and one of their own)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.casework.review_checklist import WORDING_MAX, Point
from portal.casework.review_rounds import FINDING_MAX, FOLLOW_UP_DAYS, MAX_SIZE
from portal.staff import messages as m
from portal.staff.forms_case import long_text
from portal.staff.forms_intake import _Day, _year_ok
from portal.web.forms import MultiCheckboxField, OneLine, TextForm, WholeNumberField

# The built-in points (portal/casework/review_checklist.py BUILT_IN), and what a reviewer looks for in each.
POINT_NAMES = {
    "first_contact": _l("First contact on time and by a safe way"),
    "dash": _l("DASH risk assessment done"),
    "marac": _l("MARAC criteria considered"),
    "sharing": _l("Information shared lawfully"),
    "actions": _l("Actions done"),
    "preferences": _l("Language and staff preferences honoured"),
    "records": _l("Records clear"),
}
POINT_HINTS = {
    "first_contact": _l("The person at risk was reached within the working-day target, only in ways and at times "
                        "they said were safe, or the reason is recorded."),
    "dash": _l("A DASH risk checklist was completed, or another agency's assessment is recorded."),
    "marac": _l("The MARAC criteria were considered, and a referral made where they were met."),
    "sharing": _l("Each share names who, what, when and its lawful basis; a share without consent has its reason and a "
                  "team lead's countersignature."),
    "actions": _l("The actions agreed with the person were done, or the reason they were not is recorded."),
    "preferences": _l("Contact was in the language they chose, by a woman or a man if they asked, with an interpreter "
                      "or other access needs met."),
    "records": _l("The record says what was disclosed, when, what was done and who was told, clearly and up to date."),
}
ANSWER_NAMES = {"met": _l("Met"), "not_met": _l("Not met"), "na": _l("Not applicable")}
BASIS_NAMES = {"received": _l("Cases received in the period"), "closed": _l("Cases closed in the period"),
               "open": _l("Cases open at any time in the period")}

SELECT_BASIS = _l("Select which cases the round is about")
ENTER_FIRST = _l("Enter the first day of the period")
ENTER_LAST = _l("Enter the last day of the period")
BAD_PERIOD = _l("The period must end on or after its first day, by today, and be at most three years long")
ENTER_SIZE = _l("Enter how many cases to review, a whole number from 1 to %(max)d", max=MAX_SIZE)
NOT_AN_OFFICER = _l("Select an officer from the list")
NOTHING_TO_DRAW = _l("There are no cases like that in this period. Choose another period or other cases")
FOLLOW_UP_NOBODY = _l("This case has nobody to give a follow-up to. Assign the case first, or leave the follow-up "
                      "empty")
POINT_WORDING = _l("Enter your point in English and in Welsh, on one line each, of at most %(max)d characters",
                   max=WORDING_MAX)
NO_POINT_ON = _l("Keep at least one point on")
TOO_MANY_POINTS = _l("You already have as many points of your own as the checklist can hold")


def point_name(point: Point) -> str:
    """A point in the reader's language: a built-in point's name, or the lead's own words."""
    if not point.own:
        return str(POINT_NAMES.get(point.code, point.code))
    return (point.cy if str(get_locale()) == "cy" else point.en) or point.en or point.code


class RoundForm(TextForm):
    basis = RadioField(_l("Which cases?"), choices=list(BASIS_NAMES.items()), validators=[InputRequired(SELECT_BASIS)],
                       description=_l("A case open at any time in the period was received before it ended and not "
                                      "closed before it began."))
    first = _Day(_l("From"), validators=[InputRequired(ENTER_FIRST)], description=_l("For example, 2026-07-01."))
    last = _Day(_l("To"), validators=[InputRequired(ENTER_LAST)], description=_l("For example, 2026-09-30."))
    size = WholeNumberField(_l("How many cases?"), not_a_number=ENTER_SIZE,
                            validators=[InputRequired(ENTER_SIZE),
                                        NumberRange(min=1, max=MAX_SIZE, message=ENTER_SIZE)],
                            description=_l("Each reviewer is given this many, drawn at random, or all of them if there "
                                           "are fewer."))
    officer = SelectField(_l("Only one officer's cases (optional)"), validators=[Optional()], validate_choice=True,
                          description=_l("The cases they own now."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _year_ok(self.first)
        _year_ok(self.last)
        return ok and not (self.first.errors or self.last.errors)


def case_review_form(points: Sequence[Point], data: dict[str, Any] | None = None, submitted: bool = False) -> TextForm:
    """The checklist for one case: for each point of the round, Met / Not met / Not applicable (`point_<n>`) and what
    was found (`finding_<n>`), then notes and a follow-up for the officer."""

    class CaseReviewForm(TextForm):
        notes = long_text(_l("Notes (optional)"), description=_l("Anything else about this case. It is encrypted."))
        follow_up = TextAreaField(
            _l("Follow-up for the officer (optional)"),
            validators=[Optional(), Length(max=FINDING_MAX, message=m.TOO_LONG)],
            description=_l("What the case's owner should do. It becomes a task on the case for them, due in "
                           "%(days)d working days. It is encrypted.", days=FOLLOW_UP_DAYS))

    for n, point in enumerate(points):
        name = point_name(point)
        setattr(CaseReviewForm, f"point_{n}", RadioField(
            name, choices=list(ANSWER_NAMES.items()), description=POINT_HINTS.get(point.code, ""),
            validators=[InputRequired(gettext("Select whether “%(point)s” was met", point=name))]))
        setattr(CaseReviewForm, f"finding_{n}", TextAreaField(
            gettext("What you found: %(point)s (optional)", point=name),
            validators=[Optional(), Length(max=FINDING_MAX, message=m.TOO_LONG)]))
    return CaseReviewForm() if submitted else CaseReviewForm(formdata=None, data=data or {})


def review_data(points: Sequence[Point], answers: dict[str, str], opened: dict[str, Any]) -> dict[str, Any]:
    """A review already recorded, as the form's data (to record it again)."""
    findings = opened.get("findings", {}) if isinstance(opened.get("findings"), dict) else {}
    data: dict[str, Any] = {"notes": opened.get("notes", "")}
    for n, point in enumerate(points):
        data[f"point_{n}"] = answers.get(point.code)
        data[f"finding_{n}"] = findings.get(point.code, "")
    return data


def checklist_form(points: Sequence[Point], submitted: bool = False) -> TextForm:
    class ChecklistForm(TextForm):
        on = MultiCheckboxField(_l("Points each review answers"), choices=[(p.code, point_name(p)) for p in points],
                                description=_l("Untick a point to leave it out of rounds set from now on. Rounds "
                                               "already set keep their checklist."))
        new_en = StringField(_l("A point of your own, in English (optional)"),
                             validators=[Optional(), Length(max=WORDING_MAX, message=POINT_WORDING),
                                         OneLine(POINT_WORDING)])
        new_cy = StringField(_l("The same point, in Welsh"),
                             validators=[Optional(), Length(max=WORDING_MAX, message=POINT_WORDING),
                                         OneLine(POINT_WORDING)],
                             description=_l("Every point is shown in the reader's language, so give both."))

    return ChecklistForm() if submitted else ChecklistForm(formdata=None, data={"on": [p.code for p in points if p.on]})
