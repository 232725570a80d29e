"""The queue: one list, most urgent first; bookmarkable filters; claim, assign and bulk assign."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.casework.closing import waiting_count as waiting_count_closures
from portal.casework.common import today
from portal.casework.pending import apply_pending
from portal.casework.queue import (
    FLAGS,
    FOLLOW,
    KINDS,
    STATUSES,
    AlreadyClaimed,
    QueueFilter,
    changed_among,
    queue_page,
)
from portal.casework.restriction import can_see, hidden_ids
from portal.casework.routing import RoutingNeedsReason, assign_routed, claim_routed, unmatched
from portal.intake.conversations import waiting_among, waiting_count
from portal.intake.reports import find_by_reference
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.clock import clock_for, live_clock_data
from portal.staff.forms_auth import ButtonForm
from portal.staff.forms_monitoring import RoutingReasonForm
from portal.staff.forms_risk import LEVEL_NAMES
from portal.staff.queue_labels import FOLLOW_NAMES, next_of
from portal.staff.routing_views import reason_given, reason_page
from portal.store.db import db
from portal.store.models import Report, StaffUser


def caseworkers() -> list[StaffUser]:
    return list(db().scalars(select(StaffUser).where(StaffUser.active.is_(True), StaffUser.role.in_(CASEWORK))
                             .order_by(StaffUser.name)))


@bp.get("/")
@allow(*CASEWORK)
def queue() -> str:
    """The queue of reports. Sorting and filtering use plaintext columns only."""
    apply_pending(db())  # replies read and profiles changed on the website count before anything is shown
    now = datetime.now(timezone.utc)
    f = QueueFilter.from_args(request.args)
    rows, total = queue_page(db(), f, g.staff.id, now, hidden=hidden_ids(db(), g.staff))
    items = [(report, owner, clock_for(report, now)) for report, owner in rows]
    shown = [report.id for report, _owner in rows]
    waiting, changed = waiting_among(db(), shown), changed_among(db(), shown)
    tz = current_app.config["TIMEZONE"]
    day = today(tz)
    nexts = {report.id: next_of(report, tz, day) for report, _owner in rows}
    return render_template("staff/queue.html", f=f, items=items, total=total, now=now, waiting=waiting,
                           changed=changed, nexts=nexts, follow=FOLLOW, follow_names=FOLLOW_NAMES,
                           level_names=LEVEL_NAMES,
                           waiting_total=waiting_count(db()),
                           live=live_clock_data(now), statuses=STATUSES, kinds=KINDS, flags=FLAGS,
                           staff_list=caseworkers(), form=ButtonForm(), errors=[],
                           closures_waiting=waiting_count_closures(db()) if g.staff.role == "lead" else 0)


def _report_or_404(reference: str) -> Report:
    report = find_by_reference(db(), reference)
    if report is None or not can_see(db(), g.staff, report):
        abort(404)
    return report


def _back() -> str:
    back = request.form.get("back", "")
    return back if back.startswith("/staff/") and not back.startswith("//") else url_for("staff.queue")


@bp.post("/cases/<reference>/claim")
@allow(*CASEWORK)
def claim_case(reference: str) -> Response | tuple[str, int]:
    """Claim an unowned report. If someone was quicker, say so. If the officer does not match what the person
    asked for (a woman, a man, Welsh), a page asks why before the claim goes through."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    report = _report_or_404(reference)
    form = RoutingReasonForm()
    try:
        claim_routed(db(), report, g.staff, reason_given(form))
    except RoutingNeedsReason as needs:
        if form.routing_reason.raw_data:
            form.validate()
        return reason_page(action=url_for("staff.claim_case", reference=reference), owner=g.staff,
                           odd=[(report, needs.codes)], others=0, hidden=[("back", _back())], form=form)
    except AlreadyClaimed:
        flash(str(m.ALREADY_CLAIMED), "problem")
        return redirect(_back(), code=303)
    flash(reference, "claimed")
    return redirect(_back(), code=303)


@bp.post("/assign")
@allow(*CASEWORK)
def bulk_assign() -> Response | tuple[str, int]:
    """Give one or more reports to a member of the team, or back to nobody. Those whose person asked for what the
    new owner does not match need one reason for them all, or are left out."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    references = request.form.getlist("report")[:200]
    owner_value = request.form.get("owner", "")
    if not references:
        flash(str(m.SELECT_REPORTS), "problem")
        return redirect(_back(), code=303)
    owner: StaffUser | None = None
    if owner_value != "none":
        owner = db().get(StaffUser, int(owner_value)) if re.fullmatch(r"[0-9]{1,9}", owner_value) else None
        if owner is None or not owner.active or owner.role not in CASEWORK:
            flash(str(m.SELECT_OWNER), "problem")
            return redirect(_back(), code=303)
    hidden = set(hidden_ids(db(), g.staff))
    reports = [r for r in db().scalars(select(Report).where(Report.reference.in_(references))) if r.id not in hidden]
    odd = unmatched(reports, owner)
    form = RoutingReasonForm()
    if odd and request.form.get("routing") == "leave_out":
        reports = [r for r in reports if r.id not in odd]
    try:
        changed = assign_routed(db(), reports, g.staff, owner, reason_given(form))
    except RoutingNeedsReason:
        assert owner is not None  # nobody matches everything
        if form.routing_reason.raw_data:
            form.validate()
        return reason_page(action=url_for("staff.bulk_assign"), owner=owner,
                           odd=[(r, odd[r.id]) for r in reports if r.id in odd], others=len(reports) - len(odd),
                           hidden=[("owner", owner_value), ("back", _back())] + [("report", r.reference)
                                                                                  for r in reports], form=form)
    flash(str(changed), "assigned")
    return redirect(_back(), code=303)
