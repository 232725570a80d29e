"""Working a case: opening it (decrypted for one request, audited first), the status workflow, sealed entries
(notes, actions, triage decisions, partner agencies' updates) and marking a case
urgent. Contact attempts and safe-contact profiles are portal/casework/contact.py.

Everything anyone typed about a case is sealed to the public key like the report itself; the plaintext
columns hold only codes, dates and counts (docs/data-map.md).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.casework.common import CaseUnavailable, NotAllowed, audit, now, opened_json, opener, warn_unopened
from portal.casework.contact import Profile, load_profiles, mark_profile_changes_seen, triage_choices
from portal.casework.followup import refresh_next
from portal.casework.indexing import NoIndexKey, index_key, refresh
from portal.casework.queue import STATUSES
from portal.casework.restriction import CaseRestricted, require_visible
from portal.casework.risk import from_referral_form
from portal.crypto.sealing import Unopened, try_open
from portal.intake import conversations
from portal.intake.reports import PURPOSE as REPORT_PURPOSE
from portal.intake.reports import ReportNotStored, current_sealer
from portal.store.followup_models import MonitorCheckin
from portal.store.models import CONTACT_PURPOSE, CaseEntry, ContactAttempt, Report, StaffUser, band_for

CLOSE_REASONS = ("support_in_place", "declined", "no_safe_contact", "moved_away", "another_agency",
                 "not_domestic_abuse", "duplicate")
ENTRY_KINDS = ("note", "action", "triage", "update", "glass", "routing", "erasure", "followup")


@dataclass
class OpenedEntry:
    entry: CaseEntry
    staff_name: str
    content: dict[str, Any]  # {} when the entry would not open (see `unopened`)
    unopened: Unopened | None = None


@dataclass
class OpenedCase:
    """A case decrypted for one request. A sealed record that would not open is marked, not fatal."""

    content: dict[str, Any]  # the report's answers; {} when the report would not open
    unopened: Unopened | None
    entries: list[OpenedEntry]
    conversation: conversations.TeamView | None
    profiles: dict[str, Profile]  # the current safe-contact profile of the person at risk and of the reporter


def open_case(dbs: Session, report: Report, staff: StaffUser, view: str, *, with_entries: bool = True,
              with_conversation: bool = True, mark_seen: bool = False, read_only: bool = False) -> OpenedCase:
    """Decrypt a report, its profiles, entries and conversation for this request. The audit event is committed
    first, so even a failed opening leaves its trace: every page that shows sealed content comes here. A
    caseworker's view (`mark_seen`) clears the queue's flags for new messages and changed profiles. A restricted
    case this member of staff may not see raises CaseRestricted before anything is opened. The opening also
    brings the case's blind index up to date (where this host has the index key) and records what the report
    itself carries (an agency's DASH score, a preference kept on the report), unless it is `read_only` (a case
    review, which writes nothing on the case but its audit event)."""
    require_visible(dbs, staff, report)
    audit(dbs, staff, "case.opened", report, detail=view)
    dbs.commit()
    keys = opener()
    opened = try_open(keys, report.sealed, REPORT_PURPOSE, report.id)
    warn_unopened("report", opened)
    content = opened_json(opened)
    entries = []
    if with_entries:
        names = {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}
        for entry in dbs.scalars(select(CaseEntry).where(CaseEntry.report_id == report.id)
                                 .order_by(CaseEntry.at.desc())):
            sealed_entry = try_open(keys, entry.sealed, entry.kind, entry.id)
            warn_unopened("case entry", sealed_entry)
            entries.append(OpenedEntry(entry, names.get(entry.staff_id, "?"), opened_json(sealed_entry),
                                       sealed_entry if isinstance(sealed_entry, Unopened) else None))
    conversation = conversations.team_view(dbs, report, keys, mark_seen) if with_conversation else None
    profiles = load_profiles(dbs, report, content, keys)
    if not isinstance(opened, Unopened) and not read_only:
        sex = content.get("answers", {}).get("staff_sex")
        if report.staff_sex == "" and sex in ("woman", "man"):  # a report from before it was kept on the report
            report.staff_sex = sex
            dbs.commit()
        _reindex(dbs, report, content, profiles)
        from_referral_form(dbs, report, staff, content.get("answers", {}),  # the referrer's DASH, once
                           threshold=current_app.config["DASH_MARAC_THRESHOLD"], tz=current_app.config["TIMEZONE"])
    if mark_seen:
        mark_profile_changes_seen(dbs, report)
        dbs.commit()
    return OpenedCase(content, opened if isinstance(opened, Unopened) else None, entries, conversation, profiles)


def _reindex(dbs: Session, report: Report, content: dict[str, Any], profiles: dict[str, Profile]) -> None:
    try:
        key = index_key()
    except NoIndexKey:
        current_app.logger.warning("no index key on this host: cases are not indexed for search")
        return
    if refresh(dbs, report, content.get("answers", {}), profiles, key):
        dbs.commit()


def contact_attempts(dbs: Session, report: Report) -> list[tuple[ContactAttempt, str, str | None]]:
    """Every attempt, newest first, with who made it and the reason recorded for one outside a safe window
    (opened here: call this only after `open_case` has audited the opening)."""
    rows = dbs.execute(select(ContactAttempt, StaffUser.name).join(StaffUser, StaffUser.id == ContactAttempt.staff_id)
                       .where(ContactAttempt.report_id == report.id).order_by(ContactAttempt.at.desc())).all()
    found: list[tuple[ContactAttempt, str, str | None]] = []
    for attempt, name in rows:
        reason = None
        if attempt.sealed is not None:
            opened = try_open(opener(), attempt.sealed, CONTACT_PURPOSE, str(attempt.id))
            reason = str(opened_json(opened).get("reason", "")) if isinstance(opened, bytes) else None
        found.append((attempt, name, reason))
    return found


def change_status(dbs: Session, report: Report, staff: StaffUser, status: str, reason: str | None = None) -> None:
    """Move a case along new → contact attempted → in contact → assessed → case open → closed (with a
    reason), or reopen a closed one. Staff may move back as well as forward: cases are not tidy. Closing a case
    with anything still open is refused here (ClosureNeedsReason): portal/casework/closing.py closes it with a
    reason and a lead's sign-off."""
    from portal.casework.closing import ClosureNeedsReason, open_items

    if status not in STATUSES or status == report.status:
        raise NotAllowed("not a change")
    if status == "closed":
        if reason not in CLOSE_REASONS:
            raise NotAllowed("closing needs a reason")
        items = open_items(dbs, report, reason)
        if items:
            raise ClosureNeedsReason(" ".join(items))
        close(dbs, report, staff, reason)
        return
    if report.status == "closed":
        audit(dbs, staff, "case.reopened", report)
    if not report.is_open:
        # A reopened case is reviewed afresh (refresh_next sets the date), and monitoring after closure ends: the
        # check-ins still to come go (those done or skipped stay on the record).
        report.next_review_on = report.monitor_until = None
        dbs.execute(delete(MonitorCheckin).where(MonitorCheckin.report_id == report.id,
                                                 MonitorCheckin.state == "due"))
    report.is_open, report.closed_at, report.close_reason = True, None, None
    audit(dbs, staff, "case.status_changed", report, detail=f"{report.status}->{status}")
    report.status = status
    refresh_next(dbs, report)
    dbs.commit()


