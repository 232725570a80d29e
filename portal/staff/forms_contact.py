"""Forms for safe contact: recording an attempt (who, how, what happened, why outside a safe window), a triage
decision for a report with no safe way to reach the person, and the names of their codes."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.casework.contact import MAX_REASON, TRIAGE_DECISIONS
from portal.staff import messages as m
from portal.web.forms import TextForm

# Whole sentences for each way of contact, by whom it reaches.
HOW_NAMES = {
    "person:call": _l("Phone call to the person at risk"), "person:text": _l("Text message to the person at risk"),
    "person:email": _l("Email to the person at risk"), "person:letter": _l("Letter to the person at risk"),
    "person:in_person": _l("In person, with the person at risk"),
    "go_between:trusted": _l("Through the person they trust, as they asked"),
    "go_between:referrer": _l("Through the referring worker, as the referral asks"),
    "reporter:call": _l("Phone call to the reporter"), "reporter:text": _l("Text message to the reporter"),
    "reporter:email": _l("Email to the reporter"), "reporter:letter": _l("Letter to the reporter"),
    "reporter:in_person": _l("In person, with the reporter"),
    "reporter:trusted": _l("Through someone the reporter trusts"),
}
OUTCOME_NAMES = {
    "spoke": _l("Spoke to them, safely"), "passed_on": _l("The go-between passed it on, as agreed"),
    "no_answer": _l("No answer"), "voicemail": _l("Left a voicemail, as they agreed"),
    "message_sent": _l("Sent a message or letter"), "someone_else": _l("Someone else answered: followed their plan"),
    "not_safe_now": _l("They said it was not safe to talk"), "wrong_details": _l("The details did not work"),
}
PARTY_NAMES = {"person": _l("The person at risk"), "go_between": _l("The person at risk, through a go-between"),
               "reporter": _l("The reporter")}
TRIAGE_NAMES = {
    "no_safe_way": _l("There is no safe way to reach them: recorded what we did instead"),
    "reporter_only": _l("Worked with the reporter only, as it is not safe to approach the person"),
    "another_agency": _l("Passed to another agency that can reach them safely"),
    "monitor": _l("No contact wanted: the report is kept and watched for anything new"),
    "other": _l("Something else"),
}
assert set(TRIAGE_NAMES) == set(TRIAGE_DECISIONS)


class ContactForm(TextForm):
    how = RadioField(_l("Who did you contact, and how?"), validators=[InputRequired(m.SELECT_METHOD)],
                     validate_choice=False)
    outcome = RadioField(_l("What happened?"), choices=list(OUTCOME_NAMES.items()),
                         validators=[InputRequired(m.SELECT_OUTCOME)])
    reason = TextAreaField(_l("Why contact now, outside their safe times?"),
                           description=_l("Only if now is not a safe time: say why, for example \u201cthey rang us "
                                          "and asked us to call back now\u201d. It is kept with the attempt."),
                           validators=[Optional(), Length(max=MAX_REASON, message=m.COMMENT_TOO_LONG)])
    profile_checked = BooleanField(_l("I checked the safe-contact profile before this contact"),
                                   validators=[DataRequired(m.CONFIRM_PROFILE)])

    def validate_how(self, field: Field) -> None:
        if field.data not in {value for value, _label in field.choices or []}:
            raise ValidationError(m.METHOD_NOT_SAFE)

    def party_method(self) -> tuple[str, str]:
        party, _colon, method = (self.how.data or "").partition(":")
        return party, method


class TriageForm(TextForm):
    decision = RadioField(_l("What was decided?"), choices=list(TRIAGE_NAMES.items()),
                          validators=[InputRequired(m.SELECT_DECISION)])
    note = TextAreaField(_l("What was done instead of contacting them, and why"),
                         description=_l("Notes are encrypted. Write facts, and say where they came from."),
                         validators=[DataRequired(m.ENTER_TRIAGE_NOTE), Length(max=20_000, message=m.TOO_LONG)])


def how_choices(options: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    return [(f"{party}:{method}", HOW_NAMES[f"{party}:{method}"]) for party, method in options]
