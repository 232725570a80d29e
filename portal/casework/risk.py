"""Risk assessments that hold up at a case review, and incidents.

Our own DASH checklist may be saved part-done (any question unanswered) and finished later: one part-done
checklist per case, resumed in the same row. Another agency's assessment is recorded as they gave it: the tool
(SafeLives DASH with its count of "yes" answers, police DARA or another tool with its grade), the date, the
agency. Scores from different tools are never compared as one scale. A referring agency's DASH on the referral
form becomes an assessment of source "form" the first time the case is opened.

The report's `risk_level` is always the level of its latest complete assessment (by the date assessed, then
when recorded), and its queue band follows (`band_for(..., high_risk=)`). Everything typed is sealed; the
plain columns hold codes, dates and counts. Audited with codes only, never content.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, aware, now, opened_json, opener, today, warn_unopened
from portal.casework.dash import ANSWERS, Checklist
from portal.casework.followup import refresh_next
from portal.crypto.sealing import Unopened, try_open
from portal.intake.reports import ReportNotStored, current_sealer
from portal.store.models import Report, StaffUser, band_for
from portal.store.risk_models import INCIDENT_PURPOSE, RISK_PURPOSE, Incident, RiskAssessment

TOOLS = ("dash", "dara", "other")
GRADES = ("standard", "medium", "high")
ASSESSING_AGENCIES = ("police", "idva", "social_services", "support", "health", "probation", "marac", "other")
DASH_ITEMS = 24  # a DASH count is of 24 questions, whatever our own checklist file holds
# The referring agency's answer on its form, recorded as an assessment once (an id derived from the report's).
_FORM_NAMESPACE = uuid.UUID("6f1d7a52-3c1e-4d4b-9a57-2b1f0f6c9e21")
_BEFORE_ASSESSED = {"new", "contact_attempted", "in_contact"}


class AssessedInFuture(NotAllowed):
    """An assessment or incident dated after today: it cannot have happened yet (a slip of the keyboard)."""


class Unanswered(NotAllowed):
    """A checklist saved as finished with questions left unanswered (it can be saved to finish later)."""

    def __init__(self, missing: list[str]):
        super().__init__("questions unanswered")
        self.missing = missing


def _not_future(day: date, tz: str) -> None:
    if not isinstance(day, date) or day > today(tz):
        raise AssessedInFuture("dated after today")


def part_done(dbs: Session, report: Report) -> RiskAssessment | None:
    """The case's part-done checklist, if there is one (there is at most one at a time)."""
    return dbs.scalar(select(RiskAssessment).where(RiskAssessment.report_id == report.id,
                                                   RiskAssessment.source == "ours",
                                                   RiskAssessment.complete.is_(False))
                      .order_by(RiskAssessment.updated_at.desc()).limit(1))


def save_checklist(dbs: Session, report: Report, staff: StaffUser, checklist: Checklist, *,
                   answers: dict[str, str | None], comments: dict[str, str], escalation: bool, judgement: bool,
                   judgement_reason: str, notes: str, finished: bool, threshold: int, tz: str) -> RiskAssessment:
    """Save our DASH checklist. Finished, every question needs an answer (else `Unanswered`, nothing stored);
    part-done (`finished=False`) any may be missing: it keeps no level and counts what is unanswered. A case's
    part-done checklist is continued, never doubled: the same row is sealed again."""
    ids = [q.id for q in checklist.questions]
    if set(answers) - set(ids) or set(comments) - set(ids):
        raise NotAllowed("not a question of this checklist")
    given = {qid: value for qid, value in answers.items() if value}
    if any(value not in ANSWERS for value in given.values()):
        raise NotAllowed("not an answer offered")
    if judgement and not judgement_reason.strip():
        raise NotAllowed("a judgement referral needs a reason")
    missing = [qid for qid in ids if qid not in given]
    if finished and missing:
        raise Unanswered(missing)
    yes = sum(1 for value in given.values() if value == "yes")
    level = ("high" if yes >= threshold or judgement else "standard") if finished else ""
    content = {"answers": given, "comments": {k: v for k, v in comments.items() if v}, "escalation_noted": escalation,
               "judgement_reason": judgement_reason, "notes": notes,
               "checklist_version": checklist.version}
    sealer = current_sealer()  # raises ReportNotStored if the public key is missing
    moment = now()
    row = part_done(dbs, report)
    if row is None:
        row = RiskAssessment(id=str(uuid.uuid4()), report_id=report.id, at=moment, source="ours", tool="dash",
                             agency="", grade="", marac_planned=False)
        dbs.add(row)
        action = "case.risk_started" if not finished else "case.risk_added"
    else:
        action = "case.risk_continued"
    row.updated_at, row.staff_id, row.assessed_on = moment, staff.id, today(tz)
    row.score, row.level, row.complete, row.unanswered = yes, level, finished, len(missing)
    row.escalation = escalation or any(given.get(q.id) == "yes" for q in checklist.questions if q.escalation)
    row.judgement = judgement
    row.key_id, row.sealed = sealer.key_id, sealer.seal_json(content, RISK_PURPOSE, row.id)
    audit(dbs, staff, action, report, detail=f"dash {level}" if finished else f"dash part-done:{len(missing)}")
    if finished:
        _assessed(dbs, report, staff)
    dbs.flush()
    recompute(dbs, report)
    dbs.commit()
    return row