def close(dbs: Session, report: Report, staff: StaffUser, reason: str) -> None:
    """Close the case (the guard has been passed: nothing open, or a lead signed it off)."""
    if reason not in CLOSE_REASONS:
        raise NotAllowed("closing needs a reason")
    report.is_open, report.closed_at, report.close_reason = False, now(), reason
    audit(dbs, staff, "case.status_changed", report, detail=f"{report.status}->closed reason:{reason}")
    report.status = "closed"
    refresh_next(dbs, report)
    dbs.commit()


def mark_repeat(dbs: Session, report: Report, staff: StaffUser, repeat: bool) -> None:
    """Staff's answer to "has this person or household reported domestic abuse to us before?"."""
    if report.repeat is not repeat or not report.repeat_by_staff:
        audit(dbs, staff, "case.repeat_marked", report, detail=("yes" if repeat else "no")
              + (" overriding:links" if report.repeat is not None and not report.repeat_by_staff else ""))
        report.repeat, report.repeat_by_staff = repeat, True
    dbs.commit()


def add_entry(dbs: Session, report: Report, staff: StaffUser, kind: str, content: dict[str, Any], *,
              code: str = "", score: int | None = None, flag: bool = False, starts_on: date | None = None,
              ends_on: date | None = None, commit: bool = True) -> CaseEntry:
    """Seal and store a note, action, triage decision or a partner agency's update
    (portal/casework/disclosures.py). Risk is portal/casework/risk.py; information shared, sharing.py. With
    `commit=False` the caller commits it with what goes with it (an action's task), so neither stands alone."""
    if kind not in ENTRY_KINDS:
        raise NotAllowed("unknown entry kind")
    entry_id = str(uuid.uuid4())
    sealer = current_sealer()  # raises ReportNotStored if the public key is missing
    entry = CaseEntry(id=entry_id, report_id=report.id, at=now(), staff_id=staff.id, kind=kind, code=code,
                      score=score, flag=flag, starts_on=starts_on, ends_on=ends_on, key_id=sealer.key_id,
                      sealed=sealer.seal_json(content, kind, entry_id))
    dbs.add(entry)
    audit(dbs, staff, f"case.{kind}_added", report, detail=code)
    if commit:
        dbs.commit()
    else:
        dbs.flush()
    return entry


def tried_to_reach(dbs: Session, report: Report) -> bool:
    """Whether anyone has tried to reach the person at risk (directly or through a go-between)."""
    return dbs.scalar(select(ContactAttempt.id).where(ContactAttempt.report_id == report.id,
                                                      ContactAttempt.party.in_(("person", "go_between")))
                      .limit(1)) is not None


def record_triage(dbs: Session, report: Report, staff: StaffUser, decision: str, note: str) -> CaseEntry:
    """A no-contact report (or one with no safe way to reach the person, once the ways they gave were tried) is
    triaged: an officer records what was done instead, sealed like any entry. That stops its first-contact clock;
    it is not reaching anyone. Any other decision is refused (`triage_choices`)."""
    if decision not in triage_choices(report, tried_to_reach(dbs, report)):
        raise NotAllowed("not a decision this case allows")
    if report.triaged_at is None:
        report.triaged_at = now()
    report.contacted = True
    refresh_next(dbs, report)
    return add_entry(dbs, report, staff, "triage", {"text": note}, code=decision)


def set_urgent(dbs: Session, report: Report, staff: StaffUser, urgent: bool) -> None:
    """Mark (or unmark) a case urgent: it sorts with "in danger now", and the on-call address is told."""
    if report.urgent is not urgent:
        report.urgent = urgent
        report.band = band_for(report.danger_now, report.children, urgent, high_risk=report.risk_level == "high")
        if urgent:
            report.urgent_announced = False
        audit(dbs, staff, "case.urgent_marked", report, detail="yes" if urgent else "no")
    dbs.commit()


__all__ = ["CLOSE_REASONS", "CaseRestricted", "CaseUnavailable", "NotAllowed", "OpenedCase", "ReportNotStored",
           "STATUSES", "add_entry", "change_status", "contact_attempts", "mark_repeat", "open_case", "record_triage",
           "set_urgent"]
