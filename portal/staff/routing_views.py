"""Routing on the staff side: one's own routing details (on the account page), and the page that asks for a reason
when a case goes to someone who does not match what the person asked for (claim and bulk assign, JS off)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework.routing import set_own_details
from portal.staff.access import allow
from portal.staff.blueprint import bp
from portal.staff.forms_monitoring import ROUTING_NAMES, RoutingDetailsForm, RoutingReasonForm
from portal.store.db import db
from portal.store.models import Report, StaffUser
from portal.web.form_errors import error_summary


def details_form() -> RoutingDetailsForm:
    """The account page's routing form, filled from the account (or from what was posted)."""
    form = RoutingDetailsForm()
    if not form.is_submitted():
        form.sex.data, form.speaks_welsh.data = g.staff.sex or "", "yes" if g.staff.speaks_welsh else "no"
    return form


@bp.post("/account/routing")
@allow("officer", "lead", "auditor")
def account_routing() -> Response:
    """Say (or stop saying) whether you are a woman or a man, and whether you can work a case in Welsh."""
    form = RoutingDetailsForm()
    if not form.validate_on_submit() or form.sex.data not in ("", "woman", "man"):
        abort(400)
    changed = set_own_details(db(), g.staff, form.sex.data or "", form.speaks_welsh.data == "yes")
    flash(gettext("Your details for routing cases are saved.") if changed else gettext("Nothing was changed."),
          "saved")
    return redirect(url_for("staff.account"), code=303)


def reason_page(*, action: str, owner: StaffUser, odd: list[tuple[Report, tuple[str, ...]]], others: int,
                hidden: list[tuple[str, str]], form: RoutingReasonForm | None = None) -> tuple[str, int]:
    """Ask why the case(s) should go to `owner` anyway (or, in a bulk assignment, leave those out)."""
    form = form or RoutingReasonForm(formdata=None)
    status = 400 if form.errors else 200
    return render_template("staff/routing.html", form=form, errors=error_summary(form), action=action, owner=owner,
                           odd=odd, others=others, hidden=hidden, routing_names=ROUTING_NAMES,
                           is_self=owner.id == g.staff.id,
                           back=dict(hidden).get("back", url_for("staff.queue"))), status


def reason_given(form: RoutingReasonForm) -> str:
    return (form.routing_reason.data or "").strip() if form.routing_reason.raw_data else ""

