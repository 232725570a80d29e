"""What the public side leaves for the triage side to count, applied wherever the team looks (the queue, a
case, `portal notify`): replies the reporter has read, which reach them from that moment, and safe-contact
profiles a reporter changed with their receipt, which re-plan the first-contact clock; and complaints made through
a receipt, which get their response deadline.

The public side can seal and mark a reply read, but never change a report; so a reporter's changes wait here
for the triage side, which is cheap when nothing waits (small partial indexes).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.common import aware
from portal.casework.complaints import date_new
from portal.casework.contact import apply_profile, mark_reached
from portal.casework.followup import refresh_next
from portal.store.models import ContactProfile, Message, Report


def apply_pending(dbs: Session) -> int:
    """Count read replies and apply reporters' profile changes. Returns how many it applied; commits."""
    done = 0
    for message in dbs.scalars(select(Message).where(Message.from_reporter.is_(False), Message.seen_at.is_not(None),
                                                     Message.counted.is_(False))):
        report = dbs.get(Report, message.report_id)
        if report is not None and message.seen_at is not None:
            read = aware(message.seen_at)
            if report.reporter_kind == "self":
                mark_reached(report, read)  # the person at risk holds the receipt
                refresh_next(dbs, report)
                if report.status == "contact_attempted":
                    report.status = "in_contact"
            elif report.reporter_contacted_at is None or aware(report.reporter_contacted_at) > read:
                report.reporter_contacted_at = read
        message.counted = True
        done += 1
    for row in dbs.scalars(select(ContactProfile).where(ContactProfile.applied.is_(False))
                           .order_by(ContactProfile.version)):
        report = dbs.get(Report, row.report_id)
        if report is not None and row.about == "person":
            apply_profile(report, row)
        row.applied = True
        done += 1
    done += date_new(dbs)  # complaints made through a receipt get their response deadline
    if done:
        dbs.commit()
    return done


__all__ = ["apply_pending"]
