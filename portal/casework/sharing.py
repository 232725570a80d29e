"""Information shared on a lawful basis (VIVID 4.1, MHA 4.2.4 and 9.1–9.3, Plus Dane 17, VtC 4.4): with whom,
when, what and why. A share "with consent" must be within what the person agreed (portal/casework/consent.py);
any other basis needs a reason and a team lead's countersignature, from someone other than the sharer, within
SHARE_COUNTERSIGN_DAYS working days of the day it was shared. The reporter's page may say which kinds of agency
were told, where the officer judged that safe (`told_kinds` reads plaintext columns only)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, aware, now, opened_json, opener, today, warn_unopened
from portal.casework.consent import Consent, current_consent
from portal.casework.disclosures import InTheFuture
from portal.casework.restriction import hidden_ids
from portal.crypto.sealing import Unopened, try_open
from portal.intake.reports import PURPOSE as REPORT_PURPOSE
from portal.intake.reports import current_sealer
from portal.store.models import Conversation, Report, StaffUser
from portal.store.risk_models import SHARE_PURPOSE, InfoShare
from portal.workdays.working_time import END_OF_WORKING_DAY, next_working_day

RECIPIENTS = ("police", "idva", "marac", "social_services", "health", "support", "council", "other")
# consent; safeguarding (high risk of serious harm, a child or adult at risk, vital interests); an
# information-sharing agreement (SHARING_AGREEMENTS); section 115 Crime and Disorder Act 1998; the MARAC
# protocol; a court order or legal obligation.
BASES = ("consent", "safeguarding", "agreement", "s115", "marac", "court")
# What the reporter's page may say was told: the kind of agency, never which one.
REPORTER_KINDS = {"police": "police", "idva": "support", "support": "support", "social_services": "social_services",
                  "health": "health", "council": "council", "marac": "marac", "other": "other"}


class SharingRefused(NotAllowed):
    """A share the service will not record as it stands."""


class UnknownRecipient(SharingRefused):
    """No recipient, or a kind of agency the page does not offer."""


class UnknownBasis(SharingRefused):
    """A lawful basis the page does not offer."""


class UnknownAgreement(SharingRefused):
    """An information-sharing agreement this organisation has not signed (SHARING_AGREEMENTS)."""


class NothingShared(SharingRefused):
    """A record of sharing that does not say what was shared."""


class ShareInTheFuture(InTheFuture):
    """A share dated after today."""


class ShareOutsideConsent(SharingRefused):
    """Recorded as "with consent", but the person did not agree to share with this kind of agency."""


class ReasonNeeded(SharingRefused):
    """Shared without consent, and no reason given."""


class NoReceiptConversation(SharingRefused):
    """Asked to tell the reporter, but the case has no receipt conversation to tell them in."""


class CannotCountersign(NotAllowed):
    """Not a countersignature this member of staff may give."""


class OwnShare(CannotCountersign):
    """The person who shared cannot countersign their own share."""


def countersign_due(shared_on: date, working_days: int, nation: str, tz: str) -> datetime:
    """The end of the working day `working_days` working days after the day it was shared (UTC)."""
    day = shared_on
    for _ in range(max(1, working_days)):
        day = next_working_day(day, nation)
    return datetime.combine(day, END_OF_WORKING_DAY, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def is_overdue(share: InfoShare, moment: datetime | None = None) -> bool:
    return (share.countersign_due is not None and share.countersigned_at is None
            and aware(share.countersign_due) < (moment or now()))


def has_receipt_conversation(dbs: Session, report: Report) -> bool:
    return dbs.scalar(select(Conversation.id).where(Conversation.report_id == report.id,
                                                    Conversation.deleted_at.is_(None))) is not None


def _consent_for_check(dbs: Session, report: Report) -> Consent:
    opened = try_open(opener(), report.sealed, REPORT_PURPOSE, report.id)
    warn_unopened("report", opened)
    return current_consent(dbs, report, opened_json(opened).get("answers", {}))


def record_share(dbs: Session, report: Report, staff: StaffUser, *, recipient: str, shared_on: date, basis: str,
                 what: str, reason: str = "", agreement: str = "", asked: bool = False,
                 tell_reporter: bool = False) -> InfoShare:
    """Record information shared. Refused (named errors): no or an unknown recipient, an unknown basis or
    agreement, nothing said about what was shared, a date after today, "with consent" outside what the person
    agreed, any other basis without a reason, telling a reporter who has no receipt. To check consent it opens
    the report's answers and the latest consent record (the share page that calls it has audited its opening).
    Sealed; audited (`case.share_added`, the recipient and basis codes)."""
    config = current_app.config
    if recipient not in RECIPIENTS:
        raise UnknownRecipient(recipient or "none")
    if basis not in BASES:
        raise UnknownBasis(basis or "none")
    if basis == "agreement" and agreement not in config["SHARING_AGREEMENTS"]:
        raise UnknownAgreement("not an agreement we have")
    if not (what or "").strip():
        raise NothingShared("say what was shared")
    if shared_on > today(config["TIMEZONE"]):
        raise ShareInTheFuture("shared after today")
    if basis == "consent" and not _consent_for_check(dbs, report).allows(recipient, asked):
        raise ShareOutsideConsent(recipient)
    if basis != "consent" and not (reason or "").strip():
        raise ReasonNeeded("without consent, say why")
    if tell_reporter and not has_receipt_conversation(dbs, report):
        raise NoReceiptConversation("no receipt")
    share_id = str(uuid.uuid4())
    sealer = current_sealer()  # raises ReportNotStored if the public key is missing
    content = {"what": what, "reason": reason if basis != "consent" else "", "asked": bool(asked)}
    due = None if basis == "consent" else countersign_due(shared_on, config["SHARE_COUNTERSIGN_DAYS"],
                                                         config["NATION"], config["TIMEZONE"])
    share = InfoShare(id=share_id, report_id=report.id, at=now(), staff_id=staff.id, recipient=recipient,
                      shared_on=shared_on, basis=basis, agreement=agreement if basis == "agreement" else "",
                      tell_reporter=tell_reporter, countersign_due=due, key_id=sealer.key_id,
                      sealed=sealer.seal_json(content, SHARE_PURPOSE, share_id))
    dbs.add(share)
    audit(dbs, staff, "case.share_added", report, detail=f"{recipient} basis:{basis}"
          + (" tell_reporter" if tell_reporter else ""))
    dbs.commit()
    return share


def countersign(dbs: Session, report: Report, share_id: str, lead: StaffUser) -> InfoShare:
    """A lead countersigns a share made without consent. Not the person who shared (`OwnShare`); not twice;
    not a share that needs none. Audited as `share.countersigned`."""
    share = dbs.get(InfoShare, share_id) if share_id else None
    if share is None or share.report_id != report.id:
        raise CannotCountersign("no such share on this case")
    if lead.role != "lead":
        raise CannotCountersign("only a team lead countersigns")
    if share.countersign_due is None or share.countersigned_at is not None:
        raise CannotCountersign("nothing to countersign")
    if share.staff_id == lead.id:
        raise OwnShare("the sharer cannot countersign")
    share.countersigned_by, share.countersigned_at = lead.id, now()
    audit(dbs, lead, "share.countersigned", report, detail=f"{share.recipient} basis:{share.basis}")
    dbs.commit()
    return share


@dataclass
class OpenedShare:
    share: InfoShare
    staff_name: str
    countersigned_name: str
    overdue: bool
    content: dict[str, Any]  # {} when it would not open
    unopened: Unopened | None = None


def _names(dbs: Session) -> dict[int, str]:
    return {s.id: s.name or s.email for s in dbs.scalars(select(StaffUser))}


def opened_shares(dbs: Session, report: Report) -> list[OpenedShare]:
    """Every share on the case, newest first, opened: call only after the case's audited opening. Old records
    of sharing moved from case entries hold only {"what"}."""
    names, moment, found = _names(dbs), now(), []
    for share in dbs.scalars(select(InfoShare).where(InfoShare.report_id == report.id)
                             .order_by(InfoShare.shared_on.desc(), InfoShare.at.desc())):
        opened = try_open(opener(), share.sealed, SHARE_PURPOSE, share.id)
        warn_unopened("record of sharing", opened)
        found.append(OpenedShare(share, names.get(share.staff_id, "?"),
                                 names.get(share.countersigned_by, "?") if share.countersigned_by else "",
                                 is_overdue(share, moment), opened_json(opened),
                                 opened if isinstance(opened, Unopened) else None))
    return found


@dataclass(frozen=True)
class Awaiting:
    """A share awaiting a countersignature, as the lead's list shows it: no content."""

    reference: str
    recipient: str
    basis: str
    agreement: str
    shared_on: date
    due: datetime
    staff_name: str
    overdue: bool


