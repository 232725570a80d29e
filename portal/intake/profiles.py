"""New versions of a safe-contact profile, sealed like the report, for staff (portal/casework/contact.py) and for a
reporter signed in with their receipt (portal/public/profile_views.py).

A version is sealed to the team's key; if it is the receipt holder's own profile (the person's, on their own
report; the reporter's, on a neighbour's or agency's report) it is also sealed to the receipt key, so that the
reporter can see and change what we hold. The public side works out the new due time while it holds the text
and leaves it on the row; the triage side applies it (portal/casework/pending.py).
"""
from __future__ import annotations

import uuid
from datetime import datetime, time, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.crypto.keys import public_from_raw
from portal.crypto.sealing import CannotOpen, Opener, Sealer
from portal.intake.contact_plan import approach_for, due_after_change
from portal.intake.conversations import for_report, key_pair
from portal.intake.reports import current_sealer
from portal.store.models import PROFILE_PURPOSE, REPORTER_PROFILE_PURPOSE, ContactProfile, Conversation, Report

PROFILE_FIELDS = ("contact_methods", "phone_call", "phone_text", "email", "postal_address", "meeting_place",
                  "trusted_person", "safe_days", "safe_times", "safe_times_note", "safe_today", "voicemail",
                  "voicemail_message", "say_who", "cover_name", "check_question", "someone_else",
                  "someone_else_note", "call_drops")


def holder(report: Report) -> str:
    """Whose receipt a conversation is: the person's own on their report, the reporter's otherwise."""
    return "person" if report.reporter_kind == "self" else "reporter"


def picked(answers: dict[str, Any]) -> dict[str, Any]:
    return {name: answers[name] for name in PROFILE_FIELDS if name in answers}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def new_version(dbs: Session, report: Report, about: str, answers: dict[str, Any], *, staff_id: int | None,
                moment: datetime, nation: str, cutoff: time, tz: str) -> ContactProfile:
    """A new version (added to the session, not committed). Its due time and approach are worked out here when
    it is the person at risk's."""
    chosen = picked(answers)
    version = (dbs.scalar(select(func.max(ContactProfile.version)).where(
        ContactProfile.report_id == report.id, ContactProfile.about == about)) or 1) + 1
    row = ContactProfile(id=str(uuid.uuid4()), report_id=report.id, about=about, version=version, at=moment,
                         staff_id=staff_id, seen=staff_id is not None, applied=staff_id is not None)
    sealer = current_sealer()
    row.key_id, row.sealed = sealer.key_id, sealer.seal_json({"answers": chosen}, PROFILE_PURPOSE, row.id)
    conversation = for_report(dbs, report.id)
    if conversation is not None and conversation.public_key and about == holder(report):
        row.reporter_sealed = Sealer(public_from_raw(conversation.public_key)).seal_json(
            {"answers": chosen}, REPORTER_PROFILE_PURPOSE, row.id)
    if about == "person":
        row.approach = approach_for("self" if report.reporter_kind == "concerned" else report.reporter_kind,
                                    chosen.get("contact_methods"))
        due = due_after_change(_aware(report.received_at), chosen, moment, nation=nation, cutoff=cutoff, tz=tz)
        row.due, row.due_basis, row.out_of_hours = due.at, due.basis, due.out_of_hours
    dbs.add(row)
    return row


def reporters_own(dbs: Session, conversation: Conversation, seed: bytes) -> dict[str, Any] | None:
    """The newest version of the receipt holder's profile that they can open (sealed to their receipt), if any:
    the report's own answers never were, as the receipt came after the report."""
    report = dbs.get(Report, conversation.report_id)
    if report is None:
        return None
    row = dbs.scalar(select(ContactProfile).where(ContactProfile.report_id == report.id,
                                                  ContactProfile.about == holder(report),
                                                  ContactProfile.reporter_sealed.is_not(None))
                     .order_by(ContactProfile.version.desc()).limit(1))
    if row is None or row.reporter_sealed is None:
        return None
    _public, private = key_pair(seed)
    try:
        opened = Opener({private.key_id: private}).open_json(row.reporter_sealed, REPORTER_PROFILE_PURPOSE, row.id)
    except CannotOpen:
        return None
    return opened.get("answers", {})
