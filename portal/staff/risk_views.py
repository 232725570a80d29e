"""Risk on a case: our DASH checklist (finished, or part-done and resumed), another agency's assessment, and
incidents. Views are thin: the rules are in portal/casework/risk.py."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, render_template, request
from flask_babel import get_locale, gettext, ngettext
from werkzeug.wrappers import Response

from portal.casework.cases import open_case
from portal.casework.common import NotAllowed, opened_json, opener
from portal.casework.dash import Checklist, load_checklist
from portal.casework.risk import (
    AssessedInFuture,
    assessments,
    incidents,
    part_done,
    record_assessment,
    record_incident,
    save_checklist,
)
from portal.crypto.sealing import try_open
from portal.intake.reports import ReportNotStored
from portal.staff import forms_risk as fr
from portal.staff.access import CASEWORK, allow
from portal.staff.blueprint import bp
from portal.staff.case_common import case_or_404, header, saved
from portal.store.db import db
from portal.store.models import Report
from portal.store.risk_models import RISK_PURPOSE
from portal.web.form_errors import error_summary


def checklist() -> Checklist:
    return load_checklist(current_app.config["DASH_FILE"])


def risk_context(report: Report) -> dict[str, Any]:
    """What the case's risk section shows (call only after `open_case` has audited the opening)."""
    found, happened = assessments(db(), report, checklist()), incidents(db(), report)
    complete = [a for a in found if a.row.complete]
    revisit = bool(happened and complete and happened[0].row.occurred_on > complete[0].row.assessed_on)
    return {"assessments": found, "incidents": happened, "checklist": checklist(), "revisit_risk": revisit,
            "part_done": next((a for a in found if not a.row.complete), None)}


def _prefill(report: Report, questions: Checklist) -> dict[str, Any]:
    """A part-done checklist's answers so far, opened for the form (audited like the case page)."""
    row = part_done(db(), report)
    if row is None:
        return {}
    open_case(db(), report, g.staff, "risk", with_entries=False, with_conversation=False)
    content = opened_json(try_open(opener(), row.sealed, RISK_PURPOSE, row.id))
    answers, comments = content.get("answers") or {}, content.get("comments") or {}
    data: dict[str, Any] = {"escalation": bool(content.get("escalation_noted")), "judgement_referral": row.judgement,
                            "judgement_reason": content.get("judgement_reason", ""), "notes": content.get("notes", "")}
    for q in questions.questions:
        data[f"q_{q.id}"], data[f"c_{q.id}"] = answers.get(q.id), comments.get(q.id, "")
    return data


@bp.route("/cases/<reference>/risk", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_risk(reference: str) -> str | Response | tuple[str, int]:
    """Our DASH checklist. "Save and finish later" keeps a part-done checklist (any question unanswered), which
    this page continues; "Save" needs every question answered. Every finished checklist is kept."""
    report = case_or_404(reference)
    questions, lang = checklist(), str(get_locale())
    form_class = fr.risk_form_class(questions, lang)
    form = form_class() if request.method == "POST" else form_class(data=_prefill(report, questions))
    threshold = current_app.config["DASH_MARAC_THRESHOLD"]
    notice = None
    if form.validate_on_submit():
        try:
            row = save_checklist(
                db(), report, g.staff, questions,
                answers={qid: answer.data for qid, answer, _ in form.question_fields()},
                comments={qid: comment.data or "" for qid, _, comment in form.question_fields()},
                escalation=form.escalation.data, judgement=form.judgement_referral.data,
                judgement_reason=form.judgement_reason.data or "", notes=form.notes.data or "",
                finished=form.finished, threshold=threshold, tz=current_app.config["TIMEZONE"])
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            if not row.complete:
                return saved(report, ngettext("Checklist saved to finish later: %(num)d question unanswered.",
                                              "Checklist saved to finish later: %(num)d questions unanswered.",
                                              row.unanswered))
            return saved(report, gettext("Risk checklist saved: %(yes)d yes answers.", yes=row.score or 0))
    status = 503 if notice else (400 if form.errors else 200)
    return render_template("staff/risk.html", form=form, errors=error_summary(form), checklist=questions, lang=lang,
                           threshold=threshold, notice=notice, resuming=part_done(db(), report) is not None,
                           **header(report)), status


@bp.route("/cases/<reference>/risk/agency", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_risk_agency(reference: str) -> str | Response | tuple[str, int]:
    """Another agency's risk assessment, as they gave it: no need to answer the checklist again."""
    report = case_or_404(reference)
    form = fr.AssessmentForm()
    notice = None
    if form.validate_on_submit():
        dash = form.tool.data == "dash"
        try:
            record_assessment(db(), report, g.staff, agency=form.agency.data, agency_name=form.agency_name.data or "",
                              assessed_on=form.assessed_on.data, tool=form.tool.data,
                              score=form.score.data if dash else None, grade="" if dash else form.grade.data or "",
                              marac_planned=form.marac_planned.data == "yes", note=form.note.data or "",
                              threshold=current_app.config["DASH_MARAC_THRESHOLD"],
                              tz=current_app.config["TIMEZONE"])
        except AssessedInFuture:
            form.assessed_on.errors.append(fr.FUTURE_ASSESSMENT)
        except NotAllowed:
            abort(400)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Risk assessment recorded."))
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/risk_agency.html", form=form, errors=error_summary(form), notice=notice,
                           threshold=current_app.config["DASH_MARAC_THRESHOLD"], **header(report)), status


@bp.route("/cases/<reference>/incident", methods=["GET", "POST"])
@allow(*CASEWORK)
def case_incident(reference: str) -> str | Response | tuple[str, int]:
    """Record an incident: when, whether the police were called out, the incident number and what happened."""
    report = case_or_404(reference)
    form = fr.IncidentForm()
    notice = None
    if form.validate_on_submit():
        try:
            record_incident(db(), report, g.staff, occurred_on=form.occurred_on.data, police=form.police.data == "yes",
                            incident_number=form.incident_number.data or "", what=form.what.data or "",
                            tz=current_app.config["TIMEZONE"])
        except AssessedInFuture:
            form.occurred_on.errors.append(fr.FUTURE_INCIDENT)
        except ReportNotStored:
            notice = "not-stored"
        else:
            return saved(report, gettext("Incident recorded. Revisit the risk checklist and the safety measures."))
    status = 503 if notice else (400 if any(f.errors for f in form) else 200)
    return render_template("staff/incident.html", form=form, errors=error_summary(form), notice=notice,
                           **header(report)), status
