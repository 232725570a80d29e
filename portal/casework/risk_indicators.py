"""The board's figures on risk, MARAC, lawful sharing and safeguarding, from plaintext codes, dates and counts only
(nothing here opens anything). Every count goes out through the same small-number rule as the other indicators.

- Completion: the share of the period's reports with a completed risk assessment (ours, or another agency's); and
  the DASH completion rate: of the period's reports whose person at risk we reached, the share with a completed
  DASH checklist (ours, another agency's or the one on a referral form), whenever it was completed.
- Levels are counted per tool (DASH, DARA, other): scores from different tools are never one scale.
- MARAC: cases referred in the period, by criterion, and without consent.
- Sharing: shares dated in the period by lawful basis and by agency; shares without consent, countersigned by a
  lead in time (by the due time), late, or still awaiting.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from portal.casework.indicators_base import Disclosure, Figure, Percent
from portal.store.models import CaseEntry, Report
from portal.store.risk_models import InfoShare, MaracReferral, RiskAssessment, SafeguardingReferral

# Written out (not imported from the services or forms), so that this module imports nothing that can open a
# sealed value; tests/casework/test_risk_indicators.py checks they agree.
TOOLS = ("dash", "dara", "other")
LEVELS = ("high", "medium", "standard")
SOURCES = ("ours", "agency", "form")
CRITERIA = ("visible_high", "judgement", "escalation", "repeat")
BASES = ("consent", "safeguarding", "agreement", "s115", "marac", "court")
AGENCIES = ("police", "idva", "marac", "social_services", "health", "support", "council", "other")
CONCERNS = ("child", "adult", "exploitation")


@dataclass
class RiskFigures:
    assessed_cases: Figure  # reports received in the period with a completed assessment (any source, any time)
    assessed_percent: Percent  # …of the reports received in the period
    assessments: Figure  # completed assessments recorded in the period
    part_done: Figure  # our checklists started in the period and not yet finished
    dash_due: Figure  # reports received in the period whose person at risk was reached
    dash_completed: Figure  # …of those, with a completed DASH checklist
    dash_completed_percent: Percent
    by_source: dict[str, Figure]
    levels: dict[str, dict[str, Figure]]  # tool → level → count
    escalations: Figure
    marac_cases: Figure  # cases referred to MARAC in the period
    marac_by_criterion: dict[str, Figure]
    marac_without_consent: Figure
    idva_cases: Figure
    shares: Figure
    by_basis: dict[str, Figure]
    shared_with: dict[str, Figure]
    without_consent: Figure  # shares in the period on any basis but consent that need a countersignature
    countersigned_in_time: Figure
    countersigned_late: Figure
    awaiting_countersignature: Figure
    countersigned_in_time_percent: Percent
    safeguarding_referrals: dict[str, Figure]
    under_16: Figure  # reports received in the period with someone at risk under 16
    adult_at_risk: Figure

    def rows(self) -> list[tuple[str, str, Figure | Percent | float | None]]:
        out: list[tuple[str, str, Figure | Percent | float | None]] = [
            ("risk", "assessed_cases", self.assessed_cases), ("risk", "assessed_percent", self.assessed_percent),
            ("risk", "assessments", self.assessments), ("risk", "part_done", self.part_done),
            ("risk", "dash_due", self.dash_due), ("risk", "dash_completed", self.dash_completed),
            ("risk", "dash_completed_percent", self.dash_completed_percent)]
        out += [("risk_source", k, v) for k, v in self.by_source.items()]
        out += [("risk_level", f"{tool}_{level}", v)
                for tool, group in self.levels.items() for level, v in group.items()]
        out += [("risk", "escalations", self.escalations), ("marac", "cases", self.marac_cases)]
        out += [("marac_criterion", k, v) for k, v in self.marac_by_criterion.items()]
        out += [("marac", "without_consent", self.marac_without_consent), ("risk", "idva_referrals", self.idva_cases)]
        out += [("sharing", "total", self.shares)]
        out += [("sharing_basis", k, v) for k, v in self.by_basis.items()]
        out += [("shared_with", k, v) for k, v in self.shared_with.items()]
        out += [("sharing", "without_consent", self.without_consent),
                ("sharing", "countersigned_in_time", self.countersigned_in_time),
                ("sharing", "countersigned_late", self.countersigned_late),
                ("sharing", "awaiting_countersignature", self.awaiting_countersignature),
                ("sharing", "countersigned_in_time_percent", self.countersigned_in_time_percent)]
        out += [("safeguarding_referral", k, v) for k, v in self.safeguarding_referrals.items()]
        out += [("received_flags", "under_16", self.under_16), ("received_flags", "adult_at_risk", self.adult_at_risk)]
        return out


def compute_risk(dbs: Session, rule: Disclosure, start: datetime, end: datetime, first: date, last: date,
                 flags: Counter[str]) -> RiskFigures:
    """The period is [start, end) as moments and [first, last] as dates; `flags` holds the period's report count
    ("received", purged cases left out), its "under_16" and "adult_at_risk" counts, and "assessed" (reports with a
    risk level, that is with a completed assessment), from the other indicators' one pass over the period's
    reports."""
    recorded = and_(RiskAssessment.at >= start, RiskAssessment.at < end)
    assessed_cases = flags["assessed"]
    sources = Counter[str]()
    levels = {tool: Counter[str]() for tool in TOOLS}
    escalations = part_done = 0
    for source, tool, level, complete, escalation, n in dbs.execute(
            select(RiskAssessment.source, RiskAssessment.tool, RiskAssessment.level, RiskAssessment.complete,
                   RiskAssessment.escalation, func.count()).where(recorded)
            .group_by(RiskAssessment.source, RiskAssessment.tool, RiskAssessment.level, RiskAssessment.complete,
                      RiskAssessment.escalation)):
        if not complete:
            part_done += n
            continue
        sources[source] += n
        levels.setdefault(tool, Counter())[level] += n
        escalations += n if escalation else 0

    reached = and_(Report.received_at >= start, Report.received_at < end, Report.first_contact_at.is_not(None))
    dash_due = dbs.scalar(select(func.count()).select_from(Report).where(reached)) or 0
    dash_completed = dbs.scalar(select(func.count()).select_from(Report).where(reached, exists().where(
        RiskAssessment.report_id == Report.id, RiskAssessment.tool == "dash", RiskAssessment.complete.is_(True))
    )) or 0

    referred = and_(MaracReferral.at >= start, MaracReferral.at < end)
    marac_cases = set(dbs.scalars(select(MaracReferral.report_id).where(referred)))
    entries = and_(CaseEntry.at >= start, CaseEntry.at < end, CaseEntry.kind == "action")
    for code, report_id in dbs.execute(select(CaseEntry.code, CaseEntry.report_id)
                                       .where(entries, CaseEntry.code.in_(("referral.marac", "referral.idva")))):
        if code == "referral.marac":
            marac_cases.add(report_id)
    idva_cases = dbs.scalar(select(func.count(func.distinct(CaseEntry.report_id)))
                            .where(entries, CaseEntry.code == "referral.idva")) or 0
    criteria = Counter[str]()
    without_consent_marac = 0
    for visible, judgement, escalation, repeat, consent in dbs.execute(
            select(MaracReferral.visible_high, MaracReferral.judgement, MaracReferral.escalation,
                   MaracReferral.repeat, MaracReferral.consent).where(referred)):
        for name, met in zip(CRITERIA, (visible, judgement, escalation, repeat), strict=True):
            criteria[name] += 1 if met else 0
        without_consent_marac += 0 if consent == "given" else 1

    dated = and_(InfoShare.shared_on >= first, InfoShare.shared_on <= last)
    bases, agencies = Counter[str](), Counter[str]()
    for basis, recipient, n in dbs.execute(select(InfoShare.basis, InfoShare.recipient, func.count()).where(dated)
                                           .group_by(InfoShare.basis, InfoShare.recipient)):
        bases[basis] += n
        agencies[recipient] += n
    signing = and_(dated, InfoShare.countersign_due.is_not(None))
    needing = dbs.scalar(select(func.count()).where(signing)) or 0
    in_time = dbs.scalar(select(func.count()).where(signing, InfoShare.countersigned_at.is_not(None),
                                                    InfoShare.countersigned_at <= InfoShare.countersign_due)) or 0
    awaiting = dbs.scalar(select(func.count()).where(signing, InfoShare.countersigned_at.is_(None))) or 0

    concerns = Counter[str]()
    for concern, n in dbs.execute(select(SafeguardingReferral.concern, func.count())
                                  .where(SafeguardingReferral.referred_on >= first,
                                         SafeguardingReferral.referred_on <= last)
                                  .group_by(SafeguardingReferral.concern)):
        concerns[concern] += n

    return RiskFigures(
        assessed_cases=rule.one(assessed_cases), assessed_percent=rule.percent(assessed_cases, flags["received"]),
        assessments=rule.one(sum(sources.values())), part_done=rule.one(part_done),
        dash_due=rule.one(dash_due), dash_completed=rule.one(dash_completed),
        dash_completed_percent=rule.percent(dash_completed, dash_due),
        by_source=rule.group({s: sources[s] for s in SOURCES}),
        levels={tool: rule.group({level: levels[tool][level] for level in LEVELS}) for tool in TOOLS},
        escalations=rule.one(escalations), marac_cases=rule.one(len(marac_cases)),
        marac_by_criterion=rule.group({c: criteria[c] for c in CRITERIA}, total_shown=False),
        marac_without_consent=rule.one(without_consent_marac), idva_cases=rule.one(idva_cases),
        shares=rule.one(sum(bases.values())), by_basis=rule.group({b: bases[b] for b in BASES}),
        shared_with=rule.group({a: agencies[a] for a in AGENCIES}),
        without_consent=rule.one(needing), countersigned_in_time=rule.one(in_time),
        countersigned_late=rule.one(needing - in_time - awaiting), awaiting_countersignature=rule.one(awaiting),
        countersigned_in_time_percent=rule.percent(in_time, needing),
        safeguarding_referrals=rule.group({c: concerns[c] for c in CONCERNS}, total_shown=False),
        under_16=rule.one(flags["under_16"]), adult_at_risk=rule.one(flags["adult_at_risk"]))
