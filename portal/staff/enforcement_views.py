"""Action against a perpetrator, step by step: start it with the victim's view and the safety plan, the
proportionality review, an authoriser's decision, or withdraw it; and the authorisers' list of actions awaiting a
decision."""
from __future__ import annotations

from typing import Any

from flask import abort, g, render_template
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework import enforcement as en
from portal.casework.cases import open_case
from portal.casework.common import NotAllowed
from portal.intake.reports import ReportNotStored
from portal.staff import forms_perpetrator as fp
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, saved
from portal.staff.forms_auth import ButtonForm
from portal.staff.perpetrator_views import NAMES, opened_record, page
from portal.store.db import db
from portal.store.followup_models import Enforcement
from portal.store.models import Report


@bp.app_template_global()
def enforcement_awaiting_count() -> int:
    """For the queue page: how many actions against a perpetrator await an authoriser (0 for anyone else)."""
    staff = g.get("staff")
    return en.awaiting_count(db(), staff) if staff is not None and staff.can_authorise else 0


def _opened_action(reference: str, enforcement_id: str, view: str) -> tuple[Report, Enforcement, Any]:
    report = case_or_404(reference)
    enforcement = en.find_enforcement(db(), report, enforcement_id) or abort(404)
    open_case(db(), report, g.staff, view, with_entries=False, with_conversation=False)
    opened = next(a for a in en.opened_enforcements(db(), report) if a.enforcement.id == enforcement.id)
    return report, enforcement, opened


@bp.route("/cases/<reference>/perpetrator/<perpetrator_id>/enforcement", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_enforcement_new(reference: str, perpetrator_id: str) -> Response | tuple[str, int]:
    """Start an action against the perpetrator: first what the person at risk wants and the safety plan."""
    report, perpetrator, content = opened_record(reference, perpetrator_id, "enforcement")
    form = fp.StartForm()
    notice = None
    if form.validate_on_submit():
        try:
            en.start(db(), report, g.staff, perpetrator, kind=form.kind.data or "",
                     victim_view=form.victim_view.data or "", safety_plan=form.safety_plan.data or "",
                     exemption=bool(form.exemption.data), incident=form.incident.data or "")
        except en.NotJointContract:
            form.kind.errors.append(fp.NOT_JOINT)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Action recorded. An authoriser decides it.") if form.exemption.data
                         else gettext("Action recorded. The proportionality review is next."))
    return page("staff/enforcement_start.html", form, report, notice, perpetrator=perpetrator, content=content)


@bp.route("/cases/<reference>/enforcement/<enforcement_id>/review", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_enforcement_review(reference: str, enforcement_id: str) -> Response | tuple[str, int]:
    """The proportionality review (MHA 4.3.3): options to avoid legal action, the pre-court protocol."""
    report, enforcement, opened = _opened_action(reference, enforcement_id, "enforcement")
    if enforcement.stage != "review":
        return saved(report, gettext("That action is past its proportionality review."))
    form = fp.ReviewForm()
    notice = None
    if form.validate_on_submit():
        try:
            en.review(db(), report, g.staff, enforcement, options=form.options.data or "",
                      pre_court=form.pre_court.data or "", capacity=form.capacity.data or "")
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Proportionality review recorded. An authoriser decides next."))
    return page("staff/enforcement_review.html", form, report, notice, action=opened)


@bp.route("/cases/<reference>/enforcement/<enforcement_id>/decision", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_enforcement_decision(reference: str, enforcement_id: str) -> Response | tuple[str, int]:
    """An authoriser, not the person who asked, authorises or declines the action."""
    if not g.staff.can_authorise:
        abort(403)
    report, enforcement, opened = _opened_action(reference, enforcement_id, "enforcement")
    if enforcement.stage != "authorise":
        return saved(report, gettext("That action is not waiting for a decision."))
    form = fp.DecisionForm()
    if enforcement.exemption:
        form.steps_checked.label.text = gettext("I have checked that the incident was extreme enough to act without "
                                                "a proportionality review")
    own = enforcement.staff_id == g.staff.id
    notice = None
    if form.validate_on_submit() and not own:
        try:
            en.decide(db(), report, g.staff, enforcement, authorise=form.decision.data == "authorise",
                      note=form.note.data or "", steps_checked=bool(form.steps_checked.data))
        except en.StepsNotChecked:
            form.steps_checked.errors.append(fp.CONFIRM_STEPS_EXEMPT if enforcement.exemption else fp.CONFIRM_STEPS)
        except en.NeedsReason:
            form.note.errors.append(fp.ENTER_DECLINE_REASON)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Action authorised.") if enforcement.stage == "authorised"
                         else gettext("Action declined."))
    body, status = page("staff/enforcement_decision.html", form, report, notice, action=opened, own=own)
    return body, 403 if own and form.is_submitted() else status


@bp.route("/cases/<reference>/enforcement/<enforcement_id>/withdraw", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_enforcement_withdraw(reference: str, enforcement_id: str) -> Response | tuple[str, int]:
    """Withdraw an action not yet decided."""
    report = case_or_404(reference)
    enforcement = en.find_enforcement(db(), report, enforcement_id) or abort(404)
    if enforcement.stage not in en.OPEN_STAGES:
        return saved(report, gettext("That action is already decided or withdrawn."))
    form = ButtonForm()
    if form.validate_on_submit():
        en.withdraw(db(), report, g.staff, enforcement)
        return saved(report, gettext("Action withdrawn."))
    return page("staff/enforcement_withdraw.html", form, report, None, enforcement=enforcement)


@bp.get("/enforcement/awaiting")
@allow(*CASEWORK)
def enforcement_awaiting() -> str:
    """The authorisers' list: actions against a perpetrator waiting for a decision, longest waiting first."""
    if not g.staff.can_authorise:
        abort(403)
    return render_template("staff/enforcement_awaiting.html", awaiting=en.awaiting_decision(db(), g.staff), **NAMES)
