"""The perpetrator record on a case: record or change it, the Restricted Access List flag, joint tenancy advice and
mediation; and what the case page shows of it (the printed summary does not: it is an internal record)."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, render_template
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework import enforcement as en
from portal.casework import perpetrators as pp
from portal.casework.cases import open_case
from portal.casework.common import NotAllowed
from portal.intake.reports import ReportNotStored
from portal.staff import forms_perpetrator as fp
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.store.db import db
from portal.store.followup_models import Perpetrator
from portal.store.models import Report
from portal.web.form_errors import error_summary

NAMES = {"tenure_names": fp.TENURE_NAMES, "mediation_names": fp.MEDIATION_NAMES,
         "enforcement_kind_names": fp.KIND_NAMES, "enforcement_stage_names": fp.STAGE_NAMES,
         "court_kinds": en.COURT_KINDS}


def perpetrator_context(report: Report) -> dict[str, Any]:
    """For the case page, after `open_case`: each perpetrator record opened, whether its Restricted Access List
    flag is due for review, and its enforcement actions opened."""
    tz = current_app.config["TIMEZONE"]
    actions = en.opened_enforcements(db(), report)
    return {"perpetrators": [(p, pp.ral_review_due(p.perpetrator, tz),
                              [a for a in actions if a.enforcement.perpetrator_id == p.perpetrator.id])
                             for p in pp.opened_perpetrators(db(), report)], **NAMES}


def page(template: str, form: Any, report: Report, notice: str | None, **extra: Any) -> tuple[str, int]:
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template(template, form=form, errors=error_summary(form), notice=notice, **header(report),
                           **NAMES, **extra), status


def opened_record(reference: str, perpetrator_id: str, view: str) -> tuple[Report, Perpetrator, dict[str, Any]]:
    """The case and one of its perpetrator records, opened (the opening audited first as `view`)."""
    report = case_or_404(reference)
    perpetrator = pp.find_perpetrator(db(), report, perpetrator_id) or abort(404)
    open_case(db(), report, g.staff, view, with_entries=False, with_conversation=False)
    opened = next(p for p in pp.opened_perpetrators(db(), report) if p.perpetrator.id == perpetrator.id)
    if opened.unopened is not None:
        abort(503)
    return report, perpetrator, opened.content


@bp.route("/cases/<reference>/perpetrator", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_perpetrator_new(reference: str) -> Response | tuple[str, int]:
    """Record the person causing harm: who they are to the person at risk, their tenure, their address."""
    report = case_or_404(reference)
    form = fp.PerpetratorForm()
    notice = None
    if form.validate_on_submit():
        try:
            pp.save_perpetrator(db(), report, g.staff, name=form.name.data or "",
                                relationship=form.relationship.data or "", tenure=form.tenure.data or "",
                                address=form.address.data or "")
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Perpetrator record saved."))
    return page("staff/perpetrator.html", form, report, notice, new=True)


@bp.route("/cases/<reference>/perpetrator/<perpetrator_id>", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_perpetrator(reference: str, perpetrator_id: str) -> Response | tuple[str, int]:
    """Change a perpetrator record."""
    report, perpetrator, content = opened_record(reference, perpetrator_id, "perpetrator")
    form = fp.PerpetratorForm(data={**content, "tenure": perpetrator.tenure})
    notice = None
    if form.validate_on_submit():
        try:
            pp.save_perpetrator(db(), report, g.staff, perpetrator, name=form.name.data or "",
                                relationship=form.relationship.data or "", tenure=form.tenure.data or "",
                                address=form.address.data or "")
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Perpetrator record saved."))
    return page("staff/perpetrator.html", form, report, notice, new=False)


@bp.route("/cases/<reference>/perpetrator/<perpetrator_id>/restricted-access", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_perpetrator_ral(reference: str, perpetrator_id: str) -> Response | tuple[str, int]:
    """Put the perpetrator on the Restricted Access List (whg 2.18) with the reason and a review date, or take
    them off it."""
    report, perpetrator, content = opened_record(reference, perpetrator_id, "perpetrator")
    form = fp.RestrictedAccessForm(data={"on": perpetrator.restricted_access, "reason": content.get("ral_reason"),
                                         "review_on": perpetrator.ral_review_on})
    notice = None
    if form.validate_on_submit():
        try:
            pp.set_restricted_access(db(), report, g.staff, perpetrator, on=bool(form.on.data),
                                     reason=form.reason.data or "", review_on=form.review_on.data,
                                     tz=current_app.config["TIMEZONE"])
        except pp.RalReviewPast:
            form.review_on.errors.append(fp.RAL_REVIEW_PAST)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Restricted Access List flag saved.") if form.on.data
                         else gettext("They are not on the Restricted Access List."))
    return page("staff/perpetrator_ral.html", form, report, notice, perpetrator=perpetrator)


@bp.route("/cases/<reference>/perpetrator/<perpetrator_id>/joint-tenancy", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_perpetrator_joint(reference: str, perpetrator_id: str) -> Response | tuple[str, int]:
    """On a joint tenancy: the advice given to each party, and whether mediation was offered (or was not safe)."""
    report, perpetrator, content = opened_record(reference, perpetrator_id, "perpetrator")
    if perpetrator.tenure != "joint":
        abort(404)
    form = fp.JointTenancyForm(data={**content, "mediation": perpetrator.mediation or None})
    notice = None
    if form.validate_on_submit():
        try:
            pp.record_joint_tenancy(db(), report, g.staff, perpetrator, advice_victim=form.advice_victim.data or "",
                                    advice_perpetrator=form.advice_perpetrator.data or "",
                                    mediation=form.mediation.data or "")
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Joint tenancy advice saved."))
    return page("staff/perpetrator_joint.html", form, report, notice, perpetrator=perpetrator)
