"""Complaints about how a case was handled, on the staff side: recording one from any channel, a complaint's own
page (its words opened and audited; who responds and by when; the outcome with a summary of our response; closing
it), the complaints waiting for a response across cases, a lead's working days to respond, and the case page's
sections for complaints and the survivor's feedback (what they said, or whether they will be asked).

The two forms with words in them (recording a complaint, its outcome) check their own CSRF token (portal/
blueprints.py exempts them from the blanket check), so a token gone stale while someone typed gives the form back
with everything in it; and if the session ended meanwhile, the guard gives the same words back, storing nothing
and showing nothing of the case (`_signed_out`)."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.casework import complaints as cp
from portal.casework.cases import open_case
from portal.casework.common import today
from portal.casework.restriction import hidden_ids
from portal.casework.survivor_feedback import AlreadyAsked, NotWithheld, allow_again, feedback_of, withhold
from portal.intake.conversations import for_report
from portal.intake.reports import ReportNotStored, new_submission_key
from portal.staff import forms_complaint as fc
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow, can, when_signed_out
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_case import _staff_id
from portal.staff.task_views import owner_choices
from portal.store.complaint_models import Complaint
from portal.store.db import db
from portal.store.models import Report, StaffUser
from portal.web.form_errors import error_summary

NAMES = {"complaint_channel_names": fc.COMPLAINT_CHANNEL_NAMES, "complaint_topic_names": fc.COMPLAINT_TOPIC_NAMES,
         "complaint_outcome_names": fc.COMPLAINT_OUTCOME_NAMES, "complaint_state_names": fc.COMPLAINT_STATE_NAMES,
         "feedback_questions": fc.FEEDBACK_QUESTIONS}


def _today() -> Any:
    return today(current_app.config["TIMEZONE"])


def complaints_context(report: Report) -> dict[str, Any]:
    """For the case page: its complaints (their words opened) and the survivor's feedback. Call only after the
    case's audited opening."""
    return {"complaints": cp.opened(db(), cp.complaints_of(db(), report)), "complaint_today": _today(),
            "feedback": feedback_of(db(), report), **NAMES}


@bp.app_template_global()
def complaints_waiting() -> tuple[int, int]:
    """For the queue page: complaints waiting for a response, and how many of them are overdue."""
    if not can(g.get("staff"), *CASEWORK):
        return 0, 0
    return cp.waiting(db(), hidden_ids(db(), g.staff), _today())


def _due_hint(days: int) -> str:
    return ngettext("Leave it empty for the team's target: %(num)d working day from the day it reached us.",
                    "Leave it empty for the team's target: %(num)d working days from the day it reached us.", days)


def _new_page(form: fc.ComplaintForm, reference: str, *, notice: str | None = None, status: int = 200,
              report: Report | None = None) -> tuple[str, int]:
    """The form to record a complaint. Without `report` (signed out meanwhile), nothing of the case: the words."""
    form.owner.choices = owner_choices(db()) if report is not None else []
    form.due_on.description = _due_hint(cp.complaint_days(db())) if report is not None else ""
    context = header(report) if report is not None else {"report": None}
    return render_template("staff/complaint_new.html", form=form, errors=error_summary(form), notice=notice,
                           reference=reference, **context), status


def _signed_out(reference: str, **_kwargs: Any) -> tuple[str, int]:
    """The session ended while they typed (the guard calls this instead of a bare 401): their own words back,
    unjudged and unstored, and nothing of the case. Signing in again (in another tab) makes a new session, so the
    next Save meets a stale token and gets the form back once more, then saves."""
    if request.endpoint == "staff.case_complaint_outcome":
        outcome = fc.ComplaintOutcomeForm()
        return render_template("staff/complaint_signed_out.html", form=outcome, reference=reference), 401
    form = fc.ComplaintForm()
    return _new_page(form, reference, notice="signed-out", status=401)