def record_assessment(dbs: Session, report: Report, staff: StaffUser, *, agency: str, agency_name: str,
                      assessed_on: date, tool: str, score: int | None, grade: str, marac_planned: bool, note: str,
                      threshold: int, tz: str) -> RiskAssessment:
    """Another agency's assessment, as they gave it: a DASH count of "yes" answers (0 to 24), or a DARA or other
    tool's grade (standard, medium, high). Its level comes from its own tool: never converted between tools."""
    if agency not in ASSESSING_AGENCIES or tool not in TOOLS:
        raise NotAllowed("not an agency or tool offered")
    if agency == "other" and not agency_name.strip():
        raise NotAllowed("another agency is named")
    if tool == "dash":
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= DASH_ITEMS or grade:
            raise NotAllowed("a DASH assessment is a count of yes answers")
        level = "high" if score >= threshold else "standard"
    else:
        if grade not in GRADES or score is not None:
            raise NotAllowed("a graded assessment gives its grade")
        level = grade
    _not_future(assessed_on, tz)
    sealer = current_sealer()
    moment = now()
    row = RiskAssessment(id=str(uuid.uuid4()), report_id=report.id, at=moment, updated_at=moment, staff_id=staff.id,
                         source="agency", tool=tool, agency=agency, assessed_on=assessed_on, score=score,
                         grade=grade, level=level, complete=True, unanswered=0, escalation=False, judgement=False,
                         marac_planned=marac_planned)
    row.key_id = sealer.key_id
    row.sealed = sealer.seal_json({"agency_name": agency_name.strip(), "note": note}, RISK_PURPOSE, row.id)
    dbs.add(row)
    audit(dbs, staff, "case.risk_recorded", report, detail=f"{agency} {tool} {level}")
    _assessed(dbs, report, staff)
    dbs.flush()
    recompute(dbs, report)
    dbs.commit()
    return row


def from_referral_form(dbs: Session, report: Report, staff: StaffUser, answers: dict[str, Any], *,
                       threshold: int, tz: str) -> RiskAssessment | None:
    """The referring agency's DASH count on its form, as an assessment of source "form" (agency "referrer",
    dated the day the report arrived): made once, the first time the case is opened (the id comes from the
    report's, so a second opening, even a concurrent one, finds it)."""
    score = answers.get("dash_score")
    if (report.reporter_kind != "agency" or answers.get("dash_done") != "yes" or isinstance(score, bool)
            or not isinstance(score, int) or not 0 <= score <= DASH_ITEMS):
        return None
    row_id = str(uuid.uuid5(_FORM_NAMESPACE, report.id))
    found = dbs.get(RiskAssessment, row_id)
    if found is not None:
        return found
    try:
        sealer = current_sealer()
    except ReportNotStored:  # no public key here just now: the next opening makes it
        return None
    moment = now()
    received = aware(report.received_at)
    row = RiskAssessment(id=row_id, report_id=report.id, at=received, updated_at=moment, staff_id=None,
                         source="form", tool="dash", agency="referrer",
                         assessed_on=received.astimezone(ZoneInfo(tz)).date(), score=score, grade="",
                         level="high" if score >= threshold else "standard", complete=True, unanswered=0,
                         escalation=False, judgement=False, marac_planned=answers.get("marac") in ("yes", "planned"),
                         key_id=sealer.key_id)
    row.sealed = sealer.seal_json({"agency_name": str(answers.get("org_name") or ""), "note": ""}, RISK_PURPOSE,
                                  row_id)
    dbs.add(row)
    audit(dbs, staff, "case.risk_from_form", report, detail=f"dash {row.level}")
    try:
        dbs.flush()
        recompute(dbs, report)
        dbs.commit()
    except IntegrityError:  # another opening made it first
        dbs.rollback()
        return dbs.get(RiskAssessment, row_id)
    return row


