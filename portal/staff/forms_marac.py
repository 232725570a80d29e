"""Forms for MARAC: a referral (the criteria, consent and the reason without it, whether the person knows, when it
was sent), the meeting and its outcome, and the referral pack's fields; and the names of their codes."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.casework.marac import AWARE, CONSENTS, CRITERIA, MAX_TEXT
from portal.casework.marac_pack import MAX_FIELD, PACK_FIELDS
from portal.staff import messages as sm
from portal.staff import messages_marac as m
from portal.staff.forms_intake import _Day, _year_ok
from portal.web.forms import MultiCheckboxField, TextForm

CRITERION_NAMES = {
    "visible_high": _l("Visible high risk"),
    "escalation": _l("Potential escalation"),
    "repeat": _l("Repeat referral"),
    "judgement": _l("Professional judgement"),
}
MARAC_CONSENT_NAMES = {
    "given": _l("They agreed to the referral"),
    "refused": _l("They did not agree to the referral"),
    "not_sought": _l("Not asked: it was not safe to ask them"),
}
AWARE_NAMES = {"yes": _l("Yes, they know"), "no": _l("No, they do not know"), "unknown": _l("We do not know")}
TOOL_NAMES = {"dash": _l("DASH risk checklist"), "dara": _l("DARA (police risk assessment)")}
GRADE_NAMES = {"standard": _l("Standard"), "medium": _l("Medium"), "high": _l("High")}
PACK_LABELS = {
    "referrer": _l("Referrer: name, team and organisation"),
    "person_name": _l("Name of the person at risk"),
    "person_dob": _l("Date of birth"),
    "person_address": _l("Address"),
    "person_phone": _l("Phone number, and whether it is safe to call"),
    "safe_times": _l("Safe times to call"),
    "leave_message": _l("Is it safe to leave a message?"),
    "language_needs": _l("Language, interpreter, BSL and access needs"),
    "perpetrators": _l("Person or people causing harm, and their relationship to the person at risk"),
    "children": _l("Children: whether they live in or visit the home, and their ages"),
    "criteria": _l("Referral criteria"),
    "consent": _l("Consent, and whether the person knows about the referral"),
    "afraid_of": _l("Who are they afraid of?"),
    "safe_to_talk": _l("Who is safe, and who is not safe, to talk to?"),
    "previous_maracs": _l("Previous MARAC referrals"),
}
assert set(CRITERION_NAMES) == set(CRITERIA) and set(MARAC_CONSENT_NAMES) == set(CONSENTS)
assert set(AWARE_NAMES) == set(AWARE) and set(PACK_LABELS) == set(PACK_FIELDS)


def _text(label: Any, description: Any = "") -> Field:
    return TextAreaField(label, description=description,
                         validators=[Optional(), Length(max=MAX_TEXT, message=sm.TOO_LONG)])


class ReferForm(TextForm):
    criteria = MultiCheckboxField(_l("Which referral criteria are met?"), choices=list(CRITERION_NAMES.items()),
                                  description=_l("Select all that apply."))
    evidence = _text(_l("The evidence for a criterion the record does not show"),
                     _l("Only if you selected a criterion that the facts above do not show: say what shows it and "
                        "where it came from, for example a police update."))
    judgement_reason = _text(_l("Why refer on professional judgement?"))
    consent = RadioField(_l("Did they agree to the referral?"), choices=list(MARAC_CONSENT_NAMES.items()),
                         validators=[InputRequired(m.SELECT_MARAC_CONSENT)])
    override_reason = _text(_l("Why refer without their consent?"),
                            _l("Needed unless they agreed: for example, high risk of serious harm, or a child at "
                               "risk."))
    aware = RadioField(_l("Does the person know about the referral?"), choices=list(AWARE_NAMES.items()),
                       validators=[InputRequired(m.SELECT_AWARE)])
    sent_on = _Day(_l("Date the referral was sent (optional)"), validators=[Optional()],
                   description=_l("For example, 2026-11-23. Leave this empty if it has not been sent yet."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not self.criteria.data and not self.criteria.errors:
            self.criteria.errors.append(m.SELECT_CRITERIA)
        if "judgement" in (self.criteria.data or []) and not (self.judgement_reason.data or "").strip():
            self.judgement_reason.errors.append(m.ENTER_JUDGEMENT_REASON)
        if self.consent.data in ("refused", "not_sought") and not (self.override_reason.data or "").strip():
            self.override_reason.errors.append(m.ENTER_OVERRIDE_REASON)
        _year_ok(self.sent_on)
        return ok and not any(f.errors for f in self)


class OutcomeForm(TextForm):
    meeting_on = _Day(_l("Date of the MARAC meeting"), validators=[Optional()],
                      description=_l("For example, 2026-11-23. It may be a date still to come."))
    outcome = _text(_l("What did the meeting decide?"))
    housing_actions = _text(_l("Housing actions agreed"),
                            _l("What we agreed to do: for example, extra security, a management transfer."))
    outcome_on = _Day(_l("Date of the outcome"), validators=[Optional()],
                      description=_l("For example, 2026-11-23. Needed with an outcome or housing actions."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        has_outcome = (self.outcome.data or "").strip() or (self.housing_actions.data or "").strip()
        if has_outcome and self.outcome_on.data is None and not self.outcome_on.errors:
            self.outcome_on.errors.append(m.ENTER_OUTCOME_DATE)
        _year_ok(self.meeting_on)
        _year_ok(self.outcome_on)
        return ok and not any(f.errors for f in self)


class PackForm(TextForm):
    """Every field of the pack, prefilled from the case, for the officer to review and edit."""

    def fields(self) -> dict[str, str]:
        return {name: self[name].data or "" for name in PACK_FIELDS}


for _name in PACK_FIELDS:
    setattr(PackForm, _name, TextAreaField(PACK_LABELS[_name], validators=[
        Optional(), Length(max=MAX_FIELD, message=m.PACK_FIELD_TOO_LONG)]))
