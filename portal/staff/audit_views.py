"""The audit log for leads and auditors: who did what to which case and when, in the reader's language, filtered
by who, what, case and dates, paged newest first; and the same rows as CSV (the export is itself audited)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from flask import Response, current_app, render_template, request, stream_with_context, url_for
from flask_babel import format_datetime, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.casework.audit_log import (
    OTHER_ACTORS,
    AuditFilter,
    AuditPage,
    Cursor,
    UnknownCase,
    case_id,
    export,
    export_detail,
    page,
)
from portal.staff.access import allow
from portal.staff.audit_labels import action_choices, action_label, actor_label, detail_label
from portal.staff.auth_views import audit
from portal.staff.blueprint import bp
from portal.store.db import db
from portal.store.models import StaffUser
from portal.web.spreadsheet import formula_safe

ENTER_DATE = _l("Enter a date like 2026-07-01")
DATE_ORDER = _l("The last day must be on or after the first day")
NO_CASE = _l("No case has that reference. A deleted case's events stay in the log without it.")


def _names() -> dict[str, str]:
    return {f"staff:{p.id}": p.name or p.email for p in db().scalars(select(StaffUser).order_by(StaffUser.name))}


def _date(text: str) -> date | None:
    try:
        found = date.fromisoformat(text)
    except ValueError:
        return None
    return found if 2000 <= found.year <= 2200 else None


def _from_args(args: Mapping[str, str], names: Mapping[str, str]) -> tuple[AuditFilter, list[tuple[str, str]]]:
    """The filter the form asks for, and its problems as (field id, message). Unknown choices are ignored."""
    problems: list[tuple[str, str]] = []
    actor = args.get("who", "")
    actor = actor if actor in names or actor == OTHER_ACTORS else ""
    action = args.get("what", "")
    action = action if action in dict(action_choices()) else ""
    report_id = None
    if args.get("case", "").strip():
        try:
            report_id = case_id(db(), args["case"][:40])
        except UnknownCase:
            problems.append(("audit-case", str(NO_CASE)))
    days: list[date | None] = []
    for name in ("since", "until"):
        text = args.get(name, "").strip()
        day = _date(text) if text else None
        if text and day is None:
            problems.append((f"audit-{name}", str(ENTER_DATE)))
        days.append(day)
    since, until = days
    if since and until and until < since:
        problems.append(("audit-until", str(DATE_ORDER)))
    return AuditFilter(actor, action, report_id, since, until), problems


def _kept(args: Mapping[str, str]) -> dict[str, str]:
    """The filter's own arguments, for the paging and CSV links."""
    return {k: args[k] for k in ("who", "what", "case", "since", "until") if args.get(k)}


def _render(flt: AuditFilter, problems: list[tuple[str, str]], names: Mapping[str, str],
            found: AuditPage | None) -> str:
    return render_template("staff/audit.html", found=found, names=names, problems=problems,
                           problem_for=dict(problems), action_choices=action_choices(), action_label=action_label,
                           detail_label=detail_label, actor_label=actor_label, args=request.args,
                           kept=_kept(request.args), flt=flt, other_actors=OTHER_ACTORS, paging_url=paging_url)


@bp.get("/audit")
@allow("lead", "auditor")
def audit_log() -> tuple[str, int]:
    """Who did what to which case, and when; newest first, a page at a time. Never content."""
    names = _names()
    flt, problems = _from_args(request.args, names)
    if problems:
        return _render(flt, problems, names, None), 400
    found = page(db(), flt, current_app.config["TIMEZONE"], before=Cursor.parse(request.args.get("before")),
                 after=Cursor.parse(request.args.get("after")))
    return _render(flt, problems, names, found), 200



@bp.get("/audit.csv")
@allow("lead", "auditor")
def audit_csv() -> Response:
    """The events the filters match, every one, newest first, as CSV in the reader's language with the codes
    beside the words. The export is audited (with the filter's codes) before a row is sent."""
    names = _names()
    flt, problems = _from_args(request.args, names)
    if problems:
        return Response(_render(flt, problems, names, None), status=400)
    audit("audit.exported", report_id=flt.report_id, detail=export_detail(flt))
    db().commit()
    tz = current_app.config["TIMEZONE"]

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([gettext("When"), gettext("Who"), gettext("What"), gettext("Case"), gettext("Detail"),
                         gettext("Action code"), gettext("Detail code")])
        yield "\ufeff" + out.getvalue()
        for event, reference in export(db(), flt, tz):
            out.seek(0)
            out.truncate()
            case = reference or (gettext("(deleted)") if event.report_id else "")
            writer.writerow([format_datetime(event.at, "yyyy-MM-dd HH:mm:ss"),
                             formula_safe(actor_label(event.actor, names)), formula_safe(action_label(event.action)),
                             case, formula_safe(detail_label(event.action, event.detail, names)), event.action,
                             formula_safe(event.detail)])
            yield out.getvalue()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=audit-log.csv"
    response.headers["Cache-Control"] = "no-store"
    return response


def paging_url(**cursor: str) -> str:
    """This page's filters with a place in the log (`before=` or `after=`), or none (the newest)."""
    values: dict[str, Any] = {**_kept(request.args), **cursor}
    return url_for("staff.audit_log", **values)
