"""Forms for safeguarding on a case: the flags, a referral made, and its outcome. Choices are codes (a code the page
did not offer is refused); what was referred and the outcome's note are sealed."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import InputRequired, Length, Optional

from portal.casework.safeguarding import CONCERNS, FLAGS, OUTCOMES, ROUTES
from portal.staff import messages as m
from portal.staff.forms_case import long_text
from portal.staff.forms_intake import _Day, _year_ok
from portal.web.forms import TextForm

FLAG_NAMES = {"under_16": _l("Someone at risk is under 16: child safeguarding"),
              "adult_at_risk": _l("An adult at risk: they have care and support needs that make it hard to protect "
                                  "themselves"),
              "exploitation": _l("Signs of modern slavery or exploitation")}
CONCERN_NAMES = {"child": _l("A child"), "adult": _l("An adult at risk"),
                 "exploitation": _l("Modern slavery or exploitation")}
ROUTE_NAMES = {"childrens_services": _l("Children's services"), "adult_social_care": _l("Adult social care"),
               "police": _l("The police"),
               "nrm": _l("The National Referral Mechanism, through a first responder such as the police or the local "
                         "authority"),
               "other": _l("Another agency")}
OUTCOME_NAMES = {"accepted": _l("Accepted"), "strategy": _l("A strategy meeting or an enquiry"),
                 "nfa": _l("No further action"), "declined": _l("Declined"), "other": _l("Something else")}
assert set(FLAG_NAMES) == set(FLAGS) and set(CONCERN_NAMES) == set(CONCERNS)
assert set(ROUTE_NAMES) == set(ROUTES) and set(OUTCOME_NAMES) == set(OUTCOMES)


class FlagsForm(TextForm):
    """Set or clear each flag: the boxes show the case as it is."""

    under_16 = BooleanField(FLAG_NAMES["under_16"])
    adult_at_risk = BooleanField(FLAG_NAMES["adult_at_risk"])
    exploitation = BooleanField(FLAG_NAMES["exploitation"])

    def flags(self) -> dict[str, bool]:
        return {name: bool(self[name].data) for name in FLAGS}


class ReferralForm(TextForm):
    concern = RadioField(_l("What is the referral about?"), choices=list(CONCERN_NAMES.items()),
                         validators=[InputRequired(m.SELECT_CONCERN)])
    referred_to = RadioField(_l("Who was it referred to?"), choices=list(ROUTE_NAMES.items()),
                             validators=[InputRequired(m.SELECT_REFERRED_TO)])
    other = StringField(_l("Which agency?"), validators=[Optional(), Length(max=500, message=m.SHORT_TOO_LONG)])
    referred_on = _Day(_l("Date it was referred"), validators=[InputRequired(m.ENTER_DATE)],
                       description=_l("For example, 2026-11-23."))
    what = long_text(_l("What was referred?"), description=_l(
        "What you told them, and any reference they gave. It is encrypted."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.referred_to.data == "other" and not (self.other.data or "").strip():
            self.other.errors.append(m.ENTER_OTHER_AGENCY)
        _year_ok(self.referred_on)
        return ok and not any(f.errors for f in self)


class OutcomeForm(TextForm):
    outcome = RadioField(_l("What was the outcome?"), choices=list(OUTCOME_NAMES.items()),
                         validators=[InputRequired(m.SELECT_REFERRAL_OUTCOME)])
    outcome_on = _Day(_l("Date of the outcome"), validators=[InputRequired(m.ENTER_DATE)],
                      description=_l("For example, 2026-11-23."))
    note = long_text(_l("Notes on the outcome (optional)"), description=_l("It is encrypted."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _year_ok(self.outcome_on)
        return ok and not any(f.errors for f in self)
