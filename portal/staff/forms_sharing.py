"""Forms and names for information sharing: who with, on what lawful basis, what and why; the person's consent as
they told us; a lead's countersignature. Codes are plain; what anyone writes is sealed."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, RadioField
from wtforms.validators import InputRequired, Length

from portal.casework.consent import CONSENT_KINDS, MARAC_ANSWERS, SHARE_ANSWERS
from portal.casework.sharing import BASES, RECIPIENTS
from portal.questions.report_forms import SHARE_WITH
from portal.staff import messages as m
from portal.staff.forms_case import long_text
from portal.web.forms import MultiCheckboxField, OptionalRadioField, TextForm

AGENCY_NAMES = {
    "police": _l("Police"), "idva": _l("IDVA service"), "marac": _l("MARAC"), "social_services": _l("Social services"),
    "health": _l("Health services"), "support": _l("Specialist support service"), "council": _l("Council housing team"),
    "other": _l("Another agency"),
}
BASIS_NAMES = {
    "consent": _l("With their consent"),
    "safeguarding": _l("Without consent: a high risk of serious harm, a child or adult at risk, or to protect "
                       "someone's life"),
    "agreement": _l("An information-sharing agreement"),
    "s115": _l("Section 115 of the Crime and Disorder Act 1998"),
    "marac": _l("The MARAC information-sharing protocol"),
    "court": _l("A court order or another legal duty"),
}
SHARE_ANSWER_NAMES = {"yes": _l("Yes, with the kinds of agency ticked"), "no": _l("No, not with anyone"),
                      "ask": _l("Ask them each time")}
SHARE_STATE_NAMES = {**SHARE_ANSWER_NAMES, "unknown": _l("Not known: nobody has asked them yet")}
MARAC_ANSWER_NAMES = {"yes": _l("They agreed to a MARAC referral"), "no": _l("They did not agree to a MARAC referral"),
                      "not_asked": _l("Not asked yet")}
CONSENT_KIND_NAMES = dict(SHARE_WITH)

assert set(AGENCY_NAMES) == set(RECIPIENTS) and set(BASIS_NAMES) == set(BASES)
assert set(SHARE_ANSWER_NAMES) == set(SHARE_ANSWERS) and set(MARAC_ANSWER_NAMES) == set(MARAC_ANSWERS)
assert set(CONSENT_KIND_NAMES) == set(CONSENT_KINDS)

SELECT_AGREEMENT = _l("Select the information-sharing agreement")
ENTER_WHAT = _l("Say what was shared")
ENTER_REASON = _l("Say why it was shared without consent")
SHARE_IN_FUTURE = _l("The date shared must be today or in the past")
OUTSIDE_CONSENT = _l("They have not agreed to share with this kind of agency. Select another lawful basis, or "
                     "record their consent first")
SELECT_SHARE_ANSWER = _l("Select whether they agree to us sharing information")
SELECT_CONSENT_KINDS = _l("Select the kinds of agency they agree to")
SELECT_MARAC_ANSWER = _l("Select whether they agreed to a MARAC referral")


class ShareForm(TextForm):
    agency = RadioField(_l("Who was information shared with?"), choices=list(AGENCY_NAMES.items()),
                        validators=[InputRequired(m.SELECT_AGENCY)])
    shared_on = DateField(_l("Date shared"), validators=[InputRequired(m.ENTER_DATE)],
                          description=_l("For example, 2026-11-23."))
    basis = RadioField(_l("On what lawful basis?"), choices=list(BASIS_NAMES.items()),
                       validators=[InputRequired(m.SELECT_BASIS)])
    agreement = OptionalRadioField(_l("Which agreement?"), choices=[], validate_choice=True)
    asked = BooleanField(_l("I asked them about this share, and they agreed to it"))
    what = long_text(_l("What was shared"), required=ENTER_WHAT)
    reason = long_text(_l("Why it was shared without consent"),
                       description=_l("The risk, or the duty, that justified it. A team lead countersigns every "
                                      "share made without consent."))
    tell_reporter = BooleanField(_l("Tell the reporter which kind of agency was told"),
                                 description=_l("Only if you judge it safe. Their page will say, for example, \"We "
                                                "have shared information with: the police.\" It never names the "
                                                "agency or says what was shared."))

    def prepare(self, agreements: tuple[str, ...]) -> None:
        self.agreement.choices = [(name, name) for name in agreements]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.basis.data == "agreement" and not self.agreement.data:
            self.agreement.errors.append(SELECT_AGREEMENT)
        if self.basis.data and self.basis.data != "consent" and not (self.reason.data or "").strip():
            self.reason.errors.append(ENTER_REASON)
        return ok and not any(f.errors for f in self)


class ConsentForm(TextForm):
    share = RadioField(_l("Do they agree to us sharing information with other agencies?"),
                       choices=list(SHARE_ANSWER_NAMES.items()), validators=[InputRequired(SELECT_SHARE_ANSWER)])
    kinds = MultiCheckboxField(_l("Which kinds of agency?"), choices=list(CONSENT_KIND_NAMES.items()),
                               description=_l("Select all they agree to."))
    marac = RadioField(_l("Did they agree to a MARAC referral?"), choices=list(MARAC_ANSWER_NAMES.items()),
                       validators=[InputRequired(SELECT_MARAC_ANSWER)])
    note = long_text(_l("Note (optional)"), description=_l("What they said, and when. Notes are encrypted."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.share.data == "yes" and not self.kinds.data:
            self.kinds.errors.append(SELECT_CONSENT_KINDS)
        return ok and not any(f.errors for f in self)


class CountersignForm(TextForm):
    share = HiddenField(validators=[InputRequired(), Length(max=36)])

