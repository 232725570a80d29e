"""Names, in the reader's language, for the indicators' codes: risk, MARAC, sharing and safeguarding (the codes are
portal/casework/risk_indicators.py's), follow-through, complaints and survivors' feedback; tests/staff/
test_indicator_views.py checks every code has a name."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.casework.review_checklist import checklist
from portal.questions import equality as eq
from portal.questions import feedback as fq
from portal.staff.forms_case import ACTION_NAMES
from portal.staff.forms_complaint import COMPLAINT_CHANNEL_NAMES, COMPLAINT_OUTCOME_NAMES
from portal.staff.forms_review_round import POINT_NAMES, point_name
from portal.store.db import db

SOURCE_NAMES = {"ours": _l("Our own DASH checklists"), "agency": _l("Another agency's assessments"),
                "form": _l("DASH scores given on an agency's referral")}
TOOL_NAMES = {"dash": _l("SafeLives DASH"), "dara": _l("Police DARA"), "other": _l("Another tool")}
LEVEL_NAMES = {"high": _l("High risk"), "medium": _l("Medium risk"), "standard": _l("Standard risk")}
CRITERION_NAMES = {"visible_high": _l("Visible high risk"), "judgement": _l("Professional judgement"),
                   "escalation": _l("Potential escalation"), "repeat": _l("Repeat referral")}
BASIS_NAMES = {"consent": _l("Consent"),
               "safeguarding": _l("Safeguarding or vital interests"),
               "agreement": _l("An information-sharing agreement"),
               "s115": _l("Section 115, Crime and Disorder Act 1998"),
               "marac": _l("The MARAC protocol"), "court": _l("A court order or legal obligation")}
CONCERN_NAMES = {"child": _l("A child"), "adult": _l("An adult at risk"),
                 "exploitation": _l("Modern slavery or exploitation")}
SINGLE_LABELS = {
    ("risk", "assessed_cases"): _l("Reports with a completed risk assessment"),
    ("risk", "assessed_percent"): _l("Reports with a completed risk assessment (%)"),
    ("risk", "assessments"): _l("Risk assessments completed"),
    ("risk", "part_done"): _l("DASH checklists started and not finished"),
    ("risk", "dash_due"): _l("Reports whose person at risk we reached"),
    ("risk", "dash_completed"): _l("Of those, with a completed DASH checklist"),
    ("risk", "dash_completed_percent"): _l("DASH completion rate (%)"),
    ("risk", "escalations"): _l("Assessments flagged for escalation"),
    ("risk", "idva_referrals"): _l("Cases referred to an IDVA"),
    ("marac", "cases"): _l("Cases referred to MARAC"),
    ("marac", "without_consent"): _l("MARAC referrals made without consent"),
    ("sharing", "total"): _l("Times information was shared"),
    ("sharing", "without_consent"): _l("Shares without consent needing a countersignature"),
    ("sharing", "countersigned_in_time"): _l("Countersigned by a team lead in time"),
    ("sharing", "countersigned_late"): _l("Countersigned late"),
    ("sharing", "awaiting_countersignature"): _l("Still waiting for a countersignature"),
    ("sharing", "countersigned_in_time_percent"): _l("Countersigned by a team lead in time (%)"),
}
RISK_LEVEL_LABELS = {f"{tool}_{level}": _l("%(tool)s: %(level)s", tool=tool_name, level=level_name)
                     for tool, tool_name in TOOL_NAMES.items() for level, level_name in LEVEL_NAMES.items()}
SECTION_NAMES = {"risk_source": _l("Who assessed the risk"), "marac": _l("MARAC"),
                 "marac_criterion": _l("MARAC referrals, by criterion"), "sharing": _l("Information sharing"),
                 "sharing_basis": _l("Information shared, by lawful basis"),
                 "safeguarding_referral": _l("Safeguarding referrals")}
GROUP_LABELS: dict[str, Mapping[str, Any]] = {
    "risk_source": SOURCE_NAMES, "risk_level": RISK_LEVEL_LABELS, "marac_criterion": CRITERION_NAMES,
    "sharing_basis": BASIS_NAMES, "safeguarding_referral": CONCERN_NAMES}

# Follow-through (portal/casework/followup_indicators.py).
TASK_KIND_NAMES = {**ACTION_NAMES, "safety_plan": _l("Safety plan"),
                   "breathing_space_end": _l("Before a breathing space ends"),
                   "review_followup": _l("Follow-ups from case reviews")}
FOLLOWUP_LABELS = {
    "reviews": _l("Reviews that answered a review date"),
    "reviews_on_time": _l("Reviews on time"),
    "reviews_on_time_percent": _l("Reviews on time (%)"),
    "closed_monitored": _l("Cases closed with check-ins after closing"),
    "repeat_after_closure": _l("Reports linked to a case closed in the 12 months before"),
}
SECTION_NAMES.update({"tasks_done": _l("Actions done, by kind"),
                      "tasks_in_target": _l("Actions done within their target, by kind"),
                      "tasks_in_target_percent": _l("Actions done within their target, by kind (%)"),
                      "follow_up": _l("Follow-through"),
                      "costed": _l("Actions done with a cost recorded, by kind"),
                      "cost_pounds": _l("What the actions done cost, by kind (pounds)")})
GROUP_LABELS.update({"tasks_done": TASK_KIND_NAMES, "tasks_in_target": TASK_KIND_NAMES,
                     "tasks_in_target_percent": TASK_KIND_NAMES, "follow_up": FOLLOWUP_LABELS,
                     "costed": TASK_KIND_NAMES, "cost_pounds": TASK_KIND_NAMES})


class PointNames(Mapping[str, Any]):
    """A checklist point's name: a built-in point's, or a lead's own words in the reader's language (read from the
    checklist setting when asked for, in a request)."""

    def __getitem__(self, code: str) -> Any:
        if code in POINT_NAMES:
            return POINT_NAMES[code]
        for point in checklist(db()):
            if point.code == code:
                return point_name(point)
        raise KeyError(code)

    def __iter__(self) -> Iterator[str]:
        return iter(POINT_NAMES)

    def __len__(self) -> int:
        return len(POINT_NAMES)

# Case reviews (portal/casework/review_round_indicators.py): a point is a built-in one, or a lead's own, named in the
# reader's language from the checklist (portal/casework/review_checklist.py).
REVIEW_POINT_NAMES: Mapping[str, Any] = PointNames()
SINGLE_LABELS[("review_rounds", "reviewed")] = _l("Cases reviewed in review rounds")
SECTION_NAMES.update({"review_rounds": _l("Case reviews"),
                      "review_points_met": _l("Case reviews: cases meeting each point"),
                      "review_points_applied": _l("Case reviews: cases each point applied to"),
                      "review_points_met_percent": _l("Case reviews: cases meeting each point, of those it applied "
                                                      "to (%)")})
GROUP_LABELS.update({"review_points_met": REVIEW_POINT_NAMES, "review_points_applied": REVIEW_POINT_NAMES,
                     "review_points_met_percent": REVIEW_POINT_NAMES})

# Complaints and survivors' feedback (portal/casework/complaint_indicators.py).
NOT_ANSWERED = {"": _l("Not answered"), "not_answered": _l("Not answered")}
SAFER_NAMES = {**dict(fq.SAFER_CHOICES), **NOT_ANSWERED}
CONTACT_WAY_NAMES = {**dict(fq.CONTACT_WAY_CHOICES), **NOT_ANSWERED}
COMPLAINT_LABELS = {
    "received": _l("Complaints received"),
    "responded": _l("Complaints responded to"),
    "in_time": _l("Responded to within the deadline"),
    "in_time_percent": _l("Responded to within the deadline (%)"),
    "overdue_now": _l("Waiting for a response past the deadline now"),
}
FEEDBACK_LABELS = {"given": _l("Survivors who gave feedback"), "comments": _l("Feedback with a comment")}
SECTION_NAMES.update({"complaints": _l("Complaints"), "complaints_by_channel": _l("Complaints, by how they reached us"),
                      "complaints_by_outcome": _l("Complaints, by outcome"), "feedback": _l("Survivors' feedback"),
                      "feedback_safer": fq.SAFER_QUESTION, "feedback_contact_way": fq.CONTACT_WAY_QUESTION})
GROUP_LABELS.update({"complaints": COMPLAINT_LABELS, "complaints_by_channel": COMPLAINT_CHANNEL_NAMES,
                     "complaints_by_outcome": COMPLAINT_OUTCOME_NAMES, "feedback": FEEDBACK_LABELS,
                     "feedback_safer": SAFER_NAMES, "feedback_contact_way": CONTACT_WAY_NAMES})

# Equality monitoring (portal/casework/equality_indicators.py): the forms' own words for each answer.
EQUALITY_QUESTION_NAMES = {"age": _l("Age"), "sex": _l("Sex"),
                           "disability": _l("Disabled, or a long-term health condition"),
                           "ethnic": _l("Ethnic group")}
EQUALITY_ANSWER_NAMES: dict[str, dict[str, Any]] = {
    "age": dict(eq.AGE_BANDS), "sex": dict(eq.SEXES),
    "disability": {"yes": _l("Disabled, or a long-term health condition"),
                   "no": _l("Not disabled, and no long-term health condition")},
    "ethnic": dict(eq.ETHNIC_GROUPS)}
for _answers in EQUALITY_ANSWER_NAMES.values():
    _answers.update({"prefer_not": lazy_pgettext("equality figure", "Prefer not to say"), "not_known": eq.NOT_KNOWN[1],
                     "not_answered": _l("Not answered")})
SECTION_NAMES.update({"equality": _l("Equality monitoring"),
                      **{f"equality_{q}": _l("Equality monitoring: %(question)s", question=name)
                         for q, name in EQUALITY_QUESTION_NAMES.items()}})
GROUP_LABELS.update({"equality": {"asked": _l("Reports whose form asked the questions")},
                     **{f"equality_{q}": names for q, names in EQUALITY_ANSWER_NAMES.items()}})
