"""The daily digest (issue 18): each officer, once a day on a working day from DIGEST_HOUR, gets a content-free
e-mail of the counts of what is due on their cases, through a real SMTP server on loopback."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select, update

from portal.casework.digest import send_digests, sent_key
from portal.cli import main
from portal.store.db import db
from portal.store.followup_models import CaseTask
from portal.store.models import Report, StaffUser
from portal.store.settings import get_setting
from tests.casework.test_notify import SmtpServer, add_report, body, make, smtp  # noqa: F401  (the fixture)
from tests.conftest import make_app

LONDON = ZoneInfo("Europe/London")
# Wednesday 9 December 2026, 09:30 where the team works: a working day, after the digest hour.
DAY = date(2026, 12, 9)
MORNING = datetime(2026, 12, 9, 9, 30, tzinfo=LONDON)


def staff(app: Flask, email: str, language: str = "en", role: str = "officer", active: bool = True) -> int:
    with app.extensions["sessionmaker"]() as s:
        person = StaffUser(email=email, name="", role=role, language=language, password_hash="x", totp_secret="x",
                           active=active, created_at=datetime.now(LONDON))
        s.add(person)
        s.commit()
        return person.id


def task(app: Flask, report: Report, owner: int, due_on: date, state: str = "planned") -> None:
    with app.extensions["sessionmaker"]() as s:
        s.add(CaseTask(report_id=report.id, kind="security.locks", created_at=MORNING, owner_id=owner, due_on=due_on,
                       state=state))
        s.commit()


def owned_case(app: Flask, owner: int, next_review_on: date | None = None, is_open: bool = True) -> Report:
    report = add_report(app, owner_id=owner, status="in_contact", announced=True, urgent_announced=True,
                        next_review_on=next_review_on)
    with app.extensions["sessionmaker"]() as s, s.begin():
        s.execute(update(Report).where(Report.id == report.id).values(contacted=True, is_open=is_open))
    return report


def run(app: Flask, moment: datetime = MORNING) -> int:
    with app.app_context():
        return send_digests(db(), app.config, moment)


def test_each_officer_gets_counts_only_once_a_day(instance: Path, smtp: SmtpServer) -> None:  # noqa: F811
    app = make(smtp)
    ana, bryn, idle = staff(app, "ana@example.org"), staff(app, "bryn@example.org", "cy"), staff(app, "i@example.org")
    case = owned_case(app, ana, next_review_on=DAY - timedelta(days=2))
    task(app, case, ana, DAY)
    task(app, case, ana, DAY - timedelta(days=1))
    task(app, case, ana, DAY + timedelta(days=1))
    task(app, case, ana, DAY - timedelta(days=5), state="done")
    owned_case(app, bryn, next_review_on=DAY)
    assert run(app) == 2
    by_to = {message["To"]: message for message in smtp.inbox.messages}
    assert set(by_to) == {"ana@example.org", "bryn@example.org"}  # nothing due for `idle`: no e-mail
    text = body(by_to["ana@example.org"])
    assert text.startswith("1 task is due today.\n1 task is overdue.\n1 review is overdue.\n")
    assert "https://portal.example.org/staff/?owner=mine" in text
    assert case.reference not in text and "lock" not in text.lower() and "9 Dec" not in text
    welsh = body(by_to["bryn@example.org"])
    assert welsh.startswith("Mae 1 adolygiad i'w wneud heddiw.") and "1 review is due today." in welsh
    with app.app_context():
        assert get_setting(db(), sent_key(ana), "") == DAY.isoformat()
        assert get_setting(db(), sent_key(idle), "") == ""
    # The next run (a minute later, or any time that day) sends nothing more; the next working day sends again.
    assert run(app, MORNING + timedelta(minutes=1)) == 0 and run(app, MORNING + timedelta(hours=8)) == 0
    assert len(smtp.inbox.messages) == 2
    assert run(app, MORNING + timedelta(days=1)) == 2


def test_not_before_the_digest_hour_nor_on_a_weekend(instance: Path, smtp: SmtpServer) -> None:  # noqa: F811
    app = make(smtp)
    ana = staff(app, "ana@example.org")
    owned_case(app, ana, next_review_on=DAY - timedelta(days=30))
    assert run(app, MORNING.replace(hour=7, minute=59)) == 0
    assert run(app, datetime(2026, 12, 12, 10, 0, tzinfo=LONDON)) == 0  # a Saturday
    assert smtp.inbox.messages == []
    assert run(app) == 1


def test_deactivated_staff_and_closed_cases_get_nothing(instance: Path, smtp: SmtpServer) -> None:  # noqa: F811
    app = make(smtp)
    gone = staff(app, "gone@example.org", active=False)
    ana = staff(app, "ana@example.org")
    owned_case(app, gone, next_review_on=DAY)
    owned_case(app, ana, next_review_on=DAY, is_open=False)
    assert run(app) == 0 and smtp.inbox.messages == []


def test_a_failed_send_is_not_marked_and_is_tried_again(instance: Path, smtp: SmtpServer) -> None:  # noqa: F811
    app = make(smtp)
    ana = staff(app, "ana@example.org")
    owned_case(app, ana, next_review_on=DAY)
    smtp.stop()
    from portal.casework.notify import NotifyFailed
    try:
        run(app)
    except NotifyFailed:
        pass
    else:
        raise AssertionError("the send should have failed")
    with app.app_context():
        assert get_setting(db(), sent_key(ana), "") == ""
    smtp.start()
    assert run(app) == 1


def test_portal_notify_sends_the_digest(instance: Path, smtp: SmtpServer, monkeypatch) -> None:  # noqa: F811
    from portal.cli import jobs

    monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PORTAL_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("PORTAL_MAIL_FROM", "portal@example.org")
    monkeypatch.setattr(jobs, "send_digests", lambda dbs, config: send_digests(dbs, config, MORNING))
    app = make_app()
    ana = staff(app, "ana@example.org")
    owned_case(app, ana, next_review_on=DAY - timedelta(days=3))
    result = CliRunner().invoke(main, ["notify"])
    assert result.exit_code == 0 and "Daily digest sent to 1 member(s) of staff." in result.output
    assert [message["To"] for message in smtp.inbox.messages] == ["ana@example.org"]
    assert CliRunner().invoke(main, ["notify", "--quiet"]).output == ""
    assert len(smtp.inbox.messages) == 1
    with app.extensions["sessionmaker"]() as s:
        assert s.scalar(select(Report.owner_id)) == ana


def test_complaints_to_respond_to_are_counted_and_nothing_of_them_said(instance: Path, smtp: SmtpServer) -> None:  # noqa: F811
    import uuid

    from portal.store.complaint_models import Complaint

    app = make(smtp)
    ana = staff(app, "ana@example.org")
    case = owned_case(app, ana)
    with app.extensions["sessionmaker"]() as s:
        for due, state in ((DAY, "open"), (DAY - timedelta(days=3), "open"), (DAY - timedelta(days=4), "open"),
                           (DAY - timedelta(days=9), "responded"), (DAY + timedelta(days=2), "open")):
            s.add(Complaint(id=str(uuid.uuid4()), report_id=case.id, received_on=DAY - timedelta(days=20), at=MORNING,
                            channel="phone", about="delay", language="en", owner_id=ana, due_on=due, target_days=10,
                            state=state, outcome="", announced=True, key_id="k1", sealed=b"Quokka complained"))
        s.commit()
    assert run(app) == 1
    text = body(smtp.inbox.messages[0])
    assert "1 complaint needs a response today.\n2 complaints are overdue for a response.\n" in text
    assert "Quokka" not in text and case.reference not in text
