"""Information sharing on a case: recording a share on a lawful basis (checked against the person's consent), a
change of consent the person told us, a lead's countersignature, and the leads' list of shares awaiting one.
Views are thin: the rules are portal/casework/sharing.py and portal/casework/consent.py."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, render_template
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework import sharing as sh
from portal.casework.cases import open_case
from portal.casework.common import NotAllowed, today
from portal.casework.consent import Consent, ConsentNotClear, current_consent, record_consent
from portal.intake.reports import ReportNotStored
from portal.staff import forms_sharing as fs
from portal.staff.access import CASEWORK, allow, can
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.store.db import db
from portal.store.models import Report
from portal.web.form_errors import error_summary

NAMES = {"agency_names": fs.AGENCY_NAMES, "basis_names": fs.BASIS_NAMES, "share_state_names": fs.SHARE_STATE_NAMES,
         "marac_answer_names": fs.MARAC_ANSWER_NAMES, "consent_kind_names": fs.CONSENT_KIND_NAMES}


def share_context(report: Report, answers: dict[str, Any]) -> dict[str, Any]:
    """What the shares section of a case needs: every share, opened, and the current consent. Call only after
    the case's audited opening."""
    return {"shares": sh.opened_shares(db(), report), "consent": current_consent(db(), report, answers), **NAMES}


@bp.app_template_global()
def shares_awaiting_count() -> int:
    """For the queue page: how many shares await a lead's countersignature, on cases this lead may see."""
    return sh.awaiting_count(db(), g.staff) if can(g.get("staff"), "lead") else 0


def _opened_consent(report: Report, view: str) -> Consent:
    opened = open_case(db(), report, g.staff, view, with_entries=False, with_conversation=False)
    return current_consent(db(), report, opened.content.get("answers", {}))


def _problem(form: fs.ShareForm, error: NotAllowed) -> str | None:
    """The form field a refusal belongs to, and the notice to show with it; a refusal no honest page can cause
    (a code the page does not offer, telling a reporter who has no receipt) is a 400."""
    fields = {sh.ShareInTheFuture: (form.shared_on, fs.SHARE_IN_FUTURE),
              sh.NothingShared: (form.what, fs.ENTER_WHAT), sh.ReasonNeeded: (form.reason, fs.ENTER_REASON),
              sh.UnknownAgreement: (form.agreement, fs.SELECT_AGREEMENT),
              sh.ShareOutsideConsent: (form.basis, fs.OUTSIDE_CONSENT)}
    for kind, (field, message) in fields.items():
        if isinstance(error, kind):
            field.errors = [*field.errors, message]
            return "outside-consent" if kind is sh.ShareOutsideConsent else None
    abort(400)


@bp.route("/cases/<reference>/share", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_share(reference: str) -> str | Response | tuple[str, int]:
    """Record information shared: with whom, when, on what lawful basis, what and why. The current consent is
    shown (opened, so audited); a share "with consent" outside it is refused and the other bases offered."""
    report = case_or_404(reference)
    consent = _opened_consent(report, "share")
    can_tell = sh.has_receipt_conversation(db(), report)
    form = fs.ShareForm()
    form.prepare(current_app.config["SHARING_AGREEMENTS"])
    if not form.is_submitted():
        form.shared_on.data = today(current_app.config["TIMEZONE"])
    notice = None
    if form.validate_on_submit():
        try:
            sh.record_share(db(), report, g.staff, recipient=form.agency.data or "", shared_on=form.shared_on.data,
                            basis=form.basis.data or "", what=form.what.data or "", reason=form.reason.data or "",
                            agreement=form.agreement.data or "", asked=bool(form.asked.data),
                            tell_reporter=bool(form.tell_reporter.data))
        except NotAllowed as error:
            notice = _problem(form, error)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Information sharing recorded."))
    status = 503 if notice == "not-stored" else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/share.html", form=form, errors=error_summary(form), notice=notice, consent=consent,
                           can_tell=can_tell, **NAMES, **header(report)), status


@bp.route("/cases/<reference>/consent", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_consent(reference: str) -> str | Response | tuple[str, int]:
    """Record what the person told us they agree to share now (it stands over the report's own answer)."""
    report = case_or_404(reference)
    consent = _opened_consent(report, "consent")
    form = fs.ConsentForm()
    if not form.is_submitted() and consent.share != "unknown":
        form.share.data, form.kinds.data, form.marac.data = consent.share, list(consent.kinds), consent.marac
    notice = None
    if form.validate_on_submit():
        try:
            record_consent(db(), report, g.staff, share=form.share.data or "", kinds=list(form.kinds.data or []),
                           marac=form.marac.data or "", note=form.note.data or "")
        except ConsentNotClear:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Consent to share recorded."))
    status = 503 if notice else (400 if form.errors else 200)
    return render_template("staff/consent.html", form=form, errors=error_summary(form), notice=notice,
                           consent=consent, **NAMES, **header(report)), status


@bp.route("/cases/<reference>/countersign", methods=["GET", "POST"])
@allow("lead")
def case_countersign(reference: str) -> str | Response | tuple[str, int]:
    """A lead reads the shares made without consent on this case and countersigns them (not their own)."""
    report = case_or_404(reference)
    opened = open_case(db(), report, g.staff, "countersign", with_entries=False, with_conversation=False)
    form = fs.CountersignForm()
    refused = None
    if form.validate_on_submit():
        try:
            sh.countersign(db(), report, form.share.data or "", g.staff)
        except sh.OwnShare:
            refused = form.share.data
        except sh.CannotCountersign:
            abort(400)
        else:
            return saved(report, gettext("Share countersigned."))
    elif form.is_submitted():
        abort(400)
    waiting = [s for s in sh.opened_shares(db(), report)
               if s.share.countersign_due is not None and s.share.countersigned_at is None]
    return render_template("staff/countersign.html", waiting=waiting, refused=refused, form=form, errors=[],
                           consent=current_consent(db(), report, opened.content.get("answers", {})),
                           **NAMES, **header(report)), 400 if refused else 200


@bp.get("/shares/countersign")
@allow("lead")
def shares_to_countersign() -> str:
    """The leads' list: shares made without consent and not yet countersigned, overdue first. No content."""
    return render_template("staff/shares_awaiting.html", awaiting=sh.awaiting_countersignature(db(), g.staff),
                           **NAMES)
