"""A content-free e-mail to the team when reports arrive (`portal notify`, run from cron every minute).

The e-mail says only how many reports (and reporters' messages and complaints) are waiting and where to sign in.
Urgent reports (someone in danger now, or marked urgent by an officer) also go, at once and at any hour, to a
separate on-call address (`PORTAL_ONCALL_TO`, or the Settings page): "1 urgent report is waiting", nothing more. It
never carries a reference, a flag, a kind, a name or a time: mailboxes are forwarded, synced to phones and read over
shoulders.

Each report has an `announced` flag. A run counts the reports not yet announced and, only after the SMTP
server has accepted the message, marks exactly those as announced: a failed send is retried on the next run,
a successful one is never repeated, and a report that becomes visible late (committed a moment after a run
read the table, or replayed from the spool after an outage) is announced by the next run.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import false, func, select, update
from sqlalchemy.orm import Session

from portal.store.complaint_models import Complaint
from portal.store.models import Message, Report
from portal.store.settings import get_setting

SMTP_TIMEOUT = 20  # seconds: well inside cron's minute, so runs do not pile up behind a dead server

log = logging.getLogger(__name__)


class NotifyFailed(Exception):
    """The SMTP server could not be reached or refused the message. Carries no address."""


@dataclass(frozen=True)
class Outcome:
    arrived: int  # reports not announced before this run
    waiting: int  # reports still with status "new"
    sent: bool
    configured: bool = True
    messages: int = 0  # messages from reporters (with a receipt) not announced before this run
    urgent: int = 0  # urgent reports sent to the on-call address by this run
    complaints: int = 0  # complaints made through a receipt not announced before this run


def recipient(dbs: Session, config: Mapping[str, Any]) -> str:
    return get_setting(dbs, "notify_to", config["NOTIFY_TO"] or "").strip()


def on_call(dbs: Session, config: Mapping[str, Any]) -> str:
    return get_setting(dbs, "oncall_to", config.get("ONCALL_TO") or "").strip()


def languages(nation: str) -> tuple[str, str]:
    """Welsh first in Wales (the Welsh Language Standards), English first elsewhere."""
    return ("cy", "en") if nation == "wales" else ("en", "cy")


def compose(config: Mapping[str, Any], to: str, waiting: int, messages: int = 0, urgent: int = 0,
            complaints: int = 0) -> EmailMessage:
    """The whole message: counts and a link, in both languages. Needs an app context (for Babel). With
    `urgent`, the on-call message: only how many urgent reports wait."""
    link = f"{config['BASE_URL']}/staff/"
    subjects: list[str] = []
    blocks: list[str] = []
    for lang in languages(config["NATION"]):
        with force_locale(lang):
            lines = []
            if urgent:
                subjects.append(ngettext("%(num)d urgent report is waiting", "%(num)d urgent reports are waiting",
                                         urgent))
                lines.append(ngettext("%(num)d urgent report is waiting.", "%(num)d urgent reports are waiting.",
                                      urgent))
            else:
                subjects.append(gettext("New reports are waiting") if waiting else gettext("New messages are waiting")
                                if messages else gettext("New complaints are waiting"))
            if waiting:
                lines.append(ngettext("%(num)d new report is waiting.", "%(num)d new reports are waiting.", waiting))
            if messages:
                lines.append(ngettext("%(num)d new message from a reporter is waiting.",
                                      "%(num)d new messages from reporters are waiting.", messages))
            if complaints:
                lines.append(ngettext("%(num)d new complaint from a reporter is waiting.",
                                      "%(num)d new complaints from reporters are waiting.", complaints))
            lines += [gettext("This email never contains any details of reports. Sign in to see them:"), link]
            blocks.append("\n".join(lines))
    message = EmailMessage()
    message["Subject"] = " / ".join(subjects)
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    # Date and Message-ID by hand: a message without them looks like spam to many filters.
    message["Date"] = formatdate(localtime=False)
    # The sender's domain, not this host's name: the triage host need not announce itself.
    message["Message-ID"] = make_msgid(domain=parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost")
    message.set_content("\n\n".join(blocks) + "\n", subtype="plain", charset="utf-8")
    return message


def send(smtp: Mapping[str, Any], message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(smtp["host"], int(smtp["port"]), timeout=SMTP_TIMEOUT) as server:
            if smtp.get("starttls"):
                server.starttls(context=ssl.create_default_context())
            if smtp.get("user"):
                server.login(smtp["user"], smtp.get("password") or "")
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        # Only the kind of failure: SMTP errors can quote the addresses they refused.
        raise NotifyFailed(type(exc).__name__) from exc


def notify_urgent(dbs: Session, config: Mapping[str, Any]) -> int:
    """Tell the on-call address how many urgent reports have become urgent since the last time (in danger now,
    or marked urgent), whatever the hour. Marked only after the mail server accepts. Returns how many."""
    urgent = list(dbs.scalars(select(Report.id).where(Report.band == 0, Report.urgent_announced == false(),
                                                     Report.is_open.is_(True))))
    to = on_call(dbs, config)
    if not urgent or not (config["SMTP"].get("host") and to and config["MAIL_FROM"]):
        return 0
    send(config["SMTP"], compose(config, to, 0, 0, urgent=len(urgent)))
    for start in range(0, len(urgent), 500):
        dbs.execute(update(Report).where(Report.id.in_(urgent[start:start + 500])).values(urgent_announced=True))
    dbs.commit()
    log.info("notify: %d urgent report(s) sent to the on-call address", len(urgent))
    return len(urgent)


def notify(dbs: Session, config: Mapping[str, Any]) -> Outcome:
    """Send the on-call e-mail if reports became urgent, and the team's if reports have arrived since the
    last one. Needs an app context (for Babel)."""
    urgent = notify_urgent(dbs, config)
    outcome = _notify_team(dbs, config)
    return Outcome(outcome.arrived, outcome.waiting, outcome.sent, outcome.configured, outcome.messages, urgent,
                   outcome.complaints)


def _notify_team(dbs: Session, config: Mapping[str, Any]) -> Outcome:
    fresh = list(dbs.scalars(select(Report.id).where(Report.announced == false())))
    # A reporter's message is counted once, like a report; seen ones (a caseworker got there first) are not.
    fresh_messages = list(dbs.execute(select(Message.id, Message.seen).where(Message.from_reporter.is_(True),
                                                                            Message.announced == false())))
    # A complaint made through a receipt is counted once, like a message, whether or not anyone has seen it.
    fresh_complaints = list(dbs.scalars(select(Complaint.id).where(Complaint.announced == false())))
    if not fresh and not fresh_messages and not fresh_complaints:
        return Outcome(arrived=0, waiting=0, sent=False)
    to = recipient(dbs, config)
    if not (config["SMTP"].get("host") and to and config["MAIL_FROM"]):
        return Outcome(arrived=len(fresh), waiting=0, sent=False, configured=False,
                       messages=sum(1 for row in fresh_messages if not row.seen), complaints=len(fresh_complaints))
    waiting = (dbs.scalar(select(func.count()).select_from(Report).where(Report.status == "new")) or 0) if fresh else 0
    unread = sum(1 for row in fresh_messages if not row.seen)
    complaints = len(fresh_complaints)
    if waiting or unread or complaints:
        send(config["SMTP"], compose(config, to, waiting, unread, complaints=complaints))
    # else: everything that arrived has already been picked up or read; there is nothing to tell anyone,
    # and nothing to retry, so it counts as announced without an e-mail.
    for start in range(0, len(fresh), 500):
        dbs.execute(update(Report).where(Report.id.in_(fresh[start:start + 500])).values(announced=True))
    message_ids = [row.id for row in fresh_messages]
    for start in range(0, len(message_ids), 500):
        dbs.execute(update(Message).where(Message.id.in_(message_ids[start:start + 500])).values(announced=True))
    for start in range(0, complaints, 500):
        dbs.execute(update(Complaint).where(Complaint.id.in_(fresh_complaints[start:start + 500]))
                    .values(announced=True))
    dbs.commit()
    sent = bool(waiting or unread or complaints)
    log.info("notify: %d arrived, %d waiting, %d new messages, %d new complaints, e-mail %s", len(fresh), waiting,
             unread, complaints, "sent" if sent else "not needed")
    return Outcome(arrived=len(fresh), waiting=waiting, sent=sent, messages=unread, complaints=complaints)
