"""`portal notify`: one content-free, bilingual e-mail per batch of arrivals, sent to a real SMTP server."""
from __future__ import annotations

import email
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from flask import Flask
from flask_babel import force_locale, get_locale, gettext, ngettext
from sqlalchemy import func, select

from portal.casework.notify import Outcome, notify
from portal.cli import main
from portal.store.db import db
from portal.store.models import Report
from portal.store.settings import set_setting
from tests.conftest import make_app

FROM, TO = "portal@example.org", "team@example.org"
# A distinctive time of arrival, so that it cannot appear in the e-mail by coincidence.
ARRIVED = datetime(2025, 3, 4, 3, 17, 29, tzinfo=timezone.utc)


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that a test can stop and start again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def make(smtp: SmtpServer, **overrides: Any) -> Flask:
    return make_app({"SMTP": {"host": "127.0.0.1", "port": smtp.port, "user": "", "password": "", "starttls": False},
                     "MAIL_FROM": FROM, "NOTIFY_TO": TO, "BASE_URL": "https://portal.example.org", **overrides})


def add_report(app: Flask, received_at: datetime = ARRIVED, status: str = "new", **columns: Any) -> Report:
    report_id = str(uuid.uuid4())
    report = Report(id=report_id, reference=f"R{report_id[:4].upper()}-{report_id[4:8].upper()}",
                    received_at=received_at, first_contact_due=received_at + timedelta(days=1),
                    reporter_kind="concerned", children=True, contact_language="cy",
                    no_contact=True, status=status, idempotency_hash=report_id.replace("-", "") * 2, key_id="k1",
                    sealed=b"sealed", is_open=True, contacted=False, **{"band": 0, "danger_now": True, **columns})
    with app.extensions["sessionmaker"]() as dbs:
        dbs.add(report)
        dbs.commit()
    return report


def run_notify(app: Flask) -> Outcome:
    with app.app_context():
        return notify(db(), app.config)


def unannounced(app: Flask) -> int:
    with app.extensions["sessionmaker"]() as dbs:
        return dbs.scalar(select(func.count()).select_from(Report).where(Report.announced.is_(False))) or 0


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


def expected(app: Flask, lang: str, waiting: int) -> tuple[str, str]:
    """The count line and the subject in `lang`, as the catalogue has them."""
    with app.app_context(), force_locale(lang):
        return (ngettext("%(num)d new report is waiting.", "%(num)d new reports are waiting.", waiting),
                gettext("New reports are waiting"))


def test_one_bilingual_content_free_email_when_reports_arrive(instance: Path, smtp: SmtpServer):
    app = make(smtp)
    reports = [add_report(app), add_report(app, ARRIVED + timedelta(minutes=3))]
    outcome = run_notify(app)
    assert outcome == Outcome(arrived=2, waiting=2, sent=True)
    (message,) = smtp.inbox.messages
    assert smtp.inbox.recipients == [[TO]] and message["To"] == TO and message["From"] == FROM
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    text = body(message)
    count_cy, subject_cy = expected(app, "cy", 2)
    count_en, subject_en = expected(app, "en", 2)
    assert "2 new reports are waiting." in text and count_cy in text
    assert message["Subject"] == f"{subject_cy} / {subject_en}"  # Wales (the test default): Welsh first
    assert text.index(count_cy) <= text.index(count_en)
    assert "https://portal.example.org/staff/" in text and "never contains any details" in text
    # Every header but Date (the moment of sending, which can share a clock time with an arrival) and the body.
    everything = "".join(f"{k}: {v}\n" for k, v in message.items() if k != "Date") + text
    for report in reports:
        assert report.reference not in everything and report.id not in everything
    lowered = text.lower()
    for word in ("danger", "child", "no_contact", "no contact", "concerned", "agency", "welsh", "cymraeg"):
        assert word not in lowered, word
    for moment in ("03:17", "03:20", "04:17", "04:20", "2025", "04/03", "4 Mar"):  # UTC and BST, dates
        assert moment not in everything, moment
    assert unannounced(app) == 0


