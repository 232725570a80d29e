"""Forms for the perpetrator record and action against a perpetrator: the record, the Restricted Access List flag,
joint tenancy advice and mediation, and the enforcement steps (the victim's view, the proportionality review, the
decision). Choices are codes (a code the page did not offer is refused); everything typed is sealed."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import InputRequired, Length, Optional

from portal.casework.enforcement import KINDS, STAGES
from portal.casework.perpetrators import MEDIATION, TENURES
from portal.staff import messages as m
from portal.staff.forms_case import long_text
from portal.staff.forms_intake import _Day, _year_ok
from portal.web.forms import TextForm

TENURE_NAMES = {"sole": _l("A tenant or contract holder on their own"),
                "joint": _l("A joint tenant or joint contract holder with the person at risk"),
                "none": _l("Not a tenant or contract holder"), "unknown": _l("Not known")}
MEDIATION_NAMES = {"offered": _l("Mediation offered"), "declined": _l("Mediation offered and declined"),
                   "unsafe": _l("Mediation not offered: it would not be safe")}
KIND_NAMES = {"warning": _l("A warning"), "injunction": _l("An injunction"),
              "prohibited_conduct": _l("A prohibited conduct notice"), "possession": _l("Seeking possession"),
              "exclude_joint": _l("Excluding a joint contract holder, leaving the contract with the other"),
              "rhw32": _l("RHW32 notice (Welsh occupation contract)"),
              "rhw33": _l("RHW33 notice (Welsh occupation contract)")}
STAGE_NAMES = {"review": _l("Waiting for the proportionality review"),
               "authorise": _l("Waiting for an authoriser's decision"), "authorised": _l("Authorised"),
               "declined": _l("Declined"), "withdrawn": _l("Withdrawn")}
assert set(TENURE_NAMES) == set(TENURES) and set(MEDIATION_NAMES) == set(MEDIATION)
assert set(KIND_NAMES) == set(KINDS) and set(STAGE_NAMES) == set(STAGES)

ENTER_RELATIONSHIP = _l("Enter who they are to the person at risk")
SELECT_TENURE = _l("Select whether they are a tenant or contract holder")
ENTER_RAL_REASON = _l("Enter why they are on the Restricted Access List")
ENTER_RAL_REVIEW = _l("Enter the date to review the Restricted Access List flag")
RAL_REVIEW_PAST = _l("The review date must be after today")
SELECT_MEDIATION = _l("Select whether mediation was offered")
SELECT_KIND = _l("Select the action")
NOT_JOINT = _l("This action is only for a joint contract holder. Change the record's tenure first, or select "
               "another action")
ENTER_VICTIM_VIEW = _l("Enter what the person at risk wants, and what they think could happen")
ENTER_SAFETY_PLAN = _l("Enter how their safety will be managed during this action")
ENTER_INCIDENT = _l("Enter the incident of serious threatening behaviour or physical violence")
ENTER_OPTIONS = _l("Enter the options considered to avoid legal action")
ENTER_PRE_COURT = _l("Enter how the pre-court protocol was considered")
SELECT_DECISION = _l("Select whether you authorise the action")
CONFIRM_STEPS = _l("Confirm the proportionality review and the pre-court protocol were considered")
CONFIRM_STEPS_EXEMPT = _l("Confirm the incident was extreme enough to act without a proportionality review")
ENTER_DECLINE_REASON = _l("Enter why you decline it")


class PerpetratorForm(TextForm):
    name = StringField(_l("Their name (optional)"), validators=[Optional(), Length(max=500, message=m.SHORT_TOO_LONG)])
    relationship = StringField(_l("Who are they to the person at risk?"),
                               description=_l("For example, husband, ex-partner, son."),
                               validators=[InputRequired(ENTER_RELATIONSHIP),
                                           Length(max=500, message=m.SHORT_TOO_LONG)])
    tenure = RadioField(_l("Are they a tenant or contract holder?"), choices=list(TENURE_NAMES.items()),
                        validators=[InputRequired(SELECT_TENURE)])
    address = long_text(_l("Their address, if different from the person at risk's (optional)"),
                        description=_l("It is encrypted. Never use it to contact anyone."))


class RestrictedAccessForm(TextForm):
    on = BooleanField(_l("They are on the Restricted Access List"))
    reason = long_text(_l("Why (the Restricted Access Policy's criteria they meet)"),
                       description=_l("It is encrypted."))
    review_on = _Day(_l("Review the flag on"), validators=[Optional()], description=_l("For example, 2027-05-23."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.on.data:
            if not (self.reason.data or "").strip():
                self.reason.errors.append(ENTER_RAL_REASON)
            if self.review_on.data is None and not self.review_on.errors:
                self.review_on.errors.append(ENTER_RAL_REVIEW)
        _year_ok(self.review_on)
        return ok and not any(f.errors for f in self)


class JointTenancyForm(TextForm):
    advice_victim = long_text(_l("Advice given to the person at risk"), description=_l("It is encrypted."))
    advice_perpetrator = long_text(_l("Advice given to the other joint tenant or contract holder"),
                                   description=_l("It is encrypted."))
    mediation = RadioField(_l("Mediation"), choices=list(MEDIATION_NAMES.items()),
                           description=_l("Mediation is often not safe where there is domestic abuse."),
                           validators=[InputRequired(SELECT_MEDIATION)])


class StartForm(TextForm):
    kind = RadioField(_l("What action?"), choices=list(KIND_NAMES.items()), validators=[InputRequired(SELECT_KIND)])
    victim_view = long_text(_l("What the person at risk wants, and the repercussions they fear"), ENTER_VICTIM_VIEW,
                            description=_l("It is encrypted."))
    safety_plan = long_text(_l("The safety plan for this action: how the risk will be managed"), ENTER_SAFETY_PLAN,
                            description=_l("It is encrypted."))
    exemption = BooleanField(_l("An extreme incident: serious threatening behaviour or physical violence (MHA 8.5). "
                                "No proportionality review is needed, but an authoriser still decides."))
    incident = long_text(_l("The incident (only for an extreme incident)"), description=_l("It is encrypted."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.exemption.data and not (self.incident.data or "").strip():
            self.incident.errors.append(ENTER_INCIDENT)
        return ok and not any(f.errors for f in self)


class ReviewForm(TextForm):
    options = long_text(_l("The options considered to avoid legal action"), ENTER_OPTIONS,
                        description=_l("Problem solving and long-term resolution first; legal action last."))
    pre_court = long_text(_l("The pre-court protocol"), ENTER_PRE_COURT,
                          description=_l("How its requirements were considered, and how eviction into "
                                         "homelessness is prevented."))
    capacity = long_text(_l("Mental capacity and the Equality Act 2010 (optional)"),
                         description=_l("Anything about the perpetrator's mental capacity, or issues under the "
                                        "Equality Act 2010."))


class DecisionForm(TextForm):
    decision = RadioField(_l("Your decision"), choices=[("authorise", _l("Authorise the action")),
                                                        ("decline", _l("Decline the action"))],
                          validators=[InputRequired(SELECT_DECISION)])
    steps_checked = BooleanField(_l("I have checked that the proportionality review and the pre-court protocol were "
                                    "considered"))
    note = long_text(_l("Your note (needed if you decline)"), description=_l("It is encrypted."))
