"""Forms for retention and rights: a request to erase a case (who asked, when, whether a safeguarding exception
applies), and a team lead's decision on it."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import RadioField
from wtforms.validators import InputRequired

from portal.staff.forms_case import long_text
from portal.staff.forms_intake import _Day, _year_ok
from portal.web.forms import TextForm

REQUESTER_NAMES = {"person": _l("The person at risk"), "reporter": _l("The person who reported it"),
                   "representative": _l("Someone acting for them, with their authority")}
EXCEPTION_ANSWERS = [("yes", lazy_pgettext("answer: does a safeguarding exception apply", "Yes")),
                     ("no", lazy_pgettext("answer: does a safeguarding exception apply", "No"))]
DECISION_NAMES = {"erase": _l("Erase the case now"), "keep": _l("Keep the case, and tell them why")}
SELECT_REQUESTER = _l("Select who asked for the case to be erased")
ENTER_RECEIVED = _l("Enter the date the request reached us")
SELECT_EXCEPTION = _l("Select whether a safeguarding exception applies")
ENTER_EXCEPTION = _l("Say what the safeguarding exception is")
SELECT_DECISION = _l("Select whether to erase the case or keep it")
ENTER_KEEP_REASON = _l("Say why the case is kept")


class ErasureRequestForm(TextForm):
    requested_by = RadioField(_l("Who asked for the case to be erased?"), choices=list(REQUESTER_NAMES.items()),
                              validators=[InputRequired(SELECT_REQUESTER)])
    received_on = _Day(_l("When did the request reach us?"), validators=[InputRequired(ENTER_RECEIVED)],
                       description=_l("For example, 2026-07-01."))
    exception = RadioField(_l("Does a safeguarding exception apply?"), choices=EXCEPTION_ANSWERS,
                           validators=[InputRequired(SELECT_EXCEPTION)],
                           description=_l("For example: a child or an adult at risk, a risk that is still live, a "
                                          "MARAC, police or court action that needs this record. If one applies, the "
                                          "case is kept."))
    exception_reason = long_text(_l("What is the exception?"),
                                 description=_l("Only if one applies. It is encrypted."))
    note = long_text(_l("Anything else about the request (optional)"), description=_l("It is encrypted."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _year_ok(self.received_on)
        if self.exception.data == "yes" and not (self.exception_reason.data or "").strip():
            self.exception_reason.errors = [*self.exception_reason.errors, ENTER_EXCEPTION]
        return ok and not self.received_on.errors and not self.exception_reason.errors


class ErasureDecisionForm(TextForm):
    decision = RadioField(_l("What do you decide?"), choices=list(DECISION_NAMES.items()),
                          validators=[InputRequired(SELECT_DECISION)])
    reason = long_text(_l("Why the case is kept"),
                       description=_l("Only if you keep it: what we will tell them. It is encrypted."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data == "keep" and not (self.reason.data or "").strip():
            self.reason.errors = [*self.reason.errors, ENTER_KEEP_REASON]
        return ok and not self.reason.errors
