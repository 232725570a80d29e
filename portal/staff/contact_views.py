"""Safe contact on a case: recording an attempt (with the profile, whether now is a safe time and a call script
on the same page), changing a safe-contact profile, a triage decision for a report with no safe way to reach the
person, and marking a case urgent. The rules are portal/casework/contact.py's; these pages only show them."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, current_app, g, render_template, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework.cases import NotAllowed, ReportNotStored, open_case, record_triage, set_urgent, tried_to_reach
from portal.casework.contact import (
    MethodNotSafe,
    OutcomeNotPossible,
    OutsideSafeWindow,
    ProfileNotChecked,
    VoicemailRefused,
    change_profile,
    options,
    record_contact,
    triage_choices,
    unseen_profile_change,
    window_state,
)
from portal.questions.report_forms import ProfileForm
from portal.staff import forms_contact as fk
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, profile_context, saved
from portal.staff.forms_auth import ButtonForm
from portal.store.db import db
from portal.web.form_errors import error_summary


@bp.route("/cases/<reference>/contact", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_contact(reference: str) -> str | Response | tuple[str, int]:
    """Record a contact attempt: whether now is a safe time and the call script first, then only the ways the
    person (or the reporter) marked safe; outside a safe window only with a reason."""
    report = case_or_404(reference)
    changed = unseen_profile_change(db(), report)
    opened = open_case(db(), report, g.staff, "contact", with_entries=False, with_conversation=False)
    form = fk.ContactForm()
    ways = options(report, opened.profiles)
    form.how.choices = fk.how_choices(ways)
    notice = None
    if form.validate_on_submit():
        party, method = form.party_method()
        try:
            record_contact(db(), report, g.staff, opened.profiles, party=party, method=method,
                           outcome=form.outcome.data, profile_checked=bool(form.profile_checked.data),
                           reason=form.reason.data or "", tz=current_app.config["TIMEZONE"])
        except OutsideSafeWindow:
            form.reason.errors.append(m.OUTSIDE_WINDOW)
        except VoicemailRefused:
            form.outcome.errors.append(m.VOICEMAIL_REFUSED)
        except OutcomeNotPossible:
            form.outcome.errors.append(m.OUTCOME_NOT_POSSIBLE)
        except MethodNotSafe:
            form.how.errors.append(m.METHOD_NOT_SAFE)
        except ProfileNotChecked:
            form.profile_checked.errors.append(m.CONFIRM_PROFILE)
        except NotAllowed:
            form.outcome.errors.append(m.SELECT_OUTCOME)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Contact attempt recorded."))
    moment = datetime.now(timezone.utc)
    tz = current_app.config["TIMEZONE"]
    states = {about: window_state(profile, moment, tz) for about, profile in opened.profiles.items()}
    status = 503 if notice else (400 if form.errors else 200)
    return render_template("staff/contact.html", form=form, errors=error_summary(form), notice=notice,
                           states=states, can_change=True, reporter_ways=[m for p, m in ways if p == "reporter"],
                           **profile_context(report, opened, changed),
                           **header(report)), status


@bp.route("/cases/<reference>/profile/<about>", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_profile(reference: str, about: str) -> str | Response | tuple[str, int]:
    """Change a safe-contact profile when the person tells us: a new version, sealed, audited; the case shows
    the current one first."""
    report = case_or_404(reference)
    if about not in ("person", "reporter") or (about == "reporter" and report.reporter_kind == "self"):
        abort(404)
    opened = open_case(db(), report, g.staff, "profile", with_entries=False, with_conversation=False)
    current = opened.profiles.get(about)
    if request.method != "POST":
        form = ProfileForm(formdata=None, data=current.answers if current else None)
    else:
        form = ProfileForm()
    notice = None
    if request.method == "POST" and form.validate():
        config = current_app.config
        try:
            change_profile(db(), report, g.staff, about, form.answers(), nation=config["NATION"],
                           cutoff=config["SAME_DAY_CUTOFF"], tz=config["TIMEZONE"])
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Safe-contact profile changed."))
    status = 503 if notice else (400 if form.errors else 200)
    return render_template("staff/profile.html", form=form, errors=error_summary(form), notice=notice, about=about,
                           current=current, **header(report)), status


@bp.route("/cases/<reference>/triage", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_triage(reference: str) -> str | Response | tuple[str, int]:
    """Record what was done for a report with no safe way to reach the person (or asking for no contact)."""
    report = case_or_404(reference)
    allowed = triage_choices(report, tried_to_reach(db(), report))  # none: a person with safe ways is tried first
    form = fk.TriageForm()
    form.decision.choices = [(code, fk.TRIAGE_NAMES[code]) for code in allowed]
    notice = None
    if allowed and form.validate_on_submit():
        try:
            record_triage(db(), report, g.staff, form.decision.data, form.note.data)
        except NotAllowed:
            form.decision.errors.append(m.SELECT_DECISION)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Triage decision recorded."))
    status = 503 if notice else (400 if form.errors or (not allowed and request.method == "POST") else 200)
    return render_template("staff/triage.html", form=form, errors=error_summary(form), notice=notice,
                           allowed=allowed, **header(report)), status


@bp.post("/cases/<reference>/urgent")
@allow(*CASEWORK)
def case_urgent(reference: str) -> Response:
    """Mark a case urgent (it goes to the top, and the on-call address is told), or no longer urgent."""
    report = case_or_404(reference)
    if not ButtonForm().validate_on_submit():
        abort(400)
    urgent = request.form.get("urgent") == "1"
    set_urgent(db(), report, g.staff, urgent)
    return saved(report, gettext("Marked as urgent.") if urgent else gettext("No longer marked as urgent."))
