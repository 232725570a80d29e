"""Safeguarding on a case: set or clear the flags, record a referral and later its outcome; and what the case page
and the printed summary show of it (the prompts until a referral is recorded, and every referral)."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, render_template, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal.casework.common import NotAllowed
from portal.casework.safeguarding import (
    CONCERNS,
    BeforeReferral,
    InTheFuture,
    due_prompts,
    find_referral,
    opened_referrals,
    record_outcome,
    record_referral,
    set_flags,
)
from portal.intake.reports import ReportNotStored
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.staff.forms_safeguarding import (
    CONCERN_NAMES,
    FLAG_NAMES,
    OUTCOME_NAMES,
    ROUTE_NAMES,
    FlagsForm,
    OutcomeForm,
    ReferralForm,
)
from portal.store.db import db
from portal.store.models import Report
from portal.web.form_errors import error_summary

NAMES = {"safeguarding_concern_names": CONCERN_NAMES, "safeguarding_route_names": ROUTE_NAMES,
         "safeguarding_outcome_names": OUTCOME_NAMES, "safeguarding_flag_names": FLAG_NAMES}


def safeguarding_context(report: Report, answers: dict[str, Any]) -> dict[str, Any]:
    """For the case page and the printed summary: every referral opened (call only after `open_case`), and the
    prompts still due; and, where the answers say someone at risk is 16 or 17 (still a child in safeguarding law),
    a gentler prompt until a referral for a child is recorded or the case is flagged under 16."""
    referrals = opened_referrals(db(), report)
    prompts = due_prompts(report, [r.referral for r in referrals])
    aged_16_17 = (answers.get("age_at_risk") == "aged_16_17" and not report.under_16
                  and not any(r.referral.concern == "child" for r in referrals))
    return {"safeguarding_referrals": referrals, "safeguarding_prompts": prompts,
            "safeguarding_aged_16_17": aged_16_17, **NAMES}


def _page(template: str, form: Any, report: Report, notice: str | None, **extra: Any) -> tuple[str, int]:
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template(template, form=form, errors=error_summary(form), notice=notice, **header(report),
                           **NAMES, **extra), status


@bp.route("/cases/<reference>/safeguarding", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_safeguarding(reference: str) -> Response | tuple[str, int]:
    """Set or clear the safeguarding flags: under 16 (child safeguarding), an adult at risk, exploitation."""
    report = case_or_404(reference)
    form = FlagsForm(obj=report)
    if form.validate_on_submit():
        changes = set_flags(db(), report, g.staff, form.flags())
        return saved(report, gettext("Safeguarding flags saved.") if changes else gettext("Nothing was changed."))
    return _page("staff/safeguarding.html", form, report, None)


@bp.route("/cases/<reference>/safeguarding/referral", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_safeguarding_referral(reference: str) -> Response | tuple[str, int]:
    """Record a safeguarding referral made: what about, to whom, when, and what was referred (sealed)."""
    report = case_or_404(reference)
    form = ReferralForm()
    if request.method == "GET" and request.args.get("concern") in CONCERNS:
        form.concern.data = request.args["concern"]
    notice = None
    if form.validate_on_submit():
        try:
            record_referral(db(), report, g.staff, concern=form.concern.data or "",
                            referred_to=form.referred_to.data or "", referred_on=form.referred_on.data,
                            what=form.what.data or "", other=form.other.data or "",
                            tz=current_app.config["TIMEZONE"])
        except InTheFuture:
            form.referred_on.errors.append(m.REFERRAL_IN_FUTURE)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Safeguarding referral recorded. Record its outcome when you hear it."))
    return _page("staff/safeguarding_referral.html", form, report, notice)


@bp.route("/cases/<reference>/safeguarding/<referral_id>/outcome", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_safeguarding_outcome(reference: str, referral_id: str) -> Response | tuple[str, int]:
    """Record what came of a safeguarding referral, and when."""
    report = case_or_404(reference)
    referral = find_referral(db(), report, referral_id) or abort(404)
    if referral.outcome:  # recorded already (a second tap, or someone else): nothing to change here
        return saved(report, gettext("The outcome of that referral is already recorded."))
    form = OutcomeForm()
    notice = None
    if form.validate_on_submit():
        try:
            record_outcome(db(), report, g.staff, referral.id, outcome=form.outcome.data or "",
                           outcome_on=form.outcome_on.data, note=form.note.data or "",
                           tz=current_app.config["TIMEZONE"])
        except InTheFuture:
            form.outcome_on.errors.append(m.OUTCOME_IN_FUTURE)
        except BeforeReferral:
            form.outcome_on.errors.append(m.OUTCOME_BEFORE_REFERRAL)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Outcome of the safeguarding referral recorded."))
    return _page("staff/safeguarding_outcome.html", form, report, notice, referral=referral)
