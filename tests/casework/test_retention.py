"""`portal purge`: closed cases go after the retention period, leaving counts and their audit trail."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

import portal.casework.retention
from portal.casework.retention import purge
from portal.cli import main
from portal.store.models import AuditEvent, CaseEntry, ContactAttempt, PurgedTally, Report, StaffUser, WebSession
from portal.store.settings import set_setting
from tests.conftest import make_app

NOW = datetime.now(timezone.utc)
LONG_AGO = NOW - timedelta(days=7 * 365)  # the default retention is six years


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["purge", *args])


def add_case(app: Flask, *, received_at: datetime, closed_at: datetime | None, kind: str = "self",
             reason: str | None = "support_in_place", entries: bool = True) -> str:
    """A case with a contact attempt, a note and an audit event; returns its id."""
    report_id = str(uuid.uuid4())
    with app.extensions["sessionmaker"]() as dbs:
        staff_id = dbs.scalar(select(StaffUser.id))
        if staff_id is None:
            staff = StaffUser(email="officer@example.org", role="officer", password_hash="x", totp_secret="x",
                              created_at=NOW)
            dbs.add(staff)
            dbs.flush()
            staff_id = staff.id
        reference = f"P{report_id[:4]}-{report_id[4:8]}".upper()
        dbs.add(Report(id=report_id, reference=reference, received_at=received_at,
                       first_contact_due=received_at + timedelta(days=1), reporter_kind=kind, danger_now=False,
                       children=False, contact_language="en", no_contact=False,
                       status="case_open" if closed_at is None else "closed", idempotency_hash=uuid.uuid4().hex * 2,
                       key_id="k1",
                       sealed=b"sealed", is_open=closed_at is None, band=2, contacted=True, closed_at=closed_at,
                       close_reason=None if closed_at is None else reason))
        dbs.flush()
        if entries:
            dbs.add(ContactAttempt(report_id=report_id, at=received_at, staff_id=staff_id, method="phone",
                                   outcome="spoke", profile_checked=True))
            dbs.add(CaseEntry(id=str(uuid.uuid4()), report_id=report_id, at=received_at, staff_id=staff_id,
                              kind="note", key_id="k1", sealed=b"sealed note"))
        dbs.add(AuditEvent(at=received_at, actor=f"staff:{staff_id}", action="case.opened", report_id=report_id,
                           detail=""))
        dbs.commit()
    return report_id


def counts(app: Flask) -> dict[str, Any]:
    with app.extensions["sessionmaker"]() as dbs:
        return {
            "reports": set(dbs.scalars(select(Report.id))),
            "attempts": set(dbs.scalars(select(ContactAttempt.report_id))),
            "entries": set(dbs.scalars(select(CaseEntry.report_id))),
            "tally": {(t.month, t.reporter_kind, t.close_reason): t.count for t in dbs.scalars(select(PurgedTally))},
            "audit": [(e.action, e.report_id, e.actor, e.detail)
                      for e in dbs.scalars(select(AuditEvent).order_by(AuditEvent.id))],
        }


@pytest.fixture
def app(instance: Path) -> Flask:
    return make_app()


def test_old_closed_cases_go_with_their_entries_leaving_counts_and_audit_trail(app: Flask):
    may = datetime(2018, 5, 10, 12, 0, tzinfo=timezone.utc)
    old = [add_case(app, received_at=may, closed_at=LONG_AGO, kind="concerned", reason="declined"),
           add_case(app, received_at=may + timedelta(days=2), closed_at=LONG_AGO, kind="concerned", reason="declined"),
           add_case(app, received_at=may, closed_at=LONG_AGO - timedelta(days=30), kind="agency", reason=None)]
    recent = add_case(app, received_at=may, closed_at=NOW - timedelta(days=10))
    still_open = add_case(app, received_at=may, closed_at=None)
    with app.extensions["sessionmaker"]() as dbs:  # a tally from an earlier purge is added to, not replaced
        dbs.add(PurgedTally(month="2018-05", reporter_kind="concerned", close_reason="declined", count=5))
        dbs.commit()
    result = run()
    assert result.exit_code == 0, result.output
    assert result.output == "Deleted 3 closed case(s) and 0 expired session(s).\n"
    after = counts(app)
    assert after["reports"] == after["attempts"] == after["entries"] == {recent, still_open}
    assert after["tally"] == {("2018-05", "concerned", "declined"): 7, ("2018-05", "agency", "unknown"): 1}
    opened = [(action, rid) for action, rid, _actor, _detail in after["audit"] if action == "case.opened"]
    assert sorted(rid for _a, rid in opened) == sorted(old + [recent, still_open])  # the trail survives
    assert after["audit"][-1] == ("cases.purged", None, "cli:purge", "count:3")


def test_running_twice_is_harmless(app: Flask):
    add_case(app, received_at=LONG_AGO, closed_at=LONG_AGO)
    kept = add_case(app, received_at=LONG_AGO, closed_at=None)
    assert run().exit_code == 0
    first = counts(app)
    again = run()
    assert again.exit_code == 0 and again.output.startswith("Deleted 0 closed case(s)")
    assert counts(app) == first and first["reports"] == {kept}
    assert [a for a in first["audit"] if a[0] == "cases.purged"] == [("cases.purged", None, "cli:purge", "count:1")]


def test_dry_run_deletes_nothing(app: Flask):
    add_case(app, received_at=LONG_AGO, closed_at=LONG_AGO)
    add_case(app, received_at=LONG_AGO, closed_at=LONG_AGO, entries=False)
    add_case(app, received_at=LONG_AGO, closed_at=NOW)
    with app.extensions["sessionmaker"]() as dbs:
        dbs.add(WebSession(id_hash="a" * 64, data="{}", expires_at=NOW - timedelta(hours=1)))
        dbs.commit()
    before = counts(app)
    result = run("--dry-run")
    assert result.exit_code == 0 and result.output == "Would delete 2 closed case(s).\n"
    assert counts(app) == before
    with app.extensions["sessionmaker"]() as dbs:
        assert dbs.scalar(select(func.count()).select_from(WebSession)) == 1


def test_expired_web_sessions_go_and_live_ones_stay(app: Flask):
    with app.extensions["sessionmaker"]() as dbs:
        dbs.add(WebSession(id_hash="a" * 64, data="{}", expires_at=NOW - timedelta(minutes=1)))
        dbs.add(WebSession(id_hash="b" * 64, data="{}", expires_at=NOW + timedelta(hours=1)))
        dbs.commit()
    result = run()
    assert result.exit_code == 0 and result.output == "Deleted 0 closed case(s) and 1 expired session(s).\n"
    with app.extensions["sessionmaker"]() as dbs:
        assert list(dbs.scalars(select(WebSession.id_hash))) == ["b" * 64]
        assert dbs.scalar(select(func.count()).select_from(AuditEvent)) == 0  # nothing purged, nothing recorded


def test_the_period_a_lead_set_wins_over_the_configured_one(app: Flask):
    gone = add_case(app, received_at=NOW - timedelta(days=90), closed_at=NOW - timedelta(days=40))
    kept = add_case(app, received_at=NOW - timedelta(days=90), closed_at=NOW - timedelta(days=20))
    assert run().output.startswith("Deleted 0 closed case(s)")  # six years by default
    with app.extensions["sessionmaker"]() as dbs:
        set_setting(dbs, "retention_days", "30")
        dbs.commit()
    assert run().output.startswith("Deleted 1 closed case(s)")
    reports = counts(app)["reports"]
    assert kept in reports and gone not in reports


def test_a_period_below_the_floor_is_refused(app: Flask):
    add_case(app, received_at=NOW - timedelta(days=9), closed_at=NOW - timedelta(days=8))
    with app.extensions["sessionmaker"]() as dbs:
        set_setting(dbs, "retention_days", "7")
        dbs.commit()
    result = run()
    assert result.exit_code == 1 and "least allowed is 30" in result.output
    assert len(counts(app)["reports"]) == 1


def test_many_cases_go_in_batches_with_one_audit_event(app: Flask, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(portal.casework.retention, "BATCH", 2)
    for _ in range(5):
        add_case(app, received_at=LONG_AGO, closed_at=LONG_AGO)
    kept = add_case(app, received_at=LONG_AGO, closed_at=None)
    with app.app_context():
        assert purge(app.extensions["sessionmaker"], app.config).cases == 5
    after = counts(app)
    assert after["reports"] == {kept} and sum(after["tally"].values()) == 5
    assert [a for a in after["audit"] if a[0] == "cases.purged"] == [("cases.purged", None, "cli:purge", "count:5")]


def test_the_month_is_the_local_month(app: Flask):
    # 23:30 UTC on 31 May is 00:30 on 1 June in the UK (BST): the team counts it in June.
    add_case(app, received_at=datetime(2018, 5, 31, 23, 30, tzinfo=timezone.utc), closed_at=LONG_AGO)
    assert run().exit_code == 0
    assert counts(app)["tally"] == {("2018-06", "self", "support_in_place"): 1}


def test_entries_are_deleted_explicitly_not_by_cascade(app: Flask):
    # A connection without SQLite's foreign_keys pragma (a maintenance shell's, say) does not cascade.
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    engine = create_engine(app.config["DATABASE_URL"])
    add_case(app, received_at=LONG_AGO, closed_at=LONG_AGO)
    with app.app_context():
        assert purge(sessionmaker(engine), app.config).cases == 1
    engine.dispose()
    after = counts(app)
    assert after["reports"] == after["attempts"] == after["entries"] == set()


def test_a_purged_case_takes_its_complaints_and_feedback_and_the_survivors_counts_stay(app: Flask):
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from portal.store.complaint_models import Complaint, FeedbackTally, SurvivorFeedback

    report_id = add_case(app, received_at=LONG_AGO, closed_at=LONG_AGO)
    with app.extensions["sessionmaker"]() as dbs:
        dbs.add(Complaint(id=str(uuid.uuid4()), report_id=report_id, received_on=LONG_AGO.date(), at=LONG_AGO,
                          channel="letter", about="delay", language="en", target_days=10, state="closed",
                          outcome="upheld", announced=True, key_id="k1", sealed=b"sealed complaint"))
        dbs.add(SurvivorFeedback(id=str(uuid.uuid4()), report_id=report_id, at=LONG_AGO, state="given",
                                 language="en", key_id="k1", sealed=b"sealed answers"))
        dbs.add(FeedbackTally(id=str(uuid.uuid4()), month="2019-11", safer="yes", contact_way="yes", commented=False))
        dbs.commit()
    engine = create_engine(app.config["DATABASE_URL"])  # no foreign_keys pragma: nothing cascades by itself
    with app.app_context():
        assert purge(sessionmaker(engine), app.config).cases == 1
    engine.dispose()
    with app.extensions["sessionmaker"]() as dbs:
        assert dbs.scalars(select(Complaint)).all() == [] and dbs.scalars(select(SurvivorFeedback)).all() == []
        assert len(dbs.scalars(select(FeedbackTally)).all()) == 1
