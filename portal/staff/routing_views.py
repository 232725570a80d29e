"""Routing on the staff side: one's own routing details (on the account page), and the page that asks for a reason
when a case goes to someone who does not match what the person asked for (claim and bulk assign, JS off)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework.routing import set_own_details
from portal.staff.access import allow
from portal.staff.blueprint import bp
from portal.staff.forms_monitoring import RoutingDetailsForm, RoutingReasonForm
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


def _sex_line(asked: str, owner: StaffUser, is_self: bool) -> str:
    """What the person asked for against what the owner's account says, as one sentence naming both."""
    name = owner.name or owner.email
    said = owner.sex or ""
    if asked == "woman":
        if is_self:
            return (gettext("They asked to speak to a woman. You said on your account that you are a man.")
                    if said == "man" else
                    gettext("They asked to speak to a woman. You have not said on your account that you are a woman."))
        return (gettext("They asked to speak to a woman. The details on %(name)s's account say they are a man.",
                        name=name) if said == "man" else
                gettext("They asked to speak to a woman. %(name)s has not said on their account that they are a woman.",
                        name=name))
    if is_self:
        return (gettext("They asked to speak to a man. You said on your account that you are a woman.")
                if said == "woman" else
                gettext("They asked to speak to a man. You have not said on your account that you are a man."))
    return (gettext("They asked to speak to a man. The details on %(name)s's account say they are a woman.",
                    name=name) if said == "woman" else
            gettext("They asked to speak to a man. %(name)s has not said on their account that they are a man.",
                    name=name))


def mismatch_lines(codes: tuple[str, ...], owner: StaffUser, is_self: bool) -> list[str]:
    """Each way a case does not match its new owner, named: what the person asked for and what the account says."""
    lines = []
    for code in codes:
        if code in ("woman", "man"):
            lines.append(_sex_line(code, owner, is_self))
        elif is_self:
            lines.append(gettext("They asked for Welsh. You have not said on your account that you can work a case "
                                 "in Welsh."))
        else:
            lines.append(gettext("They asked for Welsh. %(name)s has not said on their account that they can work a "
                                 "case in Welsh.", name=owner.name or owner.email))
    return lines


def _reason_label(owner: StaffUser, is_self: bool, count: int) -> str:
    if is_self:
        return (gettext("Why are you taking this case anyway?") if count == 1
                else gettext("Why are you taking these cases anyway?"))
    name = owner.name or owner.email
    return (gettext("Why does this case go to %(name)s anyway?", name=name) if count == 1
            else gettext("Why do these cases go to %(name)s anyway?", name=name))


def reason_page(*, action: str, owner: StaffUser, odd: list[tuple[Report, tuple[str, ...]]], others: int,
                hidden: list[tuple[str, str]], form: RoutingReasonForm | None = None) -> tuple[str, int]:
    """Ask why the case(s) should go to `owner` anyway (or, in a bulk assignment, leave those out)."""
    form = form or RoutingReasonForm(formdata=None)
    is_self = owner.id == g.staff.id
    form.routing_reason.label.text = _reason_label(owner, is_self, len(odd))
    status = 400 if form.errors else 200
    return render_template("staff/routing.html", form=form, errors=error_summary(form), action=action, owner=owner,
                           odd=[(report, mismatch_lines(codes, owner, is_self)) for report, codes in odd],
                           others=others, hidden=hidden, is_self=is_self,
                           back=dict(hidden).get("back", url_for("staff.queue"))), status


def reason_given(form: RoutingReasonForm) -> str:
    return (form.routing_reason.data or "").strip() if form.routing_reason.raw_data else ""

