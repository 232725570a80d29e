"""Disclosures that reach the team another way than the website: a new case an officer enters (a phone call, a
visit, a colleague or contractor, the police, a MARAC, an IDVA or another agency; MHA 4.1.1 and 4.2.1, VIVID 4.1,
Plus Dane 13), sealed and stored exactly as a public report is; and a partner agency's update on an existing
case, sealed as a case entry. Both are audited, with codes only, never content.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.cases import add_entry
from portal.casework.common import NotAllowed, audit, now, today
from portal.casework.risk import record_incident
from portal.intake.reports import CHANNELS, Receipt, submit
from portal.store.models import CaseAccess, CaseEntry, Report, StaffUser

STAFF_CHANNELS = tuple(channel for channel in CHANNELS if channel != "web")
AGENCY_CHANNELS = ("police", "marac", "idva", "other_agency")
KINDS = ("self", "concerned", "agency")
# Who a disclosure can be from, by the way it reached us: an agency's notification is an agency's; a colleague
# or contractor passes on what the person told them, or tells us because they are worried about them.
KINDS_FOR_CHANNEL = {"phone": KINDS, "in_person": KINDS, "colleague": ("self", "concerned"),
                     **{channel: ("agency",) for channel in AGENCY_CHANNELS}}
assert set(KINDS_FOR_CHANNEL) == set(STAFF_CHANNELS)
UPDATE_AGENCIES = ("police", "marac", "idva", "social_services", "support", "other")
# The New-case channel for an update about someone we have no case for yet.
CHANNEL_FOR_AGENCY = {"police": "police", "marac": "marac", "idva": "idva", "social_services": "other_agency",
                      "support": "other_agency", "other": "other_agency"}
CASEWORK = ("officer", "lead")
LANGUAGES = ("en", "cy")
CLOCK_SKEW = timedelta(minutes=2)  # a browser's clock a little ahead of the server's is not the future


class InTheFuture(NotAllowed):
    """A disclosure or an update dated after now: it cannot have happened yet (a slip of the keyboard)."""


def open_from_disclosure(dbs: Session, staff: StaffUser, *, channel: str, kind: str, answers: dict[str, Any],
                         flags: dict[str, bool], contact_language: str, submission_key: str,
                         disclosed_at: datetime | None = None, restricted: str = "") -> Receipt:
    """Open a case for a disclosure staff took, taken by `staff`. Sealed to the current public key and stored
    through `portal.intake.reports.submit`, like a report from the website: the same clock (from when it was
    disclosed, if not now), queue and case page. Idempotent on `submission_key`: a second tap finds the first
    case. `case.created` (with the channel) is written in the case's own transaction, once, and the case is
    the taker's own (its owner) until someone assigns it elsewhere. A case `restricted`
    to the leads (someone here must not see it) stays visible to the member of staff who took it."""
    if staff.role not in CASEWORK:
        raise NotAllowed("only caseworkers open cases")
    if kind not in KINDS_FOR_CHANNEL.get(channel, ()) or contact_language not in LANGUAGES:
        raise NotAllowed("not a channel, kind or language staff can enter")
    moment = now()
    if disclosed_at is not None and disclosed_at > moment + CLOCK_SKEW:
        raise InTheFuture("disclosed after now")
    received = moment if disclosed_at is None else min(disclosed_at, moment)

    def created(transaction: Session, receipt: Receipt) -> None:
        report = transaction.scalar(select(Report).where(Report.reference == receipt.reference))
        audit(transaction, staff, "case.created", report, detail=f"channel:{channel}"
              + (f" restricted:{restricted}" if restricted else ""))
        if report is not None:  # the officer who took the call works it, until someone assigns it elsewhere
            report.owner_id = staff.id
        if restricted and report is not None:
            transaction.add(CaseAccess(report_id=report.id, staff_id=staff.id, kind="named", at=moment,
                                       granted_by=staff.id))

    return submit(dbs, kind=kind, answers=answers, flags=flags, contact_language=contact_language,
                  submission_key=submission_key, now=received, with_receipt=created, channel=channel,
                  taken_by=staff.id, restricted=restricted)


def record_update(dbs: Session, report: Report, staff: StaffUser, *, agency: str, updated_on: date, told: str,
                  agency_name: str = "", incident_number: str = "", tz: str) -> CaseEntry:
    """A partner agency's update on this case (a MARAC outcome, an IDVA's update, a police incident), sealed as
    an entry of kind "update": its code is the agency, `starts_on` the date of the update, which cannot be
    after today (in the organisation's time zone). Audited as `case.update_added` with the agency's code. The
    police's update also records an incident (police called out) on its date, for the MARAC criteria."""
    if agency not in UPDATE_AGENCIES:
        raise NotAllowed("unknown agency")
    if updated_on > today(tz):
        raise InTheFuture("an update dated after today")
    if not told.strip():
        raise NotAllowed("an update says what they told us")
    content = {"text": told, "agency_name": agency_name.strip(), "incident_number": incident_number.strip()}
    if agency == "police":  # a police update is an incident on that date (committed with the entry)
        record_incident(dbs, report, staff, occurred_on=updated_on, police=True, incident_number=incident_number,
                        what=told, tz=tz, commit=False)
    return add_entry(dbs, report, staff, "update", content, code=agency, starts_on=updated_on)
