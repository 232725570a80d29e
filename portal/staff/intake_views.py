"""New cases for disclosures staff take (step 1: how it reached us and who it is from; step 2: the questions,
the same as the public form's), and a partner agency's update on an existing case. Views are thin: the
services are portal/casework/disclosures.py.

The new-case form checks its own CSRF token (portal/blueprints.py exempts it from the blanket check), so that a
token gone stale while an officer typed a long call gives the form back with everything in it, not an error;
and if the session itself ended meanwhile, the guard gives the same page back (`_signed_out`), storing nothing.
"""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework.common import NotAllowed
from portal.casework.disclosures import (
    AGENCY_CHANNELS,
    KINDS_FOR_CHANNEL,
    InTheFuture,
    open_from_disclosure,
    record_update,
)
from portal.intake.reports import ReportNotStored, new_submission_key
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow, when_signed_out
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_intake import CHANNEL_CHOICES, INTAKE_FORMS, StartForm, UpdateForm, page_order
from portal.store.db import db
from portal.web.form_errors import error_summary

CHANNEL_LABELS = dict(CHANNEL_CHOICES)


@bp.get("/new-case")
@allow(*CASEWORK)
def new_case() -> str | tuple[str, int] | Response:
    """Step 1 (a GET form, so nothing is stored yet): how the disclosure reached us and who it is from."""
    form = StartForm(formdata=request.args or None)
    if "next" not in request.args:  # a first visit, or choices given in a link (an update's "open a new case")
        if not form.validate():
            form = StartForm(formdata=None)
        return render_template("staff/new_case.html", form=form, errors=[])
    form.validate()
    channel, kind = form.channel.data, form.kind.data
    if not form.channel.errors and not channel:
        form.channel.errors.append(m.SELECT_CHANNEL)
    if not form.kind.errors and not kind:
        form.kind.errors.append(m.SELECT_KIND)
    if channel and kind and not (form.channel.errors or form.kind.errors) and kind not in KINDS_FOR_CHANNEL[channel]:
        form.kind.errors.append(m.AGENCY_CHANNEL if channel in AGENCY_CHANNELS else m.COLLEAGUE_CHANNEL)
    if any(field.errors for field in form):
        return render_template("staff/new_case.html", form=form, errors=error_summary(form)), 400
    return redirect(url_for("staff.new_case_details", channel=channel, kind=kind), code=303)


def _signed_out(channel: str, kind: str) -> tuple[str, int]:
    """The session ended while the officer typed (the staff guard calls this instead of a bare 401): their own
    words back, unjudged and unstored, with how to go on. Signing in again (another tab) gives a new session,
    so the next Save meets a stale token and gets the form back once more, then saves."""
    if kind not in KINDS_FOR_CHANNEL.get(channel, ()):
        abort(404)
    form = INTAKE_FORMS[kind]()
    context = {"channel": channel, "kind": kind, "channel_label": CHANNEL_LABELS[channel],
               "switch_form": "new-case-form"}
    return render_template("staff/new_case_details.html", form=form, errors=[], notice="signed-out",
                           spooled_reference=None, **context), 401


@bp.route("/new-case/<channel>/<kind>", methods=["GET", "POST"])
@allow(*CASEWORK)
@when_signed_out(_signed_out)
def new_case_details(channel: str, kind: str) -> str | tuple[str, int] | Response:
    """Step 2: the questions. Sealed and stored like a public report, once per submission key; then the case."""
    if kind not in KINDS_FOR_CHANNEL.get(channel, ()):
        abort(404)
    form_class = INTAKE_FORMS[kind]
    context = {"channel": channel, "kind": kind, "channel_label": CHANNEL_LABELS[channel],
               "switch_form": "new-case-form"}
    if request.method != "POST":
        form = form_class(formdata=None)
        form.submission_key.data = new_submission_key()
        form.disclosed.data = "now"
        return render_template("staff/new_case_details.html", form=form, errors=[], notice=None, **context)

    form = form_class()
    if not form.submission_key.data or len(form.submission_key.data) > 64:
        form.submission_key.data = new_submission_key()
    notice, reference = None, None
    switch = request.form.get("switch_language")
    if switch in ("en", "cy"):  # the header's language button: everything typed comes back, nothing is stored
        form.validate()
        if not form.csrf_token.errors:  # only this officer's own page changes their language
            g.staff.language = switch
            db().commit()
        for field in form:
            field.errors = []
        return render_template("staff/new_case_details.html", form=form, errors=[], notice=None, **context)
    if form.validate():
        try:
            receipt = open_from_disclosure(
                db(), g.staff, channel=channel, kind=kind, answers=form.answers(), flags=form.flags(),
                contact_language=form.contact_language.data or "", submission_key=form.submission_key.data,
                disclosed_at=form.disclosed_moment(current_app.config["TIMEZONE"]), restricted=form.restriction())
        except InTheFuture:
            form.disclosed_on.errors.append(m.DISCLOSED_IN_FUTURE)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"  # the public key is missing: keep what was typed, say it was not saved
        else:
            if not receipt.spooled:
                flash(gettext("Case opened. Its first-contact clock has started."), "saved")
                return redirect(url_for("staff.case", reference=receipt.reference), code=303)
            notice, reference = "spooled", receipt.reference  # kept on disk until the database is back
    elif form.csrf_token.errors and not any(f.errors for f in form if f.name != "csrf_token"):
        notice = "expired"  # only the security token: keep everything, ask again
    status = {"expired": 200, "not-stored": 503, "spooled": 202}.get(notice or "", 400)
    order = {name: i for i, name in enumerate(page_order(kind))}
    errors = sorted(error_summary(form), key=lambda error: order.get(error[0].removesuffix("-0"), len(order)))
    return render_template("staff/new_case_details.html", form=form, errors=errors, notice=notice,
                           spooled_reference=reference, **context), status


@bp.route("/cases/<reference>/update", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_update(reference: str) -> str | tuple[str, int] | Response:
    """Record a partner agency's update on this case: sealed, dated, in the timeline."""
    report = case_or_404(reference)
    form = UpdateForm()
    notice = None
    if form.validate_on_submit():
        try:
            record_update(db(), report, g.staff, agency=form.agency.data or "", updated_on=form.updated_on.data,
                          told=form.told.data or "", agency_name=form.agency_name.data or "",
                          incident_number=form.incident_number.data or "", tz=current_app.config["TIMEZONE"])
        except InTheFuture:
            form.updated_on.errors.append(m.UPDATE_IN_FUTURE)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Update recorded. If it tells of a new incident, revisit the risk "
                                         "checklist and the safety measures."))
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/update.html", form=form, errors=error_summary(form), notice=notice,
                           **header(report)), status
