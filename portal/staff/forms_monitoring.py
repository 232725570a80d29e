"""Forms and names for monitoring after closure (check-in dates, a check-in, skipping one), routing a case to
someone who does not match what the person asked for, and one's own routing details."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, Field, RadioField
from wtforms.validators import InputRequired, Optional

from portal.staff.forms_case import StatusForm, long_text
from portal.web.forms import OptionalRadioField, TextForm

CHECKIN_OUTCOME_NAMES = {
    "well": _l("We spoke to them: no new concern"),
    "concern": _l("We spoke to them: there is a new concern"),
    "no_answer": _l("We tried: no answer, and no message left"),
    "message_left": _l("We tried: we left a message (a voicemail only if they agreed to one)"),
    "records_only": _l("We did not contact them: we checked the records and linked cases only"),
}
CHECKIN_STATE_NAMES = {"due": _l("Due"), "done": _l("Done"), "skipped": _l("Skipped")}
ROUTING_NAMES = {"woman": _l("They asked to speak to a woman"), "man": _l("They asked to speak to a man"),
                 "welsh": _l("They asked for Welsh")}
SEX_NAMES = {"": _l("I would rather not say"), "woman": _l("A woman"), "man": _l("A man")}
MONITOR_CHOICES = {"yes": _l("Yes: set check-ins after closing"), "no": _l("No check-ins")}
WELSH_CHOICES = {"yes": _l("Yes, I can work a case in Welsh"), "no": _l("No, not in Welsh")}

ENTER_CHECKIN_DATE = _l("Enter at least one check-in date, from today up to a year ahead")
ENTER_DATE = _l("Enter a real date, for example 2026-11-23")
CONFIRM_SAFE = _l("Confirm it is safe to contact them now, or record that you checked the records only")
LINKED_OPEN = _l("A case linked to this one is open: contact them through that case, under its safe-contact profile. "
                 "Here, check the records only, or skip this check-in.")
SELECT_WAY = _l("Select which of their safe ways you used")
SELECT_CHECKIN_OUTCOME = _l("Select what the check-in found")
ENTER_SKIP_REASON = _l("Say why this check-in is skipped")
ENTER_ROUTING_REASON = _l("Say why the case goes to someone who does not match what the person asked for")
SELECT_MONITOR = _l("Select whether to keep an eye on the case after closing")


class _Day(DateField):
    """A date whose "not a date" message is a whole sentence, translated."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(ENTER_DATE)) from exc


def _day(label: Any) -> Field:
    return _Day(label, validators=[Optional()], description=_l("For example, 2026-11-23. Leave it empty for no "
                                                               "check-in here."))


class _Dates:
    """Up to three check-in dates."""

    def dates(self) -> list[date]:
        return [d for d in (self.checkin_1.data, self.checkin_2.data, self.checkin_3.data)  # type: ignore[attr-defined]
                if d is not None]

    def fill(self, dates: list[date]) -> None:
        for field, day in zip((self.checkin_1, self.checkin_2, self.checkin_3), dates, strict=False):  # type: ignore[attr-defined]
            if field.data is None and not field.raw_data:
                field.data = day


class ClosingForm(StatusForm, _Dates):
    """Changing the status, and on closing, optionally keeping an eye on the case (Plus Dane 15)."""

    monitor = OptionalRadioField(_l("Keep an eye on this case after closing?"), choices=list(MONITOR_CHOICES.items()),
                                 validate_choice=True,
                                 description=_l("Check-ins after closing, each only once it is safe to contact "
                                                "them. Revisiting can itself be risky."))
    checkin_1 = _day(_l("First check-in"))
    checkin_2 = _day(_l("Second check-in"))
    checkin_3 = _day(_l("Third check-in"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.status.data == "closed" and self.monitor.data == "yes" and not self.dates():
            self.checkin_1.errors = [*self.checkin_1.errors, ENTER_CHECKIN_DATE]
            return False
        return ok


class MonitoringForm(TextForm, _Dates):
    checkin_1 = _day(_l("First check-in"))
    checkin_2 = _day(_l("Second check-in"))
    checkin_3 = _day(_l("Third check-in"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.dates():
            self.checkin_1.errors = [*self.checkin_1.errors, ENTER_CHECKIN_DATE]
            return False
        return ok


class CheckinForm(TextForm):
    safe_checked = BooleanField(_l("I have checked their current safe-contact profile and the linked cases: it is "
                                   "safe to contact them now"))
    outcome = RadioField(_l("What did the check-in find?"), choices=list(CHECKIN_OUTCOME_NAMES.items()),
                         validators=[InputRequired(SELECT_CHECKIN_OUTCOME)])
    method = OptionalRadioField(_l("Which of their safe ways did you use?"), validate_choice=True)
    reason = long_text(_l("If now is outside their safe times, why contact them now?"))
    notes = long_text(_l("Notes (optional)"))


class SkipForm(TextForm):
    skip_reason = long_text(_l("Why skip this check-in?"), required=ENTER_SKIP_REASON,
                            description=_l("For example, contact now could put them at risk."))


class RoutingReasonForm(TextForm):
    routing_reason = long_text(_l("Why does the case go to them anyway?"), required=ENTER_ROUTING_REASON)


class RoutingDetailsForm(TextForm):
    sex = RadioField(_l("Are you a woman or a man?"), choices=list(SEX_NAMES.items()), default="",
                     description=_l("Optional. Some people ask to speak to a woman, or to a man."),
                     validators=[Optional()])
    speaks_welsh = RadioField(_l("Can you work a case in Welsh?"), choices=list(WELSH_CHOICES.items()), default="no",
                              validators=[Optional()])