@bp.route("/cases/<reference>/complaint", methods=["GET", "POST"])
@allow(*CASEWORK)
@when_signed_out(_signed_out)
def case_complaint_new(reference: str) -> tuple[str, int] | Response:
    """Record a complaint about how the case was handled, from whatever way it reached us."""
    report = case_or_404(reference)
    if request.method != "POST":
        form = fc.ComplaintForm(formdata=None, data={"received_on": _today(), "owner": report.owner_id or g.staff.id,
                                                     "language": report.contact_language})
        form.submission_key.data = new_submission_key()
        return _new_page(form, reference, report=report)
    form = fc.ComplaintForm()
    if not form.submission_key.data or len(form.submission_key.data) > 64:
        form.submission_key.data = new_submission_key()
    form.owner.choices = owner_choices(db())
    notice = None
    if form.validate():
        try:
            cp.record_complaint(db(), report, g.staff, channel=form.channel.data, about=form.about.data or [],
                                text=form.text.data or "", received_on=form.received_on.data,
                                language=form.language.data, owner_id=_staff_id(form.owner.data),
                                due_on=form.due_on.data, submission_key=form.submission_key.data)
        except cp.NotYet:
            form.received_on.errors.append(m.COMPLAINT_RECEIVED_IN_FUTURE)
        except cp.NotAnOwner:
            form.owner.errors.append(m.SELECT_COMPLAINT_OWNER)
        except cp.DueBeforeReceived:
            form.due_on.errors.append(m.COMPLAINT_DUE_BEFORE_RECEIVED)
        except cp.ComplaintError:
            abort(400)  # a code no honest page sends
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Complaint recorded."))
    elif form.csrf_token.errors and not any(f.errors for f in form if f.name != "csrf_token"):
        notice = "expired"  # only the security token: keep everything, ask again
    status = {"expired": 200, "not-stored": 503}.get(notice or "", 400)
    return _new_page(form, reference, notice=notice, status=status, report=report)


def _complaint_or_404(report: Report, complaint_id: str) -> Complaint:
    found = cp.find_complaint(db(), report, complaint_id) if len(complaint_id) <= 36 else None
    return found or abort(404)


def _page(report: Report, complaint: Complaint, *, handling: Any = None, outcome: Any = None, notice: str | None = None,
          status: int = 200) -> tuple[str, int]:
    """A complaint's own page: its words opened (and the opening audited first)."""
    open_case(db(), report, g.staff, "complaint", with_entries=False, with_conversation=False)
    handling = handling or fc.ComplaintHandlingForm(formdata=None, data={"owner": complaint.owner_id,
                                                                          "due_on": complaint.due_on})
    handling.owner.choices = owner_choices(db())
    outcome = outcome or fc.ComplaintOutcomeForm(formdata=None)
    failed = next((f for f in (handling, outcome) if any(field.errors for field in f)), handling)
    conversation = for_report(db(), report.id)
    return render_template("staff/complaint.html", item=cp.opened(db(), [complaint])[0], handling=handling,
                           outcome=outcome, errors=error_summary(failed), notice=notice, complaint_today=_today(),
                           can_reply=conversation is not None and conversation.deleted_at is None, **NAMES,
                           **header(report)), status


def _done(report: Report, complaint: Complaint, message: str) -> Response:
    flash(message, "saved")
    return redirect(url_for("staff.case_complaint", reference=report.reference, complaint_id=complaint.id), code=303)


@bp.get("/cases/<reference>/complaints/<complaint_id>")
@allow(*CASEWORK)
def case_complaint(reference: str, complaint_id: str) -> tuple[str, int]:
    """One complaint: what it is about, who responds and by when, the outcome, and the forms to change them."""
    report = case_or_404(reference)
    return _page(report, _complaint_or_404(report, complaint_id))


@bp.post("/cases/<reference>/complaints/<complaint_id>/handling")
@allow(*CASEWORK)
def case_complaint_handling(reference: str, complaint_id: str) -> tuple[str, int] | Response:
    """Give an open complaint to someone to respond, and set or move its response deadline."""
    report = case_or_404(reference)
    complaint = _complaint_or_404(report, complaint_id)
    form = fc.ComplaintHandlingForm()
    form.owner.choices = owner_choices(db())
    if form.validate_on_submit():
        try:
            changed = cp.set_owner(db(), report, complaint, g.staff, form.owner.data)
            changed = cp.set_due(db(), report, complaint, g.staff, form.due_on.data) or changed
        except cp.NotAnOwner:
            form.owner.errors.append(m.SELECT_COMPLAINT_OWNER)
        except cp.DueBeforeReceived:
            form.due_on.errors.append(m.COMPLAINT_DUE_BEFORE_RECEIVED)
        except cp.NotOpen:
            form.owner.errors.append(m.COMPLAINT_NOT_OPEN)
        else:
            message = gettext("Complaint updated.") if changed else gettext("Nothing was changed.")
            return _done(report, complaint, message)
    return _page(report, complaint, handling=form, status=400)


