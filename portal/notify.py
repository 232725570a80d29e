"""A content-free e-mail to the team when reports arrive (`portal notify`, run from cron every minute).

The e-mail says only how many reports are waiting and where to sign in. It never carries a reference, a
flag, a kind, a name or a time: mailboxes are forwarded, synced to phones and read over shoulders.

A marker (setting `notify_marker`: the newest `received_at` already told about) keeps a run from repeating
the last one. It moves only after the SMTP server has accepted the message, so a failed send is retried on
the next run and a successful one is never repeated.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Mapping

from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Report
from portal.settings_store import get_setting, set_setting

MARKER = "notify_marker"
SMTP_TIMEOUT = 20  # seconds: well inside cron's minute, so runs do not pile up behind a dead server

log = logging.getLogger(__name__)


class NotifyFailed(Exception):
    """The SMTP server could not be reached or refused the message. Carries no address."""


@dataclass(frozen=True)
class Outcome:
    arrived: int  # reports received since the marker
    waiting: int  # reports still with status "new"
    sent: bool
    configured: bool = True


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; we only ever store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def read_marker(dbs: Session) -> datetime | None:
    value = get_setting(dbs, MARKER, "")
    if not value:
        return None
    try:
        return _aware(datetime.fromisoformat(value))
    except ValueError:
        # A damaged marker must not silence notifications: treat it as "never notified".
        log.warning("notify: ignoring an unreadable marker")
        return None


def recipient(dbs: Session, config: Mapping[str, Any]) -> str:
    return get_setting(dbs, "notify_to", config["NOTIFY_TO"] or "").strip()


def languages(nation: str) -> tuple[str, str]:
    """Welsh first in Wales (the Welsh Language Standards), English first elsewhere."""
    return ("cy", "en") if nation == "wales" else ("en", "cy")


def compose(config: Mapping[str, Any], to: str, waiting: int) -> EmailMessage:
    """The whole message: a count and a link, in both languages. Needs an app context (for Babel)."""
    link = f"{config['BASE_URL']}/staff/"
    subjects: list[str] = []
    blocks: list[str] = []
    for lang in languages(config["NATION"]):
        with force_locale(lang):
            subjects.append(gettext("New reports are waiting"))
            blocks.append("\n".join((
                ngettext("%(num)d new report is waiting.", "%(num)d new reports are waiting.", waiting),
                gettext("This email never contains any details of reports. Sign in to see them:"),
                link,
            )))
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


def notify(dbs: Session, config: Mapping[str, Any]) -> Outcome:
    """Send one e-mail if reports have arrived since the last one. Needs an app context (for Babel)."""
    marker = read_marker(dbs)
    since = select(func.count(), func.max(Report.received_at)).select_from(Report)
    if marker is not None:
        since = since.where(Report.received_at > marker)
    arrived, newest = dbs.execute(since).one()
    if not arrived:
        return Outcome(arrived=0, waiting=0, sent=False)
    to = recipient(dbs, config)
    if not (config["SMTP"].get("host") and to and config["MAIL_FROM"]):
        return Outcome(arrived=arrived, waiting=0, sent=False, configured=False)
    waiting = dbs.scalar(select(func.count()).select_from(Report).where(Report.status == "new")) or 0
    if waiting:
        send(config["SMTP"], compose(config, to, waiting))
    # else: every report that arrived has already been picked up; there is nothing to tell anyone, and
    # nothing to retry, so the marker moves on without an e-mail.
    set_setting(dbs, MARKER, _aware(newest).isoformat())
    dbs.commit()
    log.info("notify: %d arrived, %d waiting, e-mail %s", arrived, waiting, "sent" if waiting else "not needed")
    return Outcome(arrived=arrived, waiting=waiting, sent=bool(waiting))
