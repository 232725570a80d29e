"""Who may see a restricted case (a lead decides), and a lead's break-glass opening of one, with a reason."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.casework.common import NotAllowed
from portal.casework.restriction import CaseRestricted, break_glass, can_see, named_staff, restrict
from portal.intake.reports import ReportNotStored, find_by_reference
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_links import LEVEL_NAMES, AccessForm, GlassForm
from portal.store.db import db
from portal.store.models import StaffUser
from portal.web.form_errors import error_summary


@bp.errorhandler(CaseRestricted)
def _restricted(error: CaseRestricted) -> tuple[str, int]:
    """Not to be seen by this member of staff: a lead may break the glass; anyone else finds nothing there."""
    if g.get("staff") is None or g.staff.role != "lead":
        return render_template("staff/error.html", code=404), 404
    return render_template("staff/break_glass.html", form=GlassForm(formdata=None), errors=[],
                           report=error.report), 403


@bp.route("/cases/<reference>/break-glass", methods=["GET", "POST"])
@allow("lead")
def case_break_glass(reference: str) -> Response | tuple[str, int]:
    """The glass is offered on the case's own address; a GET here (a bookmark, Back) goes there."""
    report = find_by_reference(db(), reference) or abort(404)
    if request.method == "GET":
        return redirect(url_for("staff.case", reference=report.reference), code=303)
    form = GlassForm()
    if form.validate_on_submit():
        try:
            break_glass(db(), g.staff, report, form.reason.data)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            abort(503)
        return redirect(url_for("staff.case", reference=report.reference), code=303)
    return render_template("staff/break_glass.html", form=form, errors=error_summary(form), report=report), 400


@bp.route("/cases/<reference>/access", methods=["GET", "POST"])
@allow("lead")
def case_access(reference: str) -> Response | tuple[str, int]:
    """Restrict the case to leads or to named staff, or open it to the team again."""
    report = case_or_404(reference)
    form = AccessForm()
    people = list(db().scalars(select(StaffUser).where(StaffUser.active.is_(True), StaffUser.role.in_(CASEWORK))
                               .order_by(StaffUser.name)))
    form.named.choices = [(p.id, f"{p.name} ({p.email})" if p.name else p.email) for p in people]
    if not form.is_submitted():
        form.level.data = report.restricted or "team"
        form.named.data = named_staff(db(), report)
    if form.validate_on_submit():
        level = "" if form.level.data == "team" else form.level.data
        try:
            restrict(db(), g.staff, report, level, list(form.named.data or []))
        except NotAllowed:
            form.named.errors.append(gettext("Select at least one person who may see it"))
        else:
            if can_see(db(), g.staff, report):
                return saved(report, gettext("Who may see this case was saved."))
            flash(gettext("Who may see case %(reference)s was saved. You are not among them, so it is no longer in "
                          "your queue.", reference=report.reference), "saved")
            return redirect(url_for("staff.queue"), code=303)
    return render_template("staff/access.html", form=form, errors=error_summary(form), level_names=LEVEL_NAMES,
                           **header(report)), 400 if form.errors else 200
