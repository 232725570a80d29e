"""Performance indicators for the team and the board, computed only from plaintext queue metadata and recorded
actions (report rows, contact attempts, case-entry codes, purged tallies): nothing here decrypts anything, and
nothing here imports the opener.

Every count goes out through `Disclosure`, which suppresses small numbers (1 to threshold-1 become "fewer than
N") and, where a group's total is shown, suppresses a second cell so the hidden one cannot be found by
subtraction. Percentages and times are only shown when the number they are computed from is large enough.

All heavy work is GROUP BY in the database, on indexed columns; only time to first contact is worked out per
report, in Python, against a precomputed working-time calendar (O(log n) per report).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from portal.casework.complaint_indicators import ComplaintFigures, compute_complaints
from portal.casework.equality_indicators import EqualityFigures, compute_equality
from portal.casework.followup_indicators import FollowupFigures, compute_followup
from portal.casework.indicators_base import Disclosure, Figure, Percent
from portal.casework.periods import Period
from portal.casework.review_round_indicators import ReviewRoundFigures, compute_review_rounds
from portal.casework.risk_indicators import RiskFigures, compute_risk
from portal.store.models import CaseEntry, PurgedTally, Report
from portal.workdays.working_time import WorkingCalendar

# The codes, written out here rather than imported from portal.casework.cases, portal.casework.queue or the staff
# forms, so that
# this module imports nothing that can open a sealed value; tests/casework/test_indicators.py checks they agree.
KINDS = ("self", "concerned", "agency", "staff")
LANGUAGES = ("en", "cy")
CHANNELS = ("web", "phone", "in_person", "colleague", "police", "marac", "idva", "other_agency")
ACTIONS = ("security", "repairs", "rehousing", "breathing_space", "money_advice", "referral", "perpetrator")
REFERRALS = ("idva", "marac", "police", "social_services", "support", "perpetrator_programme")
CLOSE_REASONS = ("support_in_place", "declined", "no_safe_contact", "moved_away", "another_agency",
                 "not_domestic_abuse", "duplicate")


# --- working time, fast -----------------------------------------------------------------------------------------

def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values (the median is fraction 0.5)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, -(-len(sorted_values) * fraction // 1))  # ceil(n * fraction), at least 1
    return sorted_values[int(rank) - 1]


# --- the figures ------------------------------------------------------------------------------------------------

@dataclass
class Indicators:
    period: Period
    computed_at: datetime
    threshold: int
    received: Figure
    by_kind: dict[str, Figure]
    by_language: dict[str, Figure]
    by_channel: dict[str, Figure]
    danger_now: Figure
    children: Figure
    no_contact: Figure
    due: Figure  # reports received in the period, whose clock is reaching the person, due or reached (the base)
    within_target: Figure  # the person at risk reached by the working-day target
    late: Figure
    within_target_percent: Percent
    within_window: Figure  # reached by the due time, which follows their safe windows
    within_window_percent: Percent
    reporter_only: Figure  # a reporter contacted, the person at risk not (yet) reached
    triage_due: Figure  # no-contact reports (clock: triage) due or triaged
    triaged_in_time: Figure
    triaged_in_time_percent: Percent
    contacted: Figure
    median_hours: float | None
    p90_hours: float | None
    overdue_now: Figure  # at computed_at, whatever the period
    risk: RiskFigures  # risk, MARAC, sharing and safeguarding (portal/casework/risk_indicators.py)
    actions: dict[str, Figure]
    referrals: dict[str, Figure]
    closed: Figure
    closed_by_reason: dict[str, Figure]
    repeat: Figure
    purged_months: list[str] = field(default_factory=list)
    followup: FollowupFigures | None = None  # tasks, reviews, monitoring (portal/casework/followup_indicators.py)
    review_rounds: ReviewRoundFigures | None = None  # case reviews (portal/casework/review_round_indicators.py)
    complaints: ComplaintFigures | None = None  # complaints and feedback (portal/casework/complaint_indicators.py)
    equality: EqualityFigures | None = None  # equality monitoring (portal/casework/equality_indicators.py)

    def rows(self) -> list[tuple[str, str, Figure | Percent | float | None]]:
        """Every figure as (section, key, value), in the order of the page: what the CSV export writes."""
        out: list[tuple[str, str, Figure | Percent | float | None]] = [
            ("received", "total", self.received)]
        out += [("received_by_kind", k, v) for k, v in self.by_kind.items()]
        out += [("received_by_language", k, v) for k, v in self.by_language.items()]
        out += [("received_by_channel", k, v) for k, v in self.by_channel.items()]
        out += [("received_flags", "danger_now", self.danger_now), ("received_flags", "children", self.children),
                ("received_flags", "no_contact", self.no_contact), ("received_flags", "repeat", self.repeat)]
        out += [("first_contact", "due", self.due), ("first_contact", "within_target", self.within_target),
                ("first_contact", "within_target_percent", self.within_target_percent),
                ("first_contact", "within_window", self.within_window),
                ("first_contact", "within_window_percent", self.within_window_percent),
                ("first_contact", "late", self.late),
                ("first_contact", "reporter_only", self.reporter_only),
                ("first_contact", "triage_due", self.triage_due),
                ("first_contact", "triaged_in_time", self.triaged_in_time),
                ("first_contact", "triaged_in_time_percent", self.triaged_in_time_percent),
                ("first_contact", "contacted", self.contacted),
                ("first_contact", "median_working_hours", self.median_hours),
                ("first_contact", "p90_working_hours", self.p90_hours),
                ("first_contact", "overdue_now", self.overdue_now)]
        out += self.risk.rows()
        out += [("actions", k, v) for k, v in self.actions.items()]
        out += [("referrals", k, v) for k, v in self.referrals.items()]
        out += [("closed", "total", self.closed)]
        out += [("closed_by_reason", k, v) for k, v in self.closed_by_reason.items()]
        out += self.followup.rows() if self.followup else []
        out += self.review_rounds.rows() if self.review_rounds else []
        out += self.complaints.rows() if self.complaints else []
        out += self.equality.rows() if self.equality else []
        return out


def compute(dbs: Session, period: Period, *, now: datetime, threshold: int, nation: str, tz: str) -> Indicators:
    """Every figure for the period. `threshold` is the smallest count that may be shown (1 shows all)."""
    rule = Disclosure(max(1, threshold))
    start, end = period.bounds(tz)
    in_period = and_(Report.received_at >= start, Report.received_at < end)

    # Volumes: one GROUP BY over the period's reports (ix on received_at).
    volume = Counter[tuple[str, str]]()
    channels = Counter[str]()
    flags = Counter[str]()
    # A report has a risk level once it has a completed risk assessment (portal/casework/risk.py keeps it).
    grouped = (Report.reporter_kind, Report.contact_language, Report.channel, Report.danger_now, Report.children,
               Report.no_contact, Report.repeat, Report.under_16, Report.adult_at_risk, Report.risk_level)
    for kind, language, channel, danger, children, no_contact, repeat, under_16, adult, level, n in dbs.execute(
            select(*grouped, func.count()).where(in_period).group_by(*grouped)):
        volume[(kind, language)] += n
        channels[channel] += n
        flags["received"] += n
        for name, present in (("danger_now", danger), ("children", children), ("no_contact", no_contact),
                              ("repeat", repeat), ("under_16", under_16), ("adult_at_risk", adult),
                              ("assessed", level)):
            flags[name] += n if present else 0
    months = period.months()
    purged = Counter[str]()
    purged_reasons = Counter[str]()
    purged_months: set[str] = set()
    if months:
        for month, kind, reason, n in dbs.execute(select(PurgedTally.month, PurgedTally.reporter_kind,
                                                         PurgedTally.close_reason, PurgedTally.count)
                                                  .where(PurgedTally.month.in_(months))):
            purged[kind] += n
            purged_reasons[reason] += n
            purged_months.add(month)
    by_kind = {k: sum(n for (kk, _l), n in volume.items() if kk == k) + purged[k] for k in KINDS}
    total = sum(by_kind.values())
    by_language = {lang: sum(n for (_k, ll), n in volume.items() if ll == lang) for lang in LANGUAGES}
    by_channel = {channel: channels[channel] for channel in CHANNELS}
    if sum(purged.values()):  # purged cases keep no language and no channel: say so rather than guess
        by_language["unknown"] = sum(purged.values())
        by_channel["unknown"] = sum(purged.values())

    # First contact, for reports received in the period whose clock is reaching the person at risk: reached
    # by the working-day target; reached by the due time, which follows their safe windows; late (reached after
    # it, or not reached and past it). Contact with a reporter alone is counted apart; so are no-contact
    # reports, whose clock is a triage decision.
    wanted = and_(in_period, Report.clock == "reach")
    now_utc = now.astimezone(timezone.utc)
    reached = Report.first_contact_at.is_not(None)
    target = func.coalesce(Report.target_due, Report.first_contact_due)
    within = dbs.scalar(select(func.count()).where(wanted, reached, Report.first_contact_at <= target)) or 0
    within_window = dbs.scalar(select(func.count()).where(wanted, reached,
                                                          Report.first_contact_at <= Report.first_contact_due)) or 0
    late = dbs.scalar(select(func.count()).where(wanted, or_(
        and_(reached, Report.first_contact_at > Report.first_contact_due),
        and_(Report.first_contact_at.is_(None), Report.first_contact_due < now_utc)))) or 0
    reporter_only = dbs.scalar(select(func.count()).where(in_period, Report.first_contact_at.is_(None),
                                                          Report.reporter_contacted_at.is_not(None))) or 0
    triage = and_(in_period, Report.clock == "triage")
    triaged_in_time = dbs.scalar(select(func.count()).where(triage, Report.first_contact_at.is_(None),
                                                            Report.triaged_at <= Report.first_contact_due)) or 0
    triaged_in_time += dbs.scalar(select(func.count()).where(triage, reached,
                                                             Report.first_contact_at <= Report.first_contact_due)) or 0
    triage_due = dbs.scalar(select(func.count()).where(triage, or_(
        Report.contacted.is_(True), Report.first_contact_due < now_utc))) or 0
    calendar = WorkingCalendar(period.first - timedelta(days=1), period.last + timedelta(days=400), nation, tz)
    # Epoch seconds straight from the database: making tens of thousands of datetimes costs more than the sums.
    epoch = _epoch_seconds(dbs)
    between = calendar.between
    durations = sorted(between(float(received), float(first))
                       for received, first in dbs.execute(
                           select(epoch(Report.received_at), epoch(Report.first_contact_at))
                           .where(wanted, reached)))
    contacted = len(durations)
    enough = contacted and not rule.one(contacted).suppressed
    median = round(percentile(durations, 0.5) / 3600, 1) if enough else None
    p90 = round(percentile(durations, 0.9) / 3600, 1) if enough else None
    overdue_now = dbs.scalar(select(func.count()).where(Report.is_open.is_(True), Report.contacted.is_(False),
                                                        Report.first_contact_due < now_utc)) or 0

    # Actions: what staff recorded in the period (ix_case_entry_period: the entries are few next to reports).
    entries = and_(CaseEntry.at >= start, CaseEntry.at < end)
    actions = Counter[str]()
    referrals = Counter[str]()
    for code, n in dbs.execute(select(CaseEntry.code, func.count())
                               .where(entries, CaseEntry.kind == "action").group_by(CaseEntry.code)):
        head, _dot, sub = code.partition(".")
        actions[head] += n
        if head == "referral":
            referrals[sub] += n
    risk = compute_risk(dbs, rule, start, end, period.first, period.last, flags)

    # Closures in the period (purged cases are counted by the month they were received: see `months`).
    closed_reasons = Counter[str]()
    for recorded, n in dbs.execute(select(Report.close_reason, func.count())
                                   .where(Report.closed_at >= start, Report.closed_at < end,
                                          Report.is_open.is_(False))
                                   .group_by(Report.close_reason)):
        closed_reasons[recorded or "unknown"] += n
    for reason, n in purged_reasons.items():
        closed_reasons[reason] += n
    reasons = {r: closed_reasons[r] for r in CLOSE_REASONS}
    if closed_reasons["unknown"]:
        reasons["unknown"] = closed_reasons["unknown"]

    return Indicators(
        period=period, computed_at=now_utc, threshold=rule.threshold,
        received=rule.one(total), by_kind=rule.group(by_kind), by_language=rule.group(by_language),
        by_channel=rule.group(by_channel),
        danger_now=rule.one(flags["danger_now"]), children=rule.one(flags["children"]),
        no_contact=rule.one(flags["no_contact"]), repeat=rule.one(flags["repeat"]),
        due=rule.one(within_window + late), within_target=rule.one(within), late=rule.one(late),
        within_target_percent=rule.percent(within, within_window + late),
        within_window=rule.one(within_window), within_window_percent=rule.percent(within_window, within_window + late),
        reporter_only=rule.one(reporter_only), triage_due=rule.one(triage_due),
        triaged_in_time=rule.one(triaged_in_time), triaged_in_time_percent=rule.percent(triaged_in_time, triage_due),
        contacted=rule.one(contacted), median_hours=median, p90_hours=p90, overdue_now=rule.one(overdue_now),
        risk=risk, actions=rule.group({a: actions[a] for a in ACTIONS}, total_shown=False),
        referrals=rule.group({r: referrals[r] for r in REFERRALS}, total_shown=False),
        closed=rule.one(sum(reasons.values())), closed_by_reason=rule.group(reasons),
        purged_months=[m for m in months if m in purged_months],
        followup=compute_followup(dbs, rule, start, end, period.first, period.last),
        review_rounds=compute_review_rounds(dbs, rule, period.first, period.last),
        complaints=compute_complaints(dbs, rule, period.first, period.last, months, now_utc.astimezone(
            ZoneInfo(tz)).date()),
        equality=compute_equality(dbs, rule, months, published=rule.threshold == 1 or period.kind == "quarter"))


def _epoch_seconds(dbs: Session) -> Any:
    """A column's moment as epoch seconds, in SQL. SQLite keeps UTC moments as text, PostgreSQL as timestamptz."""
    if dbs.get_bind().dialect.name == "sqlite":
        # julianday keeps the fraction of a second that strftime('%s') would drop.
        return lambda column: (func.julianday(column) - 2440587.5) * 86400.0
    return lambda column: func.extract("epoch", column)