@pytest.fixture
def tagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tag every translated string with the locale it was rendered in, so that the order of the languages
    can be checked whatever the Welsh catalogue holds."""
    import portal.casework.notify

    def tag(text: str) -> str:
        return f"[{get_locale()}] {text}"

    monkeypatch.setattr(portal.casework.notify, "gettext", lambda *a, **k: tag(gettext(*a, **k)))
    monkeypatch.setattr(portal.casework.notify, "ngettext", lambda *a, **k: tag(ngettext(*a, **k)))


@pytest.mark.parametrize(("nation", "first", "second"), [("wales", "cy", "en"), ("england", "en", "cy")])
def test_welsh_first_in_wales_english_first_in_england(instance: Path, smtp: SmtpServer, tagged: None,
                                                       nation: str, first: str, second: str):
    app = make(smtp, NATION=nation)
    add_report(app)
    run_notify(app)
    (message,) = smtp.inbox.messages
    first_subject, second_subject = message["Subject"].split(" / ")
    assert first_subject.startswith(f"[{first}] ") and second_subject.startswith(f"[{second}] ")
    link = "https://portal.example.org/staff/"
    first_block, second_block = body(message).rstrip("\n").split("\n\n")
    for block, lang in ((first_block, first), (second_block, second)):
        count, never, url = block.split("\n")
        assert count.startswith(f"[{lang}] ") and " 1 " in count and never.startswith(f"[{lang}] ") and url == link


def test_the_welsh_half_is_in_welsh(instance: Path, smtp: SmtpServer):
    app = make(smtp)
    assert expected(app, "cy", 2) != expected(app, "en", 2)


def test_nothing_new_sends_nothing_and_a_later_report_sends_again(instance: Path, smtp: SmtpServer):
    app = make(smtp)
    add_report(app)
    assert run_notify(app).sent
    assert run_notify(app) == Outcome(arrived=0, waiting=0, sent=False)
    assert len(smtp.inbox.messages) == 1
    add_report(app, ARRIVED + timedelta(hours=1))
    assert run_notify(app) == Outcome(arrived=1, waiting=2, sent=True)  # both are still waiting
    assert len(smtp.inbox.messages) == 2 and "2 new reports are waiting." in body(smtp.inbox.messages[1])


def test_the_count_is_of_reports_still_new(instance: Path, smtp: SmtpServer):
    app = make(smtp)
    add_report(app)
    add_report(app, status="contact_attempted")
    assert run_notify(app) == Outcome(arrived=2, waiting=1, sent=True)
    assert "1 new report is waiting." in body(smtp.inbox.messages[0])


def test_arrivals_already_picked_up_need_no_email(instance: Path, smtp: SmtpServer):
    app = make(smtp)
    picked_up = add_report(app, status="in_contact")
    assert run_notify(app) == Outcome(arrived=1, waiting=0, sent=False)
    assert smtp.inbox.messages == [] and unannounced(app) == 0 and picked_up.reference


def test_the_address_set_by_a_lead_wins_over_the_configured_one(instance: Path, smtp: SmtpServer):
    app = make(smtp)
    with app.extensions["sessionmaker"]() as dbs:
        set_setting(dbs, "notify_to", "duty@example.org")
        dbs.commit()
    add_report(app)
    run_notify(app)
    assert smtp.inbox.recipients == [["duty@example.org"]]


def test_smtp_down_leaves_reports_unannounced_so_the_next_run_sends(instance: Path, smtp: SmtpServer, monkeypatch):
    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("PORTAL_MAIL_FROM", FROM)
    monkeypatch.setenv("PORTAL_NOTIFY_TO", TO)
    app = make_app()
    add_report(app)
    smtp.stop()
    failed = CliRunner().invoke(main, ["notify", "--quiet"])
    assert failed.exit_code == 1 and "Could not send" in failed.output and TO not in failed.output
    assert unannounced(app) == 1
    smtp.start()
    sent = CliRunner().invoke(main, ["notify", "--quiet"])
    assert sent.exit_code == 0 and sent.output == ""
    assert len(smtp.inbox.messages) == 1 and unannounced(app) == 0
    again = CliRunner().invoke(main, ["notify"])
    assert again.exit_code == 0 and "No new reports" in again.output and len(smtp.inbox.messages) == 1


def test_not_configured_says_so_and_announces_nothing(instance: Path, smtp: SmtpServer, monkeypatch):
    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("PORTAL_MAIL_FROM", FROM)
    monkeypatch.delenv("PORTAL_NOTIFY_TO", raising=False)
    app = make_app()
    add_report(app)
    result = CliRunner().invoke(main, ["notify"])
    assert result.exit_code == 0 and "no e-mail sent" in result.output
    assert unannounced(app) == 1 and smtp.inbox.messages == []
    monkeypatch.setenv("PORTAL_NOTIFY_TO", TO)
    result = CliRunner().invoke(main, ["notify"])
    assert result.exit_code == 0 and "E-mail sent: 1 new report(s) waiting." in result.output
    assert len(smtp.inbox.messages) == 1


def test_a_report_that_shows_up_late_is_still_announced(instance: Path, smtp: SmtpServer):
    """Replayed from the spool after an outage (or committed a moment after a run read the table), a report
    can appear with a received time earlier than one already announced. It still gets its e-mail."""
    app = make(smtp)
    add_report(app, ARRIVED + timedelta(minutes=10))
    assert run_notify(app).sent
    add_report(app, ARRIVED)  # received earlier, visible only now
    assert run_notify(app) == Outcome(arrived=1, waiting=2, sent=True)
    assert len(smtp.inbox.messages) == 2 and unannounced(app) == 0


def test_the_upgrade_keeps_what_the_old_marker_had_announced(instance: Path):
    """Migration 0003 turns the old time marker into per-report flags: nothing announced twice or never."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from portal.store.db import alembic_config
    app = make_app()  # the URL (SQLite, or the PostgreSQL pass's schema) and keys
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0002")
    engine = create_engine(url)
    columns = ("id, reference, received_at, first_contact_due, reporter_kind, danger_now, children, "
               "contact_language, no_contact, status, is_open, band, contacted, idempotency_hash, key_id, sealed")
    with engine.begin() as conn:
        for n, minutes in enumerate((0, 10)):
            moment = ARRIVED + timedelta(minutes=minutes)
            conn.execute(text(f"INSERT INTO report ({columns}) VALUES (:id, :ref, :at, :at, 'self', false, false, "
                              "'en', false, 'new', true, 2, false, :key, 'k', :sealed)"),
                         {"id": f"id-{n}", "ref": f"REF{n}-AAAA", "at": moment, "key": f"{n}" * 64, "sealed": b"x"})
        conn.execute(text("INSERT INTO setting (name, value) VALUES ('notify_marker', :v)"),
                     {"v": ARRIVED.isoformat()})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        flags = dict(conn.execute(text("SELECT id, announced FROM report ORDER BY id")).all())
        marker = conn.execute(text("SELECT count(*) FROM setting WHERE name = 'notify_marker'")).scalar()
    engine.dispose()
    assert {k: bool(v) for k, v in flags.items()} == {"id-0": True, "id-1": False} and marker == 0


