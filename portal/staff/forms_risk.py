"""Forms for risk: our DASH checklist (finished, or saved to finish later), another agency's assessment, and an
incident; and the names of their codes. The services check everything again (portal/casework/risk.py)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, Field, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.casework.dash import Checklist
from portal.casework.risk import ASSESSING_AGENCIES, DASH_ITEMS, GRADES, TOOLS
from portal.questions.report_forms import text
from portal.staff import messages as m
from portal.staff.forms_case import long_text
from portal.staff.forms_intake import _Day, _year_ok
from portal.web.forms import OptionalRadioField, TextForm, WholeNumberField

ASSESSING_AGENCY_NAMES = {
    "police": _l("Police"), "idva": _l("IDVA service"), "social_services": _l("Social services"),
    "support": _l("Specialist support service"), "health": _l("Health services"), "probation": _l("Probation"),
    "marac": _l("MARAC"), "other": _l("Another agency"),
    "referrer": _l("the referring agency's form"),  # source "form": never offered, only shown
}
assert set(ASSESSING_AGENCIES) < set(ASSESSING_AGENCY_NAMES)
TOOL_NAMES = {"dash": _l("SafeLives DASH risk checklist"), "dara": _l("Police DARA (domestic abuse risk assessment)"),
              "other": _l("Another risk assessment tool")}
assert set(TOOLS) == set(TOOL_NAMES)
GRADE_NAMES = {"standard": _l("Standard"), "medium": _l("Medium"), "high": _l("High")}
assert set(GRADES) == set(GRADE_NAMES)
LEVEL_NAMES = {"standard": _l("Standard risk"), "medium": _l("Medium risk"), "high": _l("High risk")}
FUTURE_ASSESSMENT = _l("The date they assessed the risk must be today or in the past")
FUTURE_INCIDENT = _l("The date of the incident must be today or in the past")
# Welsh answers with the question's own verb: "Oes" for a referral planned, "Do" for the police called out.
MARAC_PLANNED_ANSWERS = [("yes", lazy_pgettext("answer: is a MARAC referral planned", "Yes")),
                         ("no", lazy_pgettext("answer: is a MARAC referral planned", "No"))]
POLICE_CALLED_ANSWERS = [("yes", lazy_pgettext("answer: were the police called out", "Yes")),
                         ("no", lazy_pgettext("answer: were the police called out", "No"))]
# Everything the risk section and the case header need to name codes.
RISK_NAMES = {"agency": ASSESSING_AGENCY_NAMES, "tool": TOOL_NAMES, "grade": GRADE_NAMES, "level": LEVEL_NAMES}


def risk_form_class(checklist: Checklist, lang: str) -> type[TextForm]:
    """One yes / no / not known question (and a comment) per checklist item. "Save and finish later" (the
    button named `save` with the value `later`) lets any question be unanswered; "Save" needs every one."""
    answers = [(code, checklist.answers[code][lang]) for code in ("yes", "no", "not_known")]

    class RiskForm(TextForm):
        escalation = BooleanField(_l("The abuse is escalating (more often, or worse), in my judgement"))
        judgement_referral = BooleanField(_l("Refer to MARAC on professional judgement, below the threshold"))
        judgement_reason = long_text(_l("Why refer on professional judgement?"))
        notes = long_text(_l("Anything else about the risk"))
        save = StringField()  # which button: "later" saves a part-done checklist

        @property
        def finished(self) -> bool:
            return self.save.data != "later"

        def question_fields(self) -> list[tuple[str, Field, Field]]:
            return [(q.id, self[f"q_{q.id}"], self[f"c_{q.id}"]) for q in checklist.questions]

        def validate(self, extra_validators: Any = None) -> bool:
            ok = super().validate(extra_validators)
            if self.judgement_referral.data and not (self.judgement_reason.data or "").strip():
                self.judgement_reason.errors.append(m.ENTER_JUDGEMENT_REASON)
            if self.finished:
                for number, (_qid, answer, _comment) in enumerate(self.question_fields(), start=1):
                    if not answer.data and not answer.errors:
                        answer.errors.append(_l("Answer question %(number)d: yes, no or not known, or save the "
                                                "checklist to finish later", number=number))
            return ok and not any(f.errors for f in self)

    for number, question in enumerate(checklist.questions, start=1):
        setattr(RiskForm, f"q_{question.id}", OptionalRadioField(f"{number}. {question.text[lang]}", choices=answers,
                                                                 validate_choice=True))
        setattr(RiskForm, f"c_{question.id}", TextAreaField(
            _l("Comment on question %(number)d (optional)", number=number),
            validators=[Optional(), Length(max=2000, message=m.COMMENT_TOO_LONG)]))
    return RiskForm


class AssessmentForm(TextForm):
    """Another agency's risk assessment, as they gave it."""

    agency = RadioField(_l("Which agency assessed the risk?"),
                        choices=[(code, ASSESSING_AGENCY_NAMES[code]) for code in ASSESSING_AGENCIES],
                        validators=[InputRequired(m.SELECT_AGENCY)])
    agency_name = text(_l("The agency's name"),
                       description=_l("Needed for another agency; otherwise optional, for example the police force."))
    assessed_on = _Day(_l("Date they assessed the risk"), validators=[InputRequired(m.ENTER_DATE)],
                       description=_l("For example, 2026-11-23."))
    tool = RadioField(_l("Which tool did they use?"), choices=list(TOOL_NAMES.items()),
                      validators=[InputRequired(_l("Select the tool they used"))])
    score = WholeNumberField(_l("How many 'yes' answers on the DASH checklist?"),
                             not_a_number=_l("Enter the number of 'yes' answers, from 0 to 24"),
                             description=_l("For the DASH checklist only: a number from 0 to 24."),
                             validators=[Optional(), NumberRange(min=0, max=DASH_ITEMS,
                                                                 message=_l("Enter the number of 'yes' answers, "
                                                                            "from 0 to 24"))])
    grade = OptionalRadioField(_l("What level of risk did they grade?"), choices=list(GRADE_NAMES.items()),
                               validate_choice=True, description=_l("For DARA or another tool only."))
    marac_planned = RadioField(_l("Is a MARAC referral planned or made?"), choices=MARAC_PLANNED_ANSWERS,
                               validators=[InputRequired(_l("Select whether a MARAC referral is planned"))])
    note = long_text(_l("Anything else they told us about the risk (optional)"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.agency.data == "other" and not (self.agency_name.data or "").strip():
            self.agency_name.errors.append(m.ENTER_ORGANISATION)
        if self.tool.data == "dash" and self.score.data is None and not self.score.errors:
            self.score.errors.append(_l("Enter the number of 'yes' answers, from 0 to 24"))
        if self.tool.data in ("dara", "other") and not self.grade.data:
            self.grade.errors.append(_l("Select the level of risk they graded"))
        _year_ok(self.assessed_on)
        return ok and not any(f.errors for f in self)


class IncidentForm(TextForm):
    occurred_on = _Day(_l("Date of the incident"), validators=[InputRequired(m.ENTER_DATE)],
                       description=_l("For example, 2026-11-23."))
    police = RadioField(_l("Were the police called out?"), choices=POLICE_CALLED_ANSWERS,
                        validators=[InputRequired(_l("Select whether the police were called out"))])
    incident_number = text(_l("Police incident number (optional)"))
    what = long_text(_l("What happened"), required=_l("Say what happened"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        _year_ok(self.occurred_on)
        return ok and not any(f.errors for f in self)
