"""Retention and rights: the list of open cases with no activity for a lead's decision and the requests to erase
waiting for one; recording a request to erase a case; a lead's decision; and a subject access export of a case
(a readable page and JSON), each opening audited."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.casework import erasure
from portal.casework.cases import contact_attempts, open_case
from portal.casework.common import audit
from portal.intake.reports import ReportNotStored
from portal.staff import indicator_labels as il
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.case_views import ALL_PARTS, whole_case
from portal.staff.forms_erasure import DECISION_NAMES, REQUESTER_NAMES, ErasureDecisionForm, ErasureRequestForm
from portal.store.db import db
from portal.store.models import StaffUser
from portal.web.form_errors import error_summary


@bp.get("/retention")
@allow("lead")
def retention() -> str:
    """Open cases with nothing done on them for a while (a lead decides: close, or keep working), and the
    requests to erase a case waiting for a decision."""
    team_days = erasure.inactive_days(db())  # the team's setting; a lead may look further or nearer here
    try:
        days = max(erasure.MIN_INACTIVE_DAYS, int(request.args.get("days", team_days)))
    except ValueError:
        days = team_days
    asked = request.args.get("days", "").strip()
    names = {p.id: p.name or p.email for p in db().scalars(select(StaffUser))}
    return render_template("staff/retention.html", days=days, inactive=erasure.inactive(db(), days),
                           waiting=erasure.waiting_requests(db()), requester_names=REQUESTER_NAMES,
                           minimum=erasure.MIN_INACTIVE_DAYS, names=names, team_days=team_days,
                           adjusted=bool(asked) and asked != str(days))


@bp.route("/cases/<reference>/erasure", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_erasure(reference: str) -> Response | tuple[str, int]:
    """Record a request to erase the case, and whether a safeguarding exception applies."""
    report = case_or_404(reference)
    waiting = erasure.pending(db(), report)
    form = ErasureRequestForm()
    notice = None
    if waiting is None and form.validate_on_submit():
        try:
            erasure.request(db(), report, g.staff, requested_by=form.requested_by.data,
                            received_on=form.received_on.data, exception=form.exception.data == "yes",
                            exception_reason=form.exception_reason.data or "", note=form.note.data or "")
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Request to erase recorded. A team lead decides on it."))
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/erasure.html", form=form, errors=error_summary(form), notice=notice,
                           waiting=waiting, **header(report)), status


@bp.route("/cases/<reference>/erasure/decision", methods=["GET", "POST"])
@allow("lead")
def case_erasure_decision(reference: str) -> Response | tuple[str, int]:
    """A team lead erases the case, or keeps it with a reason. A recorded safeguarding exception keeps it."""
    report = case_or_404(reference)
    waiting = erasure.pending(db(), report)
    if waiting is None:
        return redirect(url_for("staff.case", reference=reference), code=303)
    form = ErasureDecisionForm()
    if waiting.flag:  # the exception stands: keeping is the only decision
        form.decision.choices = [("keep", DECISION_NAMES["keep"])]
    notice = None
    if form.validate_on_submit():
        try:
            if form.decision.data == "erase":
                erasure.erase(db(), report, g.staff, current_app.config["TIMEZONE"])
                flash(gettext("Case %(reference)s erased. Only its counts and its audit trail remain.",
                              reference=reference), "saved")
                return redirect(url_for("staff.retention"), code=303)
            erasure.keep(db(), report, g.staff, form.reason.data or "")
        except erasure.ExceptionApplies:
            form.decision.errors = [gettext("A safeguarding exception was recorded: the case is kept")]
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Decision recorded: the case is kept."))
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/erasure_decision.html", form=form, errors=error_summary(form), notice=notice,
                           waiting=waiting, requester_names=REQUESTER_NAMES, **header(report)), status


@bp.get("/cases/<reference>/subject-access")
@allow("lead")
def case_subject_access(reference: str) -> str:
    """Everything the case holds, on one readable page, for a subject access request (audited as an opening)."""
    context = whole_case(reference, "subject-access")
    context.update(show=ALL_PARTS, can_change=False)
    return render_template("staff/subject_access.html", **context, printed_at=datetime.now(timezone.utc),
                           printing=True, equality_questions=il.EQUALITY_QUESTION_NAMES,
                           equality_answers=il.EQUALITY_ANSWER_NAMES)


@bp.get("/cases/<reference>/subject-access.json")
@allow("lead")
def case_subject_access_json(reference: str) -> Response:
    """The same as JSON, for the data protection officer to review and release. Audited before it is sent."""
    report = case_or_404(reference)
    opened = open_case(db(), report, g.staff, "subject-access-json")
    data = erasure.subject_access(report, opened, contact_attempts(db(), report))
    audit(db(), g.staff, "case.subject_access_exported", report, detail="json")
    db().commit()
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="subject-access-{reference}.json"',
                             "Cache-Control": "no-store"})