def latest_complete(dbs: Session, report: Report) -> RiskAssessment | None:
    return dbs.scalar(select(RiskAssessment).where(RiskAssessment.report_id == report.id,
                                                   RiskAssessment.complete.is_(True))
                      .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.at.desc()).limit(1))


def recompute(dbs: Session, report: Report) -> None:
    """The report's risk level is its latest complete assessment's; its band follows."""
    latest = latest_complete(dbs, report)
    report.risk_level = latest.level if latest is not None else ""
    report.band = band_for(report.danger_now, report.children, report.urgent, high_risk=report.risk_level == "high")
    refresh_next(dbs, report)  # a shorter review interval brings the next review forward


def _assessed(dbs: Session, report: Report, staff: StaffUser) -> None:
    if report.status in _BEFORE_ASSESSED:
        audit(dbs, staff, "case.status_changed", report, detail=f"{report.status}->assessed")
        report.status = "assessed"


def record_incident(dbs: Session, report: Report, staff: StaffUser, *, occurred_on: date, police: bool,
                    incident_number: str, what: str, tz: str, commit: bool = True) -> Incident:
    """An incident on this case (the MARAC criteria count them): when (not after today), whether the police
    were called out, and the incident number and what happened, sealed."""
    _not_future(occurred_on, tz)
    sealer = current_sealer()
    row = Incident(id=str(uuid.uuid4()), report_id=report.id, at=now(), staff_id=staff.id, occurred_on=occurred_on,
                   police=bool(police), key_id=sealer.key_id)
    row.sealed = sealer.seal_json({"incident_number": incident_number.strip(), "what": what}, INCIDENT_PURPOSE,
                                  row.id)
    dbs.add(row)
    audit(dbs, staff, "case.incident_added", report, detail="police" if police else "other")
    if commit:
        dbs.commit()
    return row


@dataclass
class Opened:
    row: Any  # RiskAssessment | Incident
    staff_name: str
    content: dict[str, Any]
    unopened: Unopened | None = None
    unanswered_numbers: list[int] = field(default_factory=list)


def _names(dbs: Session) -> dict[int, str]:
    return {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}


def assessments(dbs: Session, report: Report, checklist: Checklist) -> list[Opened]:
    """Every assessment on the case, newest first (by the date assessed), opened: call this only after
    `open_case` has audited the opening."""
    keys, names, found = opener(), _names(dbs), []
    numbers = {q.id: n for n, q in enumerate(checklist.questions, start=1)}
    for row in dbs.scalars(select(RiskAssessment).where(RiskAssessment.report_id == report.id)
                           .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.at.desc())):
        opened = try_open(keys, row.sealed, RISK_PURPOSE, row.id)
        warn_unopened("risk assessment", opened)
        content = opened_json(opened)
        given = content.get("answers") or {}
        missing = [n for qid, n in numbers.items() if not given.get(qid)] if not row.complete else []
        found.append(Opened(row, names.get(row.staff_id, "") if row.staff_id else "", content,
                            opened if isinstance(opened, Unopened) else None, missing))
    return found


def incidents(dbs: Session, report: Report) -> list[Opened]:
    """Every incident on the case, most recent first, opened (after `open_case`)."""
    keys, names, found = opener(), _names(dbs), []
    for row in dbs.scalars(select(Incident).where(Incident.report_id == report.id)
                           .order_by(Incident.occurred_on.desc(), Incident.at.desc())):
        opened = try_open(keys, row.sealed, INCIDENT_PURPOSE, row.id)
        warn_unopened("incident", opened)
        found.append(Opened(row, names.get(row.staff_id, "?"), opened_json(opened),
                            opened if isinstance(opened, Unopened) else None))
    return found
