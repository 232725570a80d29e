"""Changing a case's status and closing it with care: what is still open is listed, closing anyway needs a reason,
and a team lead signs it off (a lead's own closure is their sign-off). Leads see the closures waiting for them."""
from __future__ import annotations

from flask import abort, current_app, g, render_template
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework.cases import NotAllowed, ReportNotStored, change_status, open_case
from portal.casework.closing import ClosureNeedsReason, ClosurePending, close_guarded, decide, open_items, pending_for
from portal.casework.closing import waiting_closures as waiting
from portal.casework.common import today
from portal.casework.monitoring import BadDates, check_dates, default_dates, set_monitoring
from portal.casework.queue import STATUSES
from portal.casework.restriction import hidden_ids
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_case import CLOSE_REASON_NAMES, ClosureDecisionForm
from portal.staff.forms_monitoring import ENTER_CHECKIN_DATE, ClosingForm
from portal.staff.labels import OPEN_ITEM_NAMES, STATUS_NAMES
from portal.store.db import db
from portal.web.form_errors import error_summary


@bp.route("/cases/<reference>/status", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_status(reference: str) -> str | Response | tuple[str, int]:
    """Change the status; closing needs a reason, and with anything still open a reason why and a lead's
    sign-off; a closed case can be reopened."""
    report = case_or_404(reference)
    form = ClosingForm()
    form.status.choices = [(s, STATUS_NAMES[s]) for s in STATUSES if s != report.status]
    if not form.is_submitted():
        form.fill(default_dates(today(current_app.config["TIMEZONE"])))
    items = open_items(db(), report, form.close_reason.data) if report.is_open else ()
    pending = pending_for(db(), report) if report.is_open else None
    notice = None
    if pending is None and form.validate_on_submit():
        try:
            closing = form.status.data == "closed"
            monitor = check_dates(form.dates()) if closing and form.monitor.data == "yes" else None
            if closing and items:
                closed = close_guarded(db(), report, g.staff, form.close_reason.data or "", form.why.data or "",
                                       monitor)
                return saved(report, gettext("Case closed, with your sign-off.") if closed else gettext(
                    "Sent to a team lead to sign off. The case stays open until a lead signs it off."))
            change_status(db(), report, g.staff, form.status.data, form.close_reason.data)
            if monitor is not None:
                set_monitoring(db(), report, g.staff, monitor)
                return saved(report, gettext("Case closed. Check-ins are set for after closing."))
            return saved(report, gettext("Status changed."))
        except BadDates:
            form.checkin_1.errors = [*form.checkin_1.errors, ENTER_CHECKIN_DATE]
        except ClosureNeedsReason:
            items = open_items(db(), report, form.close_reason.data)
            form.why.errors.append(m.ENTER_CLOSURE_REASON)
        except ClosurePending:
            pending = pending_for(db(), report)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
    status = 503 if notice else (400 if form.errors else 200)
    return render_template("staff/status.html", form=form, errors=error_summary(form), notice=notice, items=items,
                           item_names=OPEN_ITEM_NAMES, pending=pending, **header(report)), status


@bp.route("/cases/<reference>/closure", methods=["GET", "POST"])
@allow("lead")
def case_closure(reference: str) -> str | Response | tuple[str, int]:
    """A lead signs off a closure an officer asked for (the case closes), or sends it back with a note."""
    report = case_or_404(reference)
    open_case(db(), report, g.staff, "closure", with_entries=False, with_conversation=False)  # audited: the reason
    pending = pending_for(db(), report, with_reason=True)
    if pending is None:
        return saved(report, gettext("No closure is waiting on this case."))
    form = ClosureDecisionForm()
    notice = None
    if form.validate_on_submit():
        try:
            decide(db(), report, g.staff, form.decision.data == "approve", form.note.data or "")
        except ClosureNeedsReason:
            form.note.errors.append(m.ENTER_SEND_BACK_REASON)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Closure signed off: the case is closed.")
                         if form.decision.data == "approve" else gettext("Closure sent back to the officer."))
    status = 503 if notice else (400 if form.errors else 200)
    return render_template("staff/closure.html", form=form, errors=error_summary(form), notice=notice,
                           pending=pending, item_names=OPEN_ITEM_NAMES, **header(report)), status


@bp.get("/closures")
@allow("lead")
def closures() -> str:
    """Closures waiting for a lead's sign-off, oldest first (no case content)."""
    return render_template("staff/closures.html", waiting=waiting(db(), hidden_ids(db(), g.staff)),
                           item_names=OPEN_ITEM_NAMES, close_reason_names=CLOSE_REASON_NAMES)