@bp.post("/cases/<reference>/complaints/<complaint_id>/outcome")
@allow(*CASEWORK)
@when_signed_out(_signed_out)
def case_complaint_outcome(reference: str, complaint_id: str) -> tuple[str, int] | Response:
    """Record the outcome of an open complaint, with a summary of our response (or of what happened)."""
    report = case_or_404(reference)
    complaint = _complaint_or_404(report, complaint_id)
    form = fc.ComplaintOutcomeForm()
    notice = None
    if form.validate():
        try:
            cp.record_outcome(db(), report, complaint, g.staff, form.outcome.data, form.summary.data or "",
                              form.responded_on.data)
        except cp.NotYet:
            form.responded_on.errors.append(m.COMPLAINT_RESPONSE_DATE)
        except cp.NotOpen:
            form.outcome.errors.append(m.COMPLAINT_NOT_OPEN)
        except cp.ComplaintError:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return _done(report, complaint, gettext("Outcome recorded: %(outcome)s.",
                                                    outcome=fc.COMPLAINT_OUTCOME_NAMES[complaint.outcome]))
    elif form.csrf_token.errors and not any(f.errors for f in form if f.name != "csrf_token"):
        notice = "expired"
    status = {"expired": 200, "not-stored": 503}.get(notice or "", 400)
    return _page(report, complaint, outcome=form, notice=notice, status=status)


@bp.post("/cases/<reference>/complaints/<complaint_id>/close")
@allow(*CASEWORK)
def case_complaint_close(reference: str, complaint_id: str) -> Response:
    """Close a complaint that has been responded to."""
    report = case_or_404(reference)
    complaint = _complaint_or_404(report, complaint_id)
    try:
        cp.close_complaint(db(), report, complaint, g.staff)
    except cp.NotAnswered:
        return _done(report, complaint, gettext("Nothing was changed."))
    return _done(report, complaint, gettext("Complaint closed."))


@bp.get("/complaints")
@allow(*CASEWORK)
def complaints() -> str:
    """Complaints waiting for a response, on every case this member of staff may see: soonest deadline first."""
    names = {s.id: s.name or s.email for s in db().scalars(select(StaffUser))}
    return render_template("staff/complaints.html", waiting=cp.open_list(db(), hidden_ids(db(), g.staff)),
                           complaint_today=_today(), staff_names=names, **NAMES)


@bp.route("/settings/complaints", methods=["GET", "POST"])
@allow("lead")
def complaint_settings() -> Response | tuple[str, int]:
    """A lead's target: how many working days the team has to respond to a complaint."""
    form = fc.ComplaintDaysForm(data={"days": cp.complaint_days(db())})
    if request.method == "POST" and form.validate_on_submit():
        cp.set_complaint_days(db(), g.staff, int(form.days.data or 0))
        flash(gettext("Complaint target saved."), "saved")
        return redirect(url_for("staff.complaint_settings"), code=303)
    return render_template("staff/complaint_settings.html", form=form, default=cp.DEFAULT_COMPLAINT_DAYS,
                           errors=error_summary(form)), 400 if form.errors else 200


@bp.post("/cases/<reference>/feedback")
@allow(*CASEWORK)
def case_feedback(reference: str) -> Response:
    """Do not ask this case's survivor for feedback (asking would not be safe), or allow it again."""
    report = case_or_404(reference)
    try:
        if request.form.get("ask") == "no":
            withhold(db(), report, g.staff)
            return saved(report, gettext("They will not be asked for feedback."))
        if request.form.get("ask") == "yes":
            allow_again(db(), report, g.staff)
            return saved(report, gettext("They may be asked for feedback on the website once the case is closed, "
                                         "where it is safe."))
    except (AlreadyAsked, NotWithheld):
        return saved(report, gettext("Nothing was changed."))
    abort(400)
