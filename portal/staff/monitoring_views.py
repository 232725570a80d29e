"""Monitoring after closure on the staff side: choosing the check-in dates of a closed case, a check-in page (the
current safe-contact profile, linked open cases and recent incidents first; then "is it safe to contact them
now?"), skipping a check-in with a reason, and what the case page shows of it all."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, g, render_template
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.casework import monitoring as mon
from portal.casework.cases import NotAllowed, OpenedEntry, ReportNotStored, open_case
from portal.casework.common import today
from portal.casework.contact import MethodNotSafe, OutcomeNotPossible, OutsideSafeWindow, VoicemailRefused
from portal.crypto.sealing import Unopened
from portal.staff import messages as m
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, profile_context, saved
from portal.staff.forms_case import METHOD_NAMES
from portal.staff.forms_contact import PARTY_NAMES
from portal.staff.forms_monitoring import (
    CHECKIN_OUTCOME_NAMES,
    CHECKIN_STATE_NAMES,
    CONFIRM_SAFE,
    ENTER_CHECKIN_DATE,
    LINKED_OPEN,
    ROUTING_NAMES,
    SELECT_WAY,
    CheckinForm,
    MonitoringForm,
    SkipForm,
)
from portal.staff.labels import STATUS_NAMES
from portal.store.db import db
from portal.store.models import Report, StaffUser
from portal.web.form_errors import error_summary

NAMES = {"checkin_outcome_names": CHECKIN_OUTCOME_NAMES, "checkin_state_names": CHECKIN_STATE_NAMES,
         "routing_names": ROUTING_NAMES}


@dataclass(frozen=True)
class Shown:
    row: Any
    staff_name: str
    text: str
    unopened: Unopened | None


def monitoring_context(report: Report, entries: list[OpenedEntry]) -> dict[str, Any]:
    """For the case page (after `open_case`): the check-ins with their notes or skip reasons, when monitoring
    ended, and why the case went to someone who did not match what the person asked for."""
    rows = mon.checkins(db(), report)
    names = {s.id: s.name or s.email for s in db().scalars(select(StaffUser))}
    shown = [Shown(r, names.get(r.staff_id, "") if r.staff_id else "", *mon.opened_text(r)) for r in rows]
    return {"checkins": shown, "monitoring_ended_on": mon.ended_on(rows),
            "routing_entries": [e for e in entries if e.entry.kind == "routing"], **NAMES}


def way_choices(report: Report, profiles: dict[str, Any]) -> list[tuple[str, str]]:
    ways = mon.ways(report, profiles)
    return [(f"{p}:{w}", f"{PARTY_NAMES[p]}: {METHOD_NAMES[w]}" if p != "person" else str(METHOD_NAMES[w]))
            for p, w in ways]


def _dates_page(report: Report, form: MonitoringForm, notice: str | None) -> tuple[str, int]:
    status = 503 if notice else (400 if form.errors else 200)
    return render_template("staff/monitoring.html", form=form, errors=error_summary(form), notice=notice,
                           **header(report)), status


@bp.route("/cases/<reference>/monitoring", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_monitoring(reference: str) -> Response | tuple[str, int]:
    """Keep an eye on a closed case, or change its check-in dates (those still due)."""
    report = case_or_404(reference)
    if report.is_open:
        return saved(report, gettext("Monitoring after closure starts when the case closes."))
    form = MonitoringForm()
    due = [r.due_on for r in mon.checkins(db(), report) if r.state == "due"]
    notice = None
    if form.validate_on_submit():
        try:
            mon.set_monitoring(db(), report, g.staff, form.dates())
        except mon.BadDates:
            form.checkin_1.errors = [*form.checkin_1.errors, ENTER_CHECKIN_DATE]
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Check-in dates saved."))
    elif not form.is_submitted():
        on = today(current_app.config["TIMEZONE"])
        closed_on = report.closed_at.date() if report.closed_at else on
        form.fill(due or [d for d in mon.default_dates(closed_on) if d >= on] or mon.default_dates(on))
    return _dates_page(report, form, notice)


def _checkin_or_404(report: Report, checkin_id: str) -> Any:
    row = mon.get_checkin(db(), report, checkin_id)
    return row if row is not None else abort(404)


def _checkin_page(report: Report, row: Any, form: CheckinForm, skip: SkipForm, opened: Any,
                  notice: str | None = None) -> tuple[str, int]:
    errors = error_summary(form) + error_summary(skip)
    status = 503 if notice else (400 if errors else 200)
    return render_template("staff/checkin.html", form=form, skip=skip, errors=errors, notice=notice, checkin=row,
                           found=mon.context(db(), report, g.staff), status_names=STATUS_NAMES, can_change=False,
                           **profile_context(report, opened), **header(report), **NAMES), status


def _opened(reference: str, checkin_id: str, view: str) -> tuple[Report, Any, Any]:
    report = case_or_404(reference)
    row = _checkin_or_404(report, checkin_id)
    opened = open_case(db(), report, g.staff, view, with_entries=False, with_conversation=False)
    return report, row, opened


@bp.route("/cases/<reference>/checkins/<checkin_id>", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_checkin(reference: str, checkin_id: str) -> Response | tuple[str, int]:
    """A check-in: the current safe-contact profile and linked cases first; contacting them only once the
    officer confirms it is safe now, and only one of their current safe ways."""
    report, row, opened = _opened(reference, checkin_id, "checkin")
    form, skip = CheckinForm(), SkipForm(formdata=None)
    form.method.choices = way_choices(report, opened.profiles)
    if row.state != "due":
        return saved(report, gettext("This check-in has already been recorded."))
    notice = None
    if form.validate_on_submit():
        try:
            mon.record_checkin(db(), report, g.staff, row, opened.profiles, safe_checked=bool(form.safe_checked.data),
                               outcome=form.outcome.data, method=form.method.data or "", notes=form.notes.data or "",
                               reason=form.reason.data or "")
        except mon.NotSafeChecked:
            form.safe_checked.errors = [*form.safe_checked.errors, CONFIRM_SAFE]
        except mon.LinkedCaseOpen:
            form.outcome.errors = [*form.outcome.errors, LINKED_OPEN]
        except (mon.NeedsMethod, MethodNotSafe):
            form.method.errors = [*form.method.errors, SELECT_WAY]
        except OutsideSafeWindow:
            form.reason.errors = [*form.reason.errors, m.OUTSIDE_WINDOW]
        except (VoicemailRefused, OutcomeNotPossible):
            form.outcome.errors = [*form.outcome.errors, m.OUTCOME_NOT_POSSIBLE]
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            if form.outcome.data == "concern":
                return saved(report, gettext("Check-in recorded. You found a concern: you can reopen the case."))
            return saved(report, gettext("Check-in recorded.") if report.monitor_until else gettext(
                "Check-in recorded. That was the last one: monitoring has ended."))
    return _checkin_page(report, row, form, skip, opened, notice)


@bp.post("/cases/<reference>/checkins/<checkin_id>/skip")
@allow(*CASEWORK)
def case_checkin_skip(reference: str, checkin_id: str) -> Response | tuple[str, int]:
    """Skip a check-in, with a reason (sealed)."""
    report, row, opened = _opened(reference, checkin_id, "checkin")
    form, skip = CheckinForm(formdata=None), SkipForm()
    form.method.choices = way_choices(report, opened.profiles)
    if row.state != "due":
        return saved(report, gettext("This check-in has already been recorded."))
    notice = None
    if skip.validate_on_submit():
        try:
            mon.skip_checkin(db(), report, g.staff, row, skip.skip_reason.data or "")
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Check-in skipped.") if report.monitor_until else gettext(
                "Check-in skipped. That was the last one: monitoring has ended."))
    return _checkin_page(report, row, form, skip, opened, notice)

