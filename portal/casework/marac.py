"""MARAC referrals (SafeLives): the four referral criteria as facts from the case, recording a referral (which
criteria, consent and the reason to go ahead without it, whether the person knows, when it was sent), and the
meeting, its outcome and the housing actions agreed. Enforced here, whatever a page sent.

The facts are read from plain columns only (tools, scores, grades, dates, counts), so showing them opens nothing:
- visible high risk: the latest complete DASH (ours, an agency's, or the one an agency gave on its referral)
  at or over DASH_MARAC_THRESHOLD, or the latest complete DARA graded "high". The two tools are never compared as
  one scale: each tool's latest assessment is read on its own.
- potential escalation: police incidents on this case and on the cases linked to it (both directions), in the 12
  months up to today, at least MARAC_ESCALATION_INCIDENTS.
- repeat: a new incident (an incident after it, or a report on this case or a linked one received after it) within
  the 12 months after the last MARAC referral on this case or a linked one (its date sent, else when recorded).
- professional judgement: the officer's, with a reason; the record never shows it by itself.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, defer

from portal.casework.common import NotAllowed, audit, aware, now, opened_json, today, warn_unopened
from portal.casework.disclosures import InTheFuture
from portal.casework.restriction import hidden_ids
from portal.crypto.sealing import Opener, Unopened, try_open
from portal.intake.contact_plan import local_date
from portal.intake.reports import current_sealer
from portal.store.models import CaseLink, Report, StaffUser
from portal.store.risk_models import MARAC_PURPOSE, Incident, MaracReferral, RiskAssessment

CRITERIA = ("visible_high", "escalation", "repeat", "judgement")
SHOWN_BY_RECORD = ("visible_high", "escalation", "repeat")  # judgement is the officer's alone
CONSENTS = ("given", "refused", "not_sought")
AWARE = ("yes", "no", "unknown")
MAX_TEXT = 20_000


class NoCriterion(NotAllowed):
    """A referral ticks at least one of the four criteria."""


class EvidenceNeeded(NotAllowed):
    """A criterion was ticked that the record does not show: say what the evidence is."""


class JudgementNeedsReason(NotAllowed):
    """A referral on professional judgement says why."""


class OverrideNeedsReason(NotAllowed):
    """Without the person's consent, a referral says why it goes ahead (high risk may override consent)."""


class OutcomeNeedsDate(NotAllowed):
    """An outcome or housing actions need the date of the outcome."""


class MeetingBeforeReferral(NotAllowed):
    """The meeting cannot be before the referral was sent."""


@dataclass(frozen=True)
class Fact:
    """One criterion as the record shows it."""

    met: bool
    tool: str = ""  # visible high risk: dash | dara
    score: int | None = None  # a DASH score
    grade: str = ""  # a DARA grade
    on: date | None = None  # the assessment's date; the last referral's (repeat)
    count: int = 0  # police incidents in 12 months (escalation)
    needed: int = 0  # how many the escalation criterion needs
    new_on: date | None = None  # repeat: the first new incident after the last referral


@dataclass
class Criteria:
    visible_high: Fact
    escalation: Fact
    repeat: Fact
    judgement: Fact
    last_referral: MaracReferral | None
    previous: list[MaracReferral] = field(default_factory=list)  # this case's and linked cases', newest first

    def shown(self, criterion: str) -> bool:
        return criterion in SHOWN_BY_RECORD and getattr(self, criterion).met


def year_before(day: date) -> date:
    """The same date a year earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def linked_ids(dbs: Session, report: Report, staff: StaffUser | None = None) -> list[str]:
    """The cases staff linked to this one, both directions (without those `staff` may not see, if given)."""
    rows = dbs.execute(select(CaseLink.report_id, CaseLink.other_id).where(
        or_(CaseLink.report_id == report.id, CaseLink.other_id == report.id))).all()
    found = {other if mine == report.id else mine for mine, other in rows}
    if staff is not None:
        found -= set(hidden_ids(dbs, staff))
    return sorted(found - {report.id})


def referral_day(referral: MaracReferral, tz: str) -> date:
    """When a referral went: the date sent, else when it was recorded."""
    return referral.sent_on or local_date(aware(referral.at), tz)


def _latest(dbs: Session, report: Report, tool: str) -> RiskAssessment | None:
    return dbs.scalar(select(RiskAssessment).options(defer(RiskAssessment.sealed)).where(
        RiskAssessment.report_id == report.id, RiskAssessment.tool == tool, RiskAssessment.complete.is_(True))
        .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.at.desc()).limit(1))


def _visible_high(dbs: Session, report: Report, threshold: int) -> Fact:
    dash, dara = _latest(dbs, report, "dash"), _latest(dbs, report, "dara")
    if dash is not None and dash.score is not None and dash.score >= threshold:
        return Fact(True, "dash", score=dash.score, on=dash.assessed_on)
    if dara is not None and dara.grade == "high":
        return Fact(True, "dara", grade=dara.grade, on=dara.assessed_on)
    if dash is not None:  # not met: what the latest says
        return Fact(False, "dash", score=dash.score, on=dash.assessed_on)
    if dara is not None:
        return Fact(False, "dara", grade=dara.grade, on=dara.assessed_on)
    return Fact(False)


def referrals(dbs: Session, report: Report) -> list[MaracReferral]:
    """The case's own MARAC referrals, newest first (plain columns; nothing is opened)."""
    return list(dbs.scalars(select(MaracReferral).options(defer(MaracReferral.sealed),
                                                          defer(MaracReferral.pack_sealed))
                            .where(MaracReferral.report_id == report.id)
                            .order_by(MaracReferral.at.desc(), MaracReferral.id)))


