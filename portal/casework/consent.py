"""What the person at risk agreed to share, and with which kinds of agency (VtC 4.4, MHA 4.2.4): the latest
consent record staff made from what the person told them, else the report's own answer. The sharing service
(portal/casework/sharing.py) checks every share "with consent" against it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, opened_json, opener, warn_unopened
from portal.crypto.sealing import Unopened, try_open
from portal.intake.reports import current_sealer
from portal.store.models import Report, StaffUser
from portal.store.risk_models import CONSENT_PURPOSE, ConsentRecord

# The kinds of agency a person can agree to: the public forms' own choices (SHARE_WITH in
# portal/questions/report_forms.py; portal/staff/forms_sharing.py checks they are the same).
CONSENT_KINDS = ("police", "support", "social_services", "health", "council")
# yes: with the kinds named; no: with nobody; ask: ask them before each share; unknown: nobody has asked yet.
SHARE_ANSWERS = ("yes", "no", "ask")
MARAC_ANSWERS = ("yes", "no", "not_asked")
# Which consented kind each recipient needs. MARAC has its own answer; "another agency" is never covered.
KIND_FOR_RECIPIENT = {"police": "police", "idva": "support", "support": "support",
                      "social_services": "social_services", "health": "health", "council": "council"}


class ConsentNotClear(NotAllowed):
    """A consent record that does not say one clear thing (yes with no kind of agency, a kind not offered)."""


@dataclass(frozen=True)
class Consent:
    """What the person agreed to. `source`: record (staff recorded it), report (their own answer), or
    unknown (nobody has asked them: a neighbour's or a colleague's report)."""

    source: str
    share: str  # yes | no | ask | unknown
    kinds: tuple[str, ...] = ()
    marac: str = "not_asked"
    at: datetime | None = None
    staff_name: str = ""
    note: str = ""
    unopened: bool = False

    def allows(self, recipient: str, asked: bool = False) -> bool:
        """Whether sharing with this recipient is within what they agreed. Someone who asked to be asked each
        time agreed to this share only if the officer asked them about it (`asked`)."""
        if recipient == "marac":
            return self.marac == "yes"
        kind = KIND_FOR_RECIPIENT.get(recipient)
        if kind is None:
            return False
        if self.share == "ask":
            return asked
        return self.share == "yes" and kind in self.kinds


def _consent(source: str, share: str, kinds: Any = (), marac: str = "not_asked", **extra: Any) -> Consent:
    chosen = tuple(k for k in CONSENT_KINDS if k in set(kinds or ()))
    return Consent(source, share, chosen, marac, **extra)


def from_answers(report: Report, answers: dict[str, Any]) -> Consent:
    """The report's own answer: a person reporting for themselves, or an agency for them, said whether we may
    share and with whom; talking about it first, or not asked yet, is no consent yet. A neighbour or a
    colleague cannot consent for them: not known."""
    if report.reporter_kind not in ("self", "agency"):
        return _consent("unknown", "unknown")
    answer = answers.get("consent_share")
    if answer == "yes":
        return _consent("report", "yes", answers.get("share_with") or ())
    if answer == "no":
        return _consent("report", "no")
    return _consent("report" if answer else "unknown", "unknown")


def latest_record(dbs: Session, report: Report) -> ConsentRecord | None:
    return dbs.scalar(select(ConsentRecord).where(ConsentRecord.report_id == report.id)
                      .order_by(ConsentRecord.at.desc()).limit(1))


def current_consent(dbs: Session, report: Report, answers: dict[str, Any]) -> Consent:
    """What the person at risk agreed to now: the latest consent record, else the report's own answer. Opens
    the record: call it only after the case's audited opening (or in a service that audits what it does). A
    record that will not open agrees to nothing."""
    record = latest_record(dbs, report)
    if record is None:
        return from_answers(report, answers)
    opened = try_open(opener(), record.sealed, CONSENT_PURPOSE, record.id)
    warn_unopened("consent record", opened)
    staff = dbs.get(StaffUser, record.staff_id)
    name = (staff.name or staff.email) if staff else "?"
    if isinstance(opened, Unopened):
        return _consent("record", "unknown", at=record.at, staff_name=name, unopened=True)
    content = opened_json(opened)
    share = str(content.get("share")) if content.get("share") in SHARE_ANSWERS else "unknown"
    marac = str(content.get("marac")) if content.get("marac") in MARAC_ANSWERS else "not_asked"
    return _consent("record", share, content.get("kinds") or (), marac, at=record.at, staff_name=name,
                    note=str(content.get("note") or ""))


def record_consent(dbs: Session, report: Report, staff: StaffUser, *, share: str, kinds: list[str], marac: str,
                   note: str = "") -> ConsentRecord:
    """Record what the person told staff they agree to now: share yes (with the kinds named), no, or ask each
    time; MARAC yes, no or not asked; a note. Sealed; audited with the codes only."""
    if share not in SHARE_ANSWERS or marac not in MARAC_ANSWERS:
        raise ConsentNotClear("not an answer offered")
    if any(kind not in CONSENT_KINDS for kind in kinds):
        raise ConsentNotClear("not a kind of agency offered")
    if share == "yes" and not kinds:
        raise ConsentNotClear("yes, but with whom?")
    chosen = [kind for kind in CONSENT_KINDS if kind in kinds] if share == "yes" else []
    record_id = str(uuid.uuid4())
    sealer = current_sealer()  # raises ReportNotStored if the public key is missing
    content = {"share": share, "kinds": chosen, "marac": marac, "note": note}
    record = ConsentRecord(id=record_id, report_id=report.id, at=now(), staff_id=staff.id, key_id=sealer.key_id,
                           sealed=sealer.seal_json(content, CONSENT_PURPOSE, record_id))
    dbs.add(record)
    audit(dbs, staff, "case.consent_recorded", report,
          detail=f"share:{share} kinds:{','.join(chosen) or '-'} marac:{marac}")
    dbs.commit()
    return record
