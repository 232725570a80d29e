"""A reporter signed in with their receipt tells us again how and when contact is safe: a new version of their
safe-contact profile, sealed to the team and to their receipt (portal/intake/profiles.py). The team sees "The
reporter changed how to contact them" in the queue and on the case; the first-contact clock follows it."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError

from portal.intake.profiles import holder, new_version, reporters_own
from portal.intake.reports import ReportNotStored
from portal.public.conversation_forms import ReporterProfileForm
from portal.public.conversation_views import _signed_in, _signed_out_page
from portal.public.views import bp
from portal.store.db import db
from portal.store.models import Report
from portal.web.form_errors import error_summary


@bp.route("/replies/contact", methods=["GET", "POST"])
def contact_details() -> Any:
    """How and when we may contact you safely, as you tell us now. It replaces what you told us before."""
    signed_in = _signed_in()
    if signed_in is None:
        return _signed_out_page()
    g.form_page = True  # the language switch posts the form: nothing chosen is lost
    conversation, seed = signed_in
    report = db().get(Report, conversation.report_id)
    if report is None:
        return _signed_out_page()
    if request.method != "POST":
        current = reporters_own(db(), conversation, seed)
        form = ReporterProfileForm(formdata=None, data=current)
        return render_template("public/contact_details.html", form=form, errors=[], notice=None,
                               known=current is not None, kind=report.reporter_kind)
    form = ReporterProfileForm()
    notice = None
    if request.form.get("action") == "switch-language":
        return render_template("public/contact_details.html", form=form, errors=[], notice=None, known=True,
                               kind=report.reporter_kind)
    if form.validate():
        config = current_app.config
        try:
            new_version(db(), report, holder(report), form.answers(), staff_id=None, moment=datetime.now(timezone.utc),
                        nation=config["NATION"], cutoff=config["SAME_DAY_CUTOFF"], tz=config["TIMEZONE"])
            db().commit()
        except (SQLAlchemyError, ReportNotStored):
            db().rollback()
            notice = "not-stored"
        else:
            state = session.get("conv") or {}
            state["notice"] = "contact-changed"
            session["conv"] = state
            return redirect(url_for("public.messages"), code=303)
    elif form.csrf_token.errors and not any(f.errors for f in form if f.name != "csrf_token"):
        notice = "expired"
    status = {"not-stored": 503, "expired": 200}.get(notice or "", 400)
    return render_template("public/contact_details.html", form=form, errors=error_summary(form), notice=notice,
                           known=True, kind=report.reporter_kind), status