def _awaiting(dbs: Session, staff: StaffUser) -> list[Any]:
    where = [InfoShare.countersign_due.is_not(None), InfoShare.countersigned_at.is_(None)]
    hidden = hidden_ids(dbs, staff)
    return [*where, InfoShare.report_id.not_in(hidden)] if hidden else where


def awaiting_countersignature(dbs: Session, staff: StaffUser) -> list[Awaiting]:
    """Shares without consent not yet countersigned, on cases this lead may see: the earliest due (so the
    overdue) first."""
    names, moment = _names(dbs), now()
    rows = dbs.execute(select(InfoShare, Report.reference).join(Report, Report.id == InfoShare.report_id)
                       .where(*_awaiting(dbs, staff)).order_by(InfoShare.countersign_due, InfoShare.at)).all()
    return [Awaiting(reference, share.recipient, share.basis, share.agreement, share.shared_on,
                     aware(share.countersign_due or moment), names.get(share.staff_id, "?"), is_overdue(share, moment))
            for share, reference in rows]


def awaiting_count(dbs: Session, staff: StaffUser) -> int:
    return dbs.scalar(select(func.count(InfoShare.id)).where(*_awaiting(dbs, staff))) or 0


def told_kinds(dbs: Session, report_id: str) -> list[str]:
    """The kinds of agency the reporter's page may name (shares the officer marked to tell them), in a fixed
    order. Plaintext columns only: the public side may read these and nothing sealed."""
    recipients = set(dbs.scalars(select(InfoShare.recipient).where(InfoShare.report_id == report_id,
                                                                   InfoShare.tell_reporter.is_(True))))
    kinds = {REPORTER_KINDS[r] for r in recipients if r in REPORTER_KINDS}
    return [kind for kind in dict.fromkeys(REPORTER_KINDS.values()) if kind in kinds]
