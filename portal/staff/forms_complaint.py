"""Forms for complaints about how a case was handled (recording one, giving it to someone, its outcome), a lead's
working days to respond, and the names of their codes. Choices are codes (stored plain); words are sealed."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.questions import feedback as fq
from portal.staff import messages as m
from portal.staff.forms_case import _choices, _staff_id, long_text
from portal.staff.forms_intake import _Day, _year_ok
from portal.store.complaint_models import COMPLAINT_CHANNELS, COMPLAINT_OUTCOMES, COMPLAINT_STATES, COMPLAINT_TOPICS
from portal.web.forms import MultiCheckboxField, OptionalRadioField, TextForm, WholeNumberField

COMPLAINT_CHANNEL_NAMES = {"phone": _l("Phone call"), "letter": _l("Letter"), "email": _l("Email"),
                           "in_person": _l("In person"), "receipt": _l("On the website, with their receipt"),
                           "agency": _l("From another agency")}
COMPLAINT_TOPIC_NAMES = {"contact": _l("How or when we contacted them"), "delay": _l("How long things took"),
                         "treatment": _l("How they were treated by our staff"),
                         "help": _l("The help we offered, or did not offer"),
                         "sharing": _l("How information about them was shared or kept private"),
                         "other": _l("Something else")}
COMPLAINT_OUTCOME_NAMES = {"upheld": _l("Upheld"), "partly_upheld": _l("Partly upheld"),
                           "not_upheld": _l("Not upheld"), "withdrawn": _l("Withdrawn")}
COMPLAINT_STATE_NAMES = {"open": _l("Waiting for our response"), "responded": _l("Responded"),
                         "closed": _l("Closed")}
# The survivor's answers, as the case page shows them: each question as they were asked it, with their answer.
FEEDBACK_QUESTIONS = {"safer": (fq.SAFER_QUESTION, dict(fq.SAFER_CHOICES)),
                      "contact_way": (fq.CONTACT_WAY_QUESTION, dict(fq.CONTACT_WAY_CHOICES))}
assert set(COMPLAINT_CHANNEL_NAMES) == set(COMPLAINT_CHANNELS) and set(COMPLAINT_TOPIC_NAMES) == set(COMPLAINT_TOPICS)
assert set(COMPLAINT_OUTCOME_NAMES) == set(COMPLAINT_OUTCOMES) and set(COMPLAINT_STATE_NAMES) == set(COMPLAINT_STATES)
DATE_EXAMPLE = _l("For example, 2026-11-23.")


class ComplaintForm(TextForm):
    received_on = _Day(_l("When did the complaint reach us?"), validators=[InputRequired(m.ENTER_COMPLAINT_RECEIVED)],
                       description=DATE_EXAMPLE)
    channel = RadioField(_l("How did it reach us?"), choices=_choices(COMPLAINT_CHANNEL_NAMES),
                         validators=[InputRequired(m.SELECT_COMPLAINT_CHANNEL)])
    about = MultiCheckboxField(_l("What is it about?"), choices=_choices(COMPLAINT_TOPIC_NAMES),
                               description=_l("Select all that apply."))
    text = long_text(_l("The complaint"), required=m.ENTER_COMPLAINT,
                     description=_l("What they are unhappy about, in their words where you can, and what they would "
                                    "like us to do. It is encrypted."))
    language = RadioField(_l("Language to respond in"), choices=[("cy", "Cymraeg"), ("en", "English")],
                          validators=[InputRequired(m.SELECT_REPLY_LANGUAGE)])
    owner = OptionalRadioField(_l("Who will respond?"), coerce=_staff_id, validate_choice=True)
    due_on = _Day(_l("Response due by (optional)"), validators=[Optional()])
    # One-time key for this form: a double tap records the complaint once.
    submission_key = HiddenField("")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _year_ok(self.received_on)
        _year_ok(self.due_on)
        if not self.about.data and not self.about.errors:
            self.about.errors.append(m.SELECT_COMPLAINT_TOPIC)
        return ok and not any(f.errors for f in self)


class ComplaintHandlingForm(TextForm):
    owner = RadioField(_l("Who will respond?"), coerce=int, validators=[InputRequired(m.SELECT_COMPLAINT_OWNER)])
    due_on = _Day(_l("Response due by"), validators=[InputRequired(m.ENTER_DUE_DATE)], description=DATE_EXAMPLE)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _year_ok(self.due_on)
        return ok and not self.due_on.errors


class ComplaintOutcomeForm(TextForm):
    outcome = RadioField(_l("What is the outcome?"), choices=_choices(COMPLAINT_OUTCOME_NAMES),
                         validators=[InputRequired(m.SELECT_COMPLAINT_OUTCOME)])
    summary = long_text(_l("Summary of our response"), required=m.ENTER_COMPLAINT_RESPONSE,
                        description=_l("What we found, what we told them and what we will do; for a withdrawn "
                                       "complaint, what happened. It is encrypted."))
    responded_on = _Day(_l("Date of the response (optional)"), validators=[Optional()],
                        description=_l("Leave it empty for today."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _year_ok(self.responded_on)
        return ok and not self.responded_on.errors


class ComplaintDaysForm(TextForm):
    days = WholeNumberField(_l("Working days to respond to a complaint"), not_a_number=m.ENTER_COMPLAINT_DAYS,
                            validators=[InputRequired(m.ENTER_COMPLAINT_DAYS),
                                        NumberRange(min=1, max=60, message=m.ENTER_COMPLAINT_DAYS)],
                            description=_l("Counted from the day a complaint reaches us, leaving out weekends and "
                                           "bank holidays. A complaint already recorded keeps its deadline."))