def criteria(dbs: Session, report: Report, staff: StaffUser | None = None, *, on: date | None = None) -> Criteria:
    """The four criteria as facts from the case (and its linked cases, leaving out any `staff` may not see)."""
    config = current_app.config
    tz = config["TIMEZONE"]
    day = on or today(tz)
    group = [report.id, *linked_ids(dbs, report, staff)]
    since = year_before(day)
    police = dbs.scalars(select(Incident.occurred_on).where(
        Incident.report_id.in_(group), Incident.police.is_(True), Incident.occurred_on >= since,
        Incident.occurred_on <= day)).all()
    needed = config["MARAC_ESCALATION_INCIDENTS"]
    escalation = Fact(len(police) >= needed, count=len(police), needed=needed)
    previous = sorted(dbs.scalars(select(MaracReferral).options(defer(MaracReferral.sealed),
                                                                defer(MaracReferral.pack_sealed))
                                  .where(MaracReferral.report_id.in_(group))),
                      key=lambda r: (referral_day(r, tz), aware(r.at)), reverse=True)
    repeat = Fact(False)
    if previous:
        last = referral_day(previous[0], tz)
        incidents = dbs.scalars(select(Incident.occurred_on).where(Incident.report_id.in_(group),
                                                                   Incident.occurred_on > last)).all()
        received = dbs.scalars(select(Report.received_at).where(Report.id.in_(group))).all()
        later = [d for d in [*incidents, *(local_date(aware(r), tz) for r in received)]
                 if last < d <= year_after(last) and d <= day]
        repeat = Fact(bool(later), on=last, new_on=min(later) if later else None)
    return Criteria(_visible_high(dbs, report, config["DASH_MARAC_THRESHOLD"]), escalation, repeat, Fact(False),
                    previous[0] if previous else None, previous)


def _clean(text: str | None) -> str:
    return (text or "").strip()[:MAX_TEXT]


def refer(dbs: Session, report: Report, staff: StaffUser, *, ticked: set[str] | list[str], consent: str,
          knows: str, sent_on: date | None, evidence: str = "", judgement_reason: str = "",
          override_reason: str = "") -> MaracReferral:
    """Record a MARAC referral. Raises NoCriterion, EvidenceNeeded (a criterion the record does not show, with no
    note of the evidence), JudgementNeedsReason, OverrideNeedsReason (consent refused or not sought, with no
    reason), InTheFuture (a date sent after today) or NotAllowed (a code no page offers). Sealed: the evidence,
    the reasons, and the facts as they stood. Audited with codes only."""
    chosen = set(ticked)
    if not chosen <= set(CRITERIA) or consent not in CONSENTS or knows not in AWARE:
        raise NotAllowed("not a criterion, consent or answer the page offers")
    if not chosen:
        raise NoCriterion()
    tz = current_app.config["TIMEZONE"]
    if sent_on is not None and sent_on > today(tz):
        raise InTheFuture("sent after today")
    facts = criteria(dbs, report, staff)
    evidence, judgement_reason, override_reason = _clean(evidence), _clean(judgement_reason), _clean(override_reason)
    if "judgement" in chosen and not judgement_reason:
        raise JudgementNeedsReason()
    if any(c in SHOWN_BY_RECORD and not facts.shown(c) for c in chosen) and not evidence:
        raise EvidenceNeeded()
    if consent != "given" and not override_reason:
        raise OverrideNeedsReason()
    row_id = str(uuid.uuid4())
    content = {"evidence": evidence, "judgement_reason": judgement_reason, "override_reason": override_reason,
               "facts": {c: _fact_json(getattr(facts, c)) for c in SHOWN_BY_RECORD},
               "outcome": "", "housing_actions": ""}
    sealer = current_sealer()
    row = MaracReferral(id=row_id, report_id=report.id, at=now(), staff_id=staff.id,
                        visible_high="visible_high" in chosen, judgement="judgement" in chosen,
                        escalation="escalation" in chosen, repeat="repeat" in chosen, consent=consent,
                        person_aware=knows, sent_on=sent_on, key_id=sealer.key_id,
                        sealed=sealer.seal_json(content, MARAC_PURPOSE, row_id))
    dbs.add(row)
    codes = ",".join(c for c in CRITERIA if c in chosen)
    audit(dbs, staff, "marac.referred", report, detail=f"criteria:{codes} consent:{consent}"
          + (" override" if consent != "given" else "") + f" aware:{knows}" + (" evidence" if evidence else ""))
    dbs.commit()
    return row


