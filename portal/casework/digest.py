"""A daily, content-free e-mail to each officer of what is due on their cases (`portal notify`, run every minute,
sends it once a day from DIGEST_HOUR where the team works, on working days).

It holds counts only: open tasks they own due today and overdue, reviews of the open cases they own due today and
overdue, monitoring check-ins due on their closed cases, and complaints they are to respond to, due today and
overdue; and where to sign in. Never a reference, a name, a
kind of task or a date: mailboxes are forwarded and read over shoulders. Nothing due, no e-mail.

At most once per officer per day: after the mail server accepts an officer's digest, the Setting
"digest_sent:<staff id>" is set to the day (ISO date). A setting rather than the audit log: the audit log records
what staff did to reports and is append-only, so it would grow by a row per officer per day and need a search of
it on every run; the setting is one row per officer, overwritten, read by primary key. It holds no content.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.casework.notify import send
from portal.casework.queue import OPEN_TASK
from portal.store.complaint_models import Complaint
from portal.store.followup_models import CaseTask, MonitorCheckin
from portal.store.models import Report, StaffUser
from portal.store.settings import get_setting, set_setting
from portal.workdays.working_time import is_working_day

DIGEST_HOUR = 8  # local time; app.config DIGEST_HOUR overrides
CASEWORK_ROLES = ("officer", "lead")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    tasks_today: int = 0
    tasks_overdue: int = 0
    reviews_today: int = 0
    reviews_overdue: int = 0
    checkins: int = 0
    complaints_today: int = 0
    complaints_overdue: int = 0

    @property
    def any(self) -> bool:
        return bool(self.tasks_today or self.tasks_overdue or self.reviews_today or self.reviews_overdue
                    or self.checkins or self.complaints_today or self.complaints_overdue)


def sent_key(staff_id: int) -> str:
    return f"digest_sent:{staff_id}"


def due_for(dbs: Session, staff_id: int, day: date) -> Due:
    """What is due on `day` (and before) for one member of staff: counts only."""
    def count(query: Any) -> int:
        return dbs.scalar(select(func.count()).select_from(query.subquery())) or 0

    tasks = select(CaseTask.id, CaseTask.due_on).where(CaseTask.owner_id == staff_id, OPEN_TASK,
                                                       CaseTask.due_on <= day)
    reviews = select(Report.id).where(Report.owner_id == staff_id, Report.is_open == True,  # noqa: E712
                                      Report.contacted == True, Report.next_review_on <= day)  # noqa: E712
    checkins = (select(MonitorCheckin.id).join(Report, Report.id == MonitorCheckin.report_id)
                .where(Report.owner_id == staff_id, MonitorCheckin.state == "due", MonitorCheckin.due_on <= day))
    complaints = select(Complaint.id).where(Complaint.owner_id == staff_id, Complaint.state == "open",
                                            Complaint.due_on <= day)
    return Due(tasks_today=count(tasks.where(CaseTask.due_on == day)),
               tasks_overdue=count(tasks.where(CaseTask.due_on < day)),
               reviews_today=count(reviews.where(Report.next_review_on == day)),
               reviews_overdue=count(reviews.where(Report.next_review_on < day)),
               checkins=count(checkins), complaints_today=count(complaints.where(Complaint.due_on == day)),
               complaints_overdue=count(complaints.where(Complaint.due_on < day)))


def compose_digest(config: Mapping[str, Any], staff: StaffUser, due: Due) -> EmailMessage:
    """The officer's digest: counts and a link, in their language first and then the other."""
    link = f"{config['BASE_URL']}/staff/?owner=mine"
    first = staff.language if staff.language in ("en", "cy") else "en"
    subjects, blocks = [], []
    for lang in (first, "cy" if first == "en" else "en"):
        with force_locale(lang):
            subjects.append(gettext("Your cases: what is due today"))
            lines = []
            if due.tasks_today:
                lines.append(ngettext("%(num)d task is due today.", "%(num)d tasks are due today.", due.tasks_today))
            if due.tasks_overdue:
                lines.append(ngettext("%(num)d task is overdue.", "%(num)d tasks are overdue.", due.tasks_overdue))
            if due.reviews_today:
                lines.append(ngettext("%(num)d review is due today.", "%(num)d reviews are due today.",
                                      due.reviews_today))
            if due.reviews_overdue:
                lines.append(ngettext("%(num)d review is overdue.", "%(num)d reviews are overdue.",
                                      due.reviews_overdue))
            if due.checkins:
                lines.append(ngettext("%(num)d monitoring check-in is due.", "%(num)d monitoring check-ins are due.",
                                      due.checkins))
            if due.complaints_today:
                lines.append(ngettext("%(num)d complaint needs a response today.",
                                      "%(num)d complaints need a response today.", due.complaints_today))
            if due.complaints_overdue:
                lines.append(ngettext("%(num)d complaint is overdue for a response.",
                                      "%(num)d complaints are overdue for a response.", due.complaints_overdue))
            lines += [gettext("This email never contains any details of cases. Sign in to see them:"), link]
            blocks.append("\n".join(lines))
    message = EmailMessage()
    message["Subject"] = " / ".join(subjects)
    message["From"] = config["MAIL_FROM"]
    message["To"] = staff.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost")
    message.set_content("\n\n".join(blocks) + "\n", subtype="plain", charset="utf-8")
    return message


def send_digests(dbs: Session, config: Mapping[str, Any], moment: datetime | None = None) -> int:
    """Send today's digest to each active caseworker with something due who has not had one today. Only on a
    working day, from DIGEST_HOUR. Marks each as sent only after the mail server accepts it (a failure raises
    NotifyFailed and the next run tries again). Needs an app context (for Babel). Returns how many were sent."""
    if not (config["SMTP"].get("host") and config["MAIL_FROM"]):
        return 0
    local = (moment or datetime.now(timezone.utc)).astimezone(ZoneInfo(config["TIMEZONE"]))
    day = local.date()
    if local.hour < int(config.get("DIGEST_HOUR", DIGEST_HOUR)) or not is_working_day(day, config["NATION"]):
        return 0
    sent = 0
    for staff in dbs.scalars(select(StaffUser).where(StaffUser.active.is_(True),
                                                     StaffUser.role.in_(CASEWORK_ROLES)).order_by(StaffUser.id)):
        if not staff.email or get_setting(dbs, sent_key(staff.id), "") >= day.isoformat():
            continue
        due = due_for(dbs, staff.id, day)
        if not due.any:
            continue
        send(config["SMTP"], compose_digest(config, staff, due))
        set_setting(dbs, sent_key(staff.id), day.isoformat())
        dbs.commit()
        sent += 1
    if sent:
        log.info("notify: %d daily digest(s) sent", sent)
    return sent
