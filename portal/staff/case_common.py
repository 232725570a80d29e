"""What every case page shares: finding the case (after applying what the public side left), its header, the
names of its codes, the page when cases cannot be opened here, and the redirect after saving."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal.casework.cases import OpenedCase
from portal.casework.common import CaseUnavailable
from portal.casework.pending import apply_pending
from portal.casework.restriction import require_visible
from portal.casework.risk import latest_complete
from portal.intake.reports import find_by_reference
from portal.staff import forms_case as fc
from portal.staff import forms_contact as fk
from portal.staff import forms_intake as fi
from portal.staff.blueprint import bp
from portal.staff.clock import clock_for
from portal.staff.forms_risk import RISK_NAMES
from portal.staff.report_view import PERSON_CENTRED, profile_rows, rows
from portal.store.db import db
from portal.store.models import Report, StaffUser

NAMES = {"method_names": fc.METHOD_NAMES, "outcome_names": fk.OUTCOME_NAMES, "how_names": fk.HOW_NAMES,
         "party_names": fk.PARTY_NAMES, "triage_names": fk.TRIAGE_NAMES,
         "close_reason_names": fc.CLOSE_REASON_NAMES,
         "action_names": fc.ALL_ACTION_NAMES, "measure_names": fc.MEASURE_NAMES, "rehousing_names": fc.REHOUSING_NAMES,
         "referral_names": fc.ALL_REFERRAL_NAMES, "perpetrator_names": fc.PERPETRATOR_NAMES,
         "repair_names": fc.REPAIR_NAMES, "safety_plan_names": fc.SAFETY_PLAN_NAMES,
         "risk_level_names": fc.RISK_LEVEL_NAMES,
         "consent_names": fc.CONSENT_NAMES, "update_agency_names": fi.UPDATE_AGENCY_NAMES}


@bp.errorhandler(CaseUnavailable)
def _unavailable(_error: CaseUnavailable) -> tuple[str, int]:
    return render_template("staff/unavailable.html"), 503


HINTS = ("their_safe_contact", "they_know")  # what a neighbour said about reaching the person at risk


def profile_context(report: Report, opened: OpenedCase, profile_changed: bool = False) -> dict[str, Any]:
    """What the safe-contact profile section needs, on every page that shows it."""
    answers = opened.content.get("answers", {})
    return {"profiles": opened.profiles, "profile_rows": profile_rows, "profile_changed": profile_changed,
            "person_hints": rows(report.reporter_kind, answers, HINTS, staff_entered=staff_entered(report)),
            "person_centred": rows(report.reporter_kind, answers, PERSON_CENTRED,
                                   staff_entered=staff_entered(report)),
            "report_unopened": opened.unopened, "hidden_rows": ()}


def staff_entered(report: Report) -> bool:
    """Whether staff entered this disclosure (its answers are labelled by the staff's own intake form)."""
    return report.channel != "web"


def case_or_404(reference: str) -> Report:
    """The case, with any read replies and reporters' profile changes counted first. A restricted case this
    member of staff may not see raises CaseRestricted (a lead is offered the break glass; others get 404)."""
    apply_pending(db())
    report = find_by_reference(db(), reference) or abort(404)
    return require_visible(db(), g.staff, report)


def header(report: Report) -> dict[str, Any]:
    owner = db().get(StaffUser, report.owner_id) if report.owner_id else None
    taken_by = db().get(StaffUser, report.taken_by) if report.taken_by else None  # staff entered it
    return {"report": report, "owner": owner, "taken_by": taken_by,
            "clock": clock_for(report, datetime.now(timezone.utc)), **NAMES,
            "risk_now": latest_complete(db(), report), "risk_names": RISK_NAMES}


def saved(report: Report, message: str) -> Response:
    flash(message, "saved")
    return redirect(url_for("staff.case", reference=report.reference), code=303)