def _fact_json(fact: Fact) -> dict[str, Any]:
    return {"met": fact.met, "tool": fact.tool, "score": fact.score, "grade": fact.grade, "count": fact.count,
            "needed": fact.needed, "on": fact.on.isoformat() if fact.on else None,
            "new_on": fact.new_on.isoformat() if fact.new_on else None}


def fact_from_json(value: dict[str, Any]) -> Fact:
    """A fact as it was sealed with its referral (what the record showed when the referral was made)."""
    def day(name: str) -> date | None:
        return date.fromisoformat(value[name]) if value.get(name) else None
    return Fact(bool(value.get("met")), str(value.get("tool") or ""), value.get("score"), str(value.get("grade") or ""),
                day("on"), int(value.get("count") or 0), int(value.get("needed") or 0), day("new_on"))


def facts_when_referred(referral: MaracReferral, content: dict[str, Any], now_facts: Criteria) -> Criteria:
    """The criteria as they stood when `referral` was made (sealed with it), or as they stand now for a referral
    whose facts were not kept; without the referral itself among the previous ones."""
    kept = content.get("facts") or {}
    chosen = {c: fact_from_json(kept[c]) if isinstance(kept.get(c), dict) else getattr(now_facts, c)
              for c in SHOWN_BY_RECORD}
    previous = [r for r in now_facts.previous if r.id != referral.id]
    return Criteria(chosen["visible_high"], chosen["escalation"], chosen["repeat"], Fact(False),
                    previous[0] if previous else None, previous)


def referral_of(dbs: Session, report: Report, referral_id: str | None) -> MaracReferral | None:
    """One of this case's referrals by id, or its newest (None: none, or not this case's)."""
    if referral_id:
        try:
            uuid.UUID(referral_id)
        except ValueError:
            return None  # not an id we make (a NUL, or anything else PostgreSQL would refuse to compare)
        row = dbs.get(MaracReferral, referral_id)
        return row if row is not None and row.report_id == report.id else None
    found = referrals(dbs, report)
    return dbs.get(MaracReferral, found[0].id) if found else None


def open_referral(keys: Opener, referral: MaracReferral) -> tuple[dict[str, Any], Unopened | None]:
    """A referral's sealed content (call only after the case's audited opening)."""
    opened = try_open(keys, referral.sealed, MARAC_PURPOSE, referral.id)
    warn_unopened("MARAC referral", opened)
    return opened_json(opened), opened if isinstance(opened, Unopened) else None


def record_outcome(dbs: Session, report: Report, staff: StaffUser, referral: MaracReferral, keys: Opener, *,
                   meeting_on: date | None, outcome: str, housing_actions: str,
                   outcome_on: date | None) -> MaracReferral:
    """The meeting's date (it may be ahead), and later its outcome and the housing actions agreed, with the date
    of the outcome (never after today). The referral's sealed content is sealed again with them."""
    if referral.report_id != report.id:
        raise NotAllowed("not this case's referral")
    outcome, housing_actions = _clean(outcome), _clean(housing_actions)
    tz = current_app.config["TIMEZONE"]
    if outcome_on is not None and outcome_on > today(tz):
        raise InTheFuture("an outcome after today")
    if (outcome or housing_actions) and outcome_on is None:
        raise OutcomeNeedsDate()
    start = referral_day(referral, tz)
    if meeting_on is not None and meeting_on < start:
        raise MeetingBeforeReferral()
    content, unopened = open_referral(keys, referral)
    if unopened is not None:
        raise NotAllowed("the referral will not open here")
    content.update(outcome=outcome, housing_actions=housing_actions)
    sealer = current_sealer()
    referral.meeting_on, referral.outcome_on = meeting_on, outcome_on
    referral.key_id, referral.sealed = sealer.key_id, sealer.seal_json(content, MARAC_PURPOSE, referral.id)
    given = [name for name, value in (("meeting", meeting_on), ("outcome", outcome),
                                      ("housing_actions", housing_actions)) if value]
    audit(dbs, staff, "marac.outcome_recorded", report, detail=" ".join(given) or "cleared")
    dbs.commit()
    return referral


__all__ = ["AWARE", "CONSENTS", "CRITERIA", "Criteria", "EvidenceNeeded", "Fact", "InTheFuture",
           "JudgementNeedsReason", "MeetingBeforeReferral", "NoCriterion", "OutcomeNeedsDate", "OverrideNeedsReason",
           "criteria", "fact_from_json", "facts_when_referred", "linked_ids", "open_referral", "record_outcome",
           "refer", "referral_day", "referral_of", "referrals", "year_after", "year_before"]