ONCALL = "oncall@example.org"


def test_urgent_reports_go_at_once_to_the_on_call_address_and_say_only_how_many(instance: Path, smtp: SmtpServer):
    """In danger now, or marked urgent: the on-call address is told, whatever the hour, in both languages, with
    nothing but the count; once per report."""
    app = make(smtp, ONCALL_TO=ONCALL)
    danger = add_report(app, received_at=datetime(2026, 12, 5, 23, 40, tzinfo=timezone.utc))  # a Saturday night
    calm = add_report(app, band=2, danger_now=False)
    outcome = run_notify(app)
    assert outcome.urgent == 1
    on_call = [m for m, to in zip(smtp.inbox.messages, smtp.inbox.recipients, strict=True) if to == [ONCALL]]
    team = [m for m, to in zip(smtp.inbox.messages, smtp.inbox.recipients, strict=True) if to == [TO]]
    assert len(on_call) == 1 and len(team) == 1
    text = body(on_call[0])
    with app.app_context():
        for lang in ("cy", "en"):
            with force_locale(lang):
                line = ngettext("%(num)d urgent report is waiting.", "%(num)d urgent reports are waiting.", 1)
            assert line in text, lang
    for secret in (danger.reference, danger.id, calm.reference, "danger", "23:40", "Saturday"):
        assert secret not in text and secret not in on_call[0]["Subject"], secret
    assert run_notify(app).urgent == 0  # said once
    # An officer marks the calm one urgent: the on-call address hears of it, and only of it.
    with app.extensions["sessionmaker"]() as dbs:
        row = dbs.get(Report, calm.id)
        row.band, row.urgent, row.urgent_announced = 0, True, False
        dbs.commit()
    assert run_notify(app).urgent == 1
    assert len([to for to in smtp.inbox.recipients if to == [ONCALL]]) == 2


def test_no_on_call_address_means_no_on_call_e_mail(instance: Path, smtp: SmtpServer):
    app = make(smtp)
    add_report(app)
    assert run_notify(app).urgent == 0
    assert all(to == [TO] for to in smtp.inbox.recipients)


def test_the_on_call_address_can_be_set_on_the_settings_page(instance: Path, smtp: SmtpServer):
    app = make(smtp)
    with app.app_context():
        set_setting(db(), "oncall_to", ONCALL)
        db().commit()
    add_report(app)
    assert run_notify(app).urgent == 1 and [ONCALL] in smtp.inbox.recipients
