"""Migrations upgrade a populated database (on SQLite, and on PostgreSQL in the PostgreSQL pass)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import create_engine, text

from portal.store.db import alembic_config
from tests.conftest import make_app

ARRIVED = datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc)  # a Monday morning
REPORT = ("id, reference, received_at, first_contact_due, reporter_kind, danger_now, children, contact_language, "
          "no_contact, status, is_open, band, contacted, first_contact_at, idempotency_hash, key_id, sealed")


def _report(conn: Any, n: int, kind: str, *, no_contact: bool = False, contacted: bool = False,
            danger: bool = False) -> str:
    rid = f"report-{n}"
    conn.execute(text(f"INSERT INTO report ({REPORT}) VALUES (:id, :ref, :at, :due, :kind, :danger, false, 'en', "
                      ":nc, 'contact_attempted', true, :band, :contacted, :first, :key, 'k', :sealed)"),
                 {"id": rid, "ref": f"REF{n}-AAAA", "at": ARRIVED, "due": ARRIVED + timedelta(hours=7), "kind": kind,
                  "danger": danger, "nc": no_contact, "band": 0 if danger else 2, "contacted": contacted,
                  "first": ARRIVED + timedelta(hours=1) if contacted else None, "key": f"{n}" * 64, "sealed": b"x"})
    return rid


def _attempt(conn: Any, rid: str, method: str, outcome: str, hours: int) -> None:
    conn.execute(text("INSERT INTO contact_attempt (report_id, at, staff_id, method, outcome, profile_checked) "
                      "VALUES (:rid, :at, 1, :method, :outcome, true)"),
                 {"rid": rid, "at": ARRIVED + timedelta(hours=hours), "method": method, "outcome": outcome})


def test_0006_recomputes_the_clock_from_what_was_recorded(instance: Path):
    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff_user (id, email, name, role, language, password_hash, totp_secret, "
                          "totp_enrolled, totp_last_step, active, session_epoch, created_at) VALUES (1, 'o@x.org', "
                          "'O', 'officer', 'en', 'h', 's', true, 0, true, 0, :at)"), {"at": ARRIVED})
        spoke = _report(conn, 1, "self", contacted=True)
        _attempt(conn, spoke, "call", "no_answer", 1)
        _attempt(conn, spoke, "call", "spoke", 2)
        neighbour = _report(conn, 2, "concerned", contacted=True)
        _attempt(conn, neighbour, "email", "message_sent", 1)  # e-mailing the neighbour stopped the old clock
        agency = _report(conn, 3, "agency", no_contact=True, contacted=True, danger=True)
        _attempt(conn, agency, "referrer", "spoke", 3)
        quiet = _report(conn, 4, "self", no_contact=True)
        replied = _report(conn, 5, "self", contacted=True)
        _attempt(conn, replied, "message", "message_sent", 1)  # a reply: counts once read
        conn.execute(text("INSERT INTO conversation (id, report_id, lookup, public_key, created_at, contact_tried) "
                          "VALUES ('c5', :rid, 'l5', :pk, :at, true)"), {"rid": replied, "pk": b"p", "at": ARRIVED})
        conn.execute(text("INSERT INTO message (id, conversation_id, report_id, at, from_reporter, staff_id, language,"
                          " seen, announced, key_id, sealed) VALUES ('m5', 'c5', :rid, :at, false, 1, 'en', true, true,"
                          " 'k', :s)"), {"rid": replied, "at": ARRIVED + timedelta(hours=1), "s": b"x"})
        unread = _report(conn, 6, "self", contacted=True)
        _attempt(conn, unread, "message", "message_sent", 1)
        conn.execute(text("INSERT INTO conversation (id, report_id, lookup, public_key, created_at, contact_tried) "
                          "VALUES ('c6', :rid, 'l6', :pk, :at, true)"), {"rid": unread, "pk": b"p", "at": ARRIVED})
        conn.execute(text("INSERT INTO message (id, conversation_id, report_id, at, from_reporter, staff_id, language,"
                          " seen, announced, key_id, sealed) VALUES ('m6', 'c6', :rid, :at, false, 1, 'en', false, "
                          "true, 'k', :s)"), {"rid": unread, "at": ARRIVED + timedelta(hours=1), "s": b"x"})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(text(
            "SELECT id, contacted, first_contact_at, target_due, first_contact_due, clock, approach, no_contact, "
            "reporter_contacted_at, urgent_announced FROM report"))}
        attempts = conn.execute(text("SELECT report_id, method, party, reached FROM contact_attempt ORDER BY id")).all()
    engine.dispose()

    def at(value: Any) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    assert at(rows[spoke].first_contact_at) == ARRIVED + timedelta(hours=2) and rows[spoke].contacted
    assert not rows[neighbour].contacted and rows[neighbour].first_contact_at is None  # only the neighbour
    assert at(rows[neighbour].reporter_contacted_at) == ARRIVED + timedelta(hours=1)
    assert (rows[neighbour].clock, rows[neighbour].approach) == ("triage", "unknown")
    assert (rows[agency].approach, bool(rows[agency].no_contact)) == ("via_referrer", False)
    assert at(rows[agency].first_contact_at) == ARRIVED + timedelta(hours=3)  # through the referrer, as asked
    assert (rows[quiet].clock, rows[quiet].approach, rows[quiet].contacted) == ("triage", "not_at_all", False)
    assert rows[replied].contacted and at(rows[replied].first_contact_at) == ARRIVED + timedelta(hours=1)
    assert not rows[unread].contacted  # a reply nobody has read has not reached anyone
    assert all(at(r.target_due) == at(r.first_contact_due) for r in rows.values())
    assert all(r.urgent_announced for r in rows.values())  # nothing old is sent to the on-call address
    parties = {(rid, method): (party, bool(reached)) for rid, method, party, reached in attempts if method != "call"}
    assert parties[(neighbour, "email")] == ("reporter", False)
    assert parties[(agency, "referrer")] == ("go_between", True)
    assert parties[(replied, "message")] == ("person", False)


def test_0007_keeps_old_reports_open_to_the_team_and_staff_answers_as_staff_answers(instance: Path):
    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0006")
    engine = create_engine(url)
    with engine.begin() as conn:
        answered = _report(conn, 1, "self")
        unanswered = _report(conn, 2, "agency")
        conn.execute(text("UPDATE report SET repeat = true WHERE id = :id"), {"id": answered})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(text(
            "SELECT id, repeat, repeat_by_staff, channel, taken_by, restricted, indexed_key FROM report"))}
        counts = [conn.scalar(text(f"SELECT count(*) FROM {table}"))
                  for table in ("blind_index", "case_link", "case_access")]
    engine.dispose()
    assert bool(rows[answered].repeat_by_staff) and not rows[unanswered].repeat_by_staff
    assert all((r.channel, r.taken_by, r.restricted, r.indexed_key) == ("web", None, "", None) for r in rows.values())
    assert counts == [0, 0, 0]


def test_the_migrations_build_exactly_the_tables_the_models_describe(instance: Path):
    """A model changed without its migration (or the other way round) fails here, on both engines."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from portal.store.models import Base

    app = make_app()
    engine = create_engine(app.config["DATABASE_URL"])
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert differences == []


def test_0008_moves_checklists_and_shares_across_unopened_and_their_seals_still_open(instance: Path):
    from portal.casework.common import opener
    from portal.intake.reports import current_sealer
    from portal.store.risk_models import RISK_PURPOSE, SHARE_PURPOSE

    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0007")
    engine = create_engine(url)
    with app.app_context():
        sealer = current_sealer()
        sealed = {n: sealer.seal_json({"answers": {"q1": "yes"}, "n": n}, "risk", f"risk-{n}") for n in (1, 2, 3)}
        shared = sealer.seal_json({"what": "Safety plan"}, "share", "share-1")
    entry = ("INSERT INTO case_entry (id, report_id, at, staff_id, kind, code, score, flag, starts_on, key_id, sealed) "
             "VALUES (:id, :rid, :at, 1, :kind, :code, :score, :flag, :on, :key, :sealed)")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff_user (id, email, name, role, language, password_hash, totp_secret, "
                          "totp_enrolled, totp_last_step, active, session_epoch, created_at) VALUES (1, 'o@x.org', "
                          "'O', 'officer', 'en', 'h', 's', true, 0, true, 0, :at)"), {"at": ARRIVED})
        once_high, judged, untouched = _report(conn, 1, "self"), _report(conn, 2, "agency"), _report(conn, 3, "self")
        for n, rid, code, score, hours in ((1, once_high, "marac", 16, 1), (2, once_high, "standard", 4, 30),
                                           (3, judged, "judgement", 9, 2)):
            conn.execute(text(entry), {"id": f"risk-{n}", "rid": rid, "at": ARRIVED + timedelta(hours=hours),
                                       "kind": "risk", "code": code, "score": score, "flag": n == 1, "on": None,
                                       "key": sealer.key_id, "sealed": sealed[n]})
        conn.execute(text(entry), {"id": "share-1", "rid": judged, "at": ARRIVED, "kind": "share", "code": "police",
                                   "score": None, "flag": True, "on": ARRIVED.date(), "key": sealer.key_id,
                                   "sealed": shared})
        conn.execute(text(entry), {"id": "note-1", "rid": untouched, "at": ARRIVED, "kind": "note", "code": "",
                                   "score": None, "flag": False, "on": None, "key": "k", "sealed": b"x"})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        risks = {r.id: r for r in conn.execute(text(
            "SELECT id, report_id, source, tool, level, score, complete, escalation, judgement, sealed "
            "FROM risk_assessment"))}
        shares = conn.execute(text("SELECT id, report_id, recipient, basis, shared_on, countersign_due, sealed "
                                   "FROM info_share")).all()
        kinds = [k for (k,) in conn.execute(text("SELECT kind FROM case_entry"))]
        reports = {r.id: r for r in conn.execute(text("SELECT id, risk_level, band FROM report"))}
    engine.dispose()
    assert kinds == ["note"]
    assert {(r.id, r.level, r.score, bool(r.escalation), bool(r.judgement)) for r in risks.values()} == {
        ("risk-1", "high", 16, True, False), ("risk-2", "standard", 4, False, False),
        ("risk-3", "high", 9, False, True)}
    assert all((r.source, r.tool, bool(r.complete)) == ("ours", "dash", True) for r in risks.values())
    assert (reports[once_high].risk_level, reports[once_high].band) == ("standard", 2)  # its latest checklist
    assert (reports[judged].risk_level, reports[judged].band) == ("high", 0)  # now sorts with "in danger now"
    assert (reports[untouched].risk_level, reports[untouched].band) == ("", 2)
    (share,) = shares
    assert (share.id, share.recipient, share.basis) == ("share-1", "police", "safeguarding")
    assert share.countersign_due is None  # recorded before countersigning existed
    with app.app_context():
        keys = opener()
        assert keys.open_json(risks["risk-3"].sealed, RISK_PURPOSE, "risk-3") == {"answers": {"q1": "yes"}, "n": 3}
        assert keys.open_json(share.sealed, SHARE_PURPOSE, "share-1") == {"what": "Safety plan"}
    # …and back down: the checklists and shares are case entries again.
    command.downgrade(alembic_config(url), "0007")
    engine = create_engine(url)
    with engine.connect() as conn:
        back = sorted(conn.execute(text("SELECT id, kind, code FROM case_entry")).all())
    engine.dispose()
    assert [tuple(r) for r in back] == [("note-1", "note", ""), ("risk-1", "risk", "marac"),
                                        ("risk-2", "risk", "standard"), ("risk-3", "risk", "judgement"),
                                        ("share-1", "share", "police")]
    command.upgrade(alembic_config(url), "head")


def test_0009_turns_actions_into_tasks_and_gives_each_case_its_next_thing(instance: Path):
    from datetime import date

    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0008")
    engine = create_engine(url)
    today = date.today()
    running_ends, finished_ends = today + timedelta(days=60), today - timedelta(days=3)
    entry = ("INSERT INTO case_entry (id, report_id, at, staff_id, kind, code, score, flag, starts_on, ends_on, "
             "key_id, sealed) VALUES (:id, :rid, :at, 1, :kind, :code, null, false, :starts, :ends, 'k', :sealed)")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff_user (id, email, name, role, language, password_hash, totp_secret, "
                          "totp_enrolled, totp_last_step, active, session_epoch, created_at) VALUES (1, 'o@x.org', "
                          "'O', 'officer', 'en', 'h', 's', true, 0, true, 0, :at)"), {"at": ARRIVED})
        worked, new = _report(conn, 1, "self", contacted=True), _report(conn, 2, "self")
        conn.execute(text("UPDATE report SET status = 'case_open', risk_level = 'medium' WHERE id = :id"),
                     {"id": worked})
        for eid, code, starts, ends in (("a-security", "security", None, None),
                                        ("a-running", "breathing_space", today - timedelta(days=30), running_ends),
                                        ("a-finished", "breathing_space", today - timedelta(days=60), finished_ends),
                                        ("a-referral", "referral.idva", None, None)):
            conn.execute(text(entry), {"id": eid, "rid": worked, "at": ARRIVED, "kind": "action", "code": code,
                                       "starts": starts, "ends": ends, "sealed": b"x"})
        conn.execute(text(entry), {"id": "note-1", "rid": new, "at": ARRIVED, "kind": "note", "code": "",
                                   "starts": None, "ends": None, "sealed": b"x"})
    command.upgrade(alembic_config(url), "head")

    def read() -> tuple[list[Any], dict[str, Any]]:
        with engine.connect() as conn:
            tasks = conn.execute(text("SELECT entry_id, kind, state, owner_id, created_by, due_on, started_on, "
                                      "done_on FROM case_task ORDER BY entry_id, kind")).all()
            reports = {r.id: r for r in conn.execute(text(
                "SELECT id, first_contact_due, next_due, next_kind, next_review_on FROM report"))}
        return tasks, reports

    tasks, reports = read()
    day = ARRIVED.date()
    assert [(t.entry_id, t.kind, t.state, t.owner_id) for t in tasks] == [
        ("a-finished", "breathing_space", "done", 1), ("a-referral", "referral.idva", "done", 1),
        ("a-running", "breathing_space", "in_progress", 1), ("a-running", "breathing_space_end", "planned", 1),
        ("a-security", "security", "done", 1)]
    by = {(t.entry_id, t.kind): t for t in tasks}
    as_day = lambda v: date.fromisoformat(v[:10]) if isinstance(v, str) else v  # noqa: E731 (SQLite gives text)
    assert as_day(by["a-security", "security"].done_on) == day  # done on the day it was recorded
    assert by["a-running", "breathing_space"].done_on is None
    assert as_day(by["a-running", "breathing_space_end"].due_on) == running_ends - timedelta(days=7)
    assert by["a-running", "breathing_space_end"].created_by is None  # the portal raised it
    assert reports[new].next_due == reports[new].first_contact_due and reports[new].next_kind == ""
    assert reports[new].next_review_on is None
    assert as_day(reports[worked].next_review_on) == day + timedelta(days=14)  # medium risk: a fortnight
    assert reports[worked].next_kind == "review"
    # …and down to 0008 (the actions stay as entries, the tasks go) and up again: the same tasks.
    command.downgrade(alembic_config(url), "0008")
    with engine.connect() as conn:
        kinds = sorted(k for (k,) in conn.execute(text("SELECT code FROM case_entry WHERE kind = 'action'")))
    assert kinds == ["breathing_space", "breathing_space", "referral.idva", "security"]
    command.upgrade(alembic_config(url), "head")
    again, _reports = read()
    engine.dispose()
    assert [tuple(t) for t in again] == [tuple(t) for t in tasks]


def test_0010_indexes_the_audit_log_for_its_filters_and_keeps_every_row(instance: Path):
    from sqlalchemy import inspect

    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0009")
    engine = create_engine(url)
    with engine.begin() as conn:
        for n in range(30):
            conn.execute(text("INSERT INTO audit_event (at, actor, action, report_id, detail) VALUES "
                              "(:at, :actor, :action, null, '')"),
                         {"at": ARRIVED + timedelta(minutes=n), "actor": f"staff:{n % 3}",
                          "action": ("staff.signed_in", "case.opened")[n % 2]})
    command.upgrade(alembic_config(url), "head")
    names = {i["name"] for i in inspect(engine).get_indexes("audit_event")}
    assert {"ix_audit_event_actor_at", "ix_audit_event_action_at", "ix_audit_event_at"} <= names
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_event WHERE actor = 'staff:1'")).scalar() == 10
    command.downgrade(alembic_config(url), "0009")
    assert "ix_audit_event_actor_at" not in {i["name"] for i in inspect(engine).get_indexes("audit_event")}
    command.upgrade(alembic_config(url), "head")
    engine.dispose()


BEFORE_0013 = "0012"  # the revision 0013 follows


def test_0013_gives_tasks_a_cost_and_keeps_every_task(instance: Path):
    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), BEFORE_0013)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff_user (id, email, name, role, language, password_hash, totp_secret, "
                          "totp_enrolled, totp_last_step, active, session_epoch, created_at) VALUES (1, 'o@x.org', "
                          "'O', 'officer', 'en', 'h', 's', true, 0, true, 0, :at)"), {"at": ARRIVED})
        rid = "report-1"
        conn.execute(text(f"INSERT INTO report ({REPORT}, next_due) VALUES (:id, 'REF1-CCCC', :at, :due, 'self', "
                          "false, false, 'en', false, 'case_open', true, 2, true, :at, :key, 'k', :sealed, :due)"),
                     {"id": rid, "at": ARRIVED, "due": ARRIVED + timedelta(hours=7), "key": "1" * 64, "sealed": b"x"})
        for n, kind in enumerate(("security", "repairs.urgent")):
            conn.execute(text("INSERT INTO case_task (report_id, kind, created_at, owner_id, due_on, target_days, "
                              "state) VALUES (:rid, :kind, :at, 1, :due, 2, 'planned')"),
                         {"rid": rid, "kind": kind, "at": ARRIVED, "due": ARRIVED.date() + timedelta(days=n)})
    command.upgrade(alembic_config(url), "head")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT kind, cost_pence FROM case_task ORDER BY kind")).all() == [
            ("repairs.urgent", None), ("security", None)]
        conn.execute(text("UPDATE case_task SET cost_pence = 8550 WHERE kind = 'security'"))
    command.downgrade(alembic_config(url), BEFORE_0013)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_task")).scalar() == 2
    command.upgrade(alembic_config(url), "head")
    engine.dispose()


def test_0011_adds_review_rounds_to_a_populated_database_and_goes_back(instance: Path):
    from sqlalchemy import inspect

    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0010")
    engine = create_engine(url)
    assert not {"review_round", "review_round_case", "review_round_answer"} & set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO staff_user (id, email, name, role, language, password_hash, totp_secret, "
                          "totp_enrolled, totp_last_step, active, session_epoch, created_at) VALUES (1, 'l@x.org', "
                          "'L', 'lead', 'en', 'h', 's', true, 0, true, 0, :at)"), {"at": ARRIVED})
        kept = []
        for n in range(1, 5):  # reports as 0010 has them (with what is next on each)
            kept.append(f"report-{n}")
            conn.execute(text(f"INSERT INTO report ({REPORT}, next_due) VALUES (:id, :ref, :at, :due, 'self', false, "
                              "false, 'en', false, 'new', true, 2, false, null, :key, 'k', :sealed, :due)"),
                         {"id": kept[-1], "ref": f"REF{n}-BBBB", "at": ARRIVED, "due": ARRIVED + timedelta(hours=7),
                          "key": f"{n}" * 64, "sealed": b"x"})
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        reports = conn.scalar(text("SELECT count(*) FROM report"))
        counts = [conn.scalar(text(f"SELECT count(*) FROM {t}"))
                  for t in ("review_round", "review_round_case", "review_round_answer")]
    assert reports == len(kept) and counts == [0, 0, 0]
    with engine.begin() as conn:  # the new tables take a round on the cases already there
        conn.execute(text("INSERT INTO review_round (id, created_at, created_by, basis, period_first, period_last, "
                          "size, officer_id, seed, points) VALUES (1, :at, 1, 'received', :first, :last, 2, null, "
                          "'seed', '[{\"code\": \"dash\"}]')"),
                     {"at": ARRIVED, "first": ARRIVED.date(), "last": ARRIVED.date()})
        for position, rid in enumerate(kept[:2], start=1):
            conn.execute(text("INSERT INTO review_round_case (round_id, report_id, position) VALUES (1, :rid, :n)"),
                         {"rid": rid, "n": position})
        conn.execute(text("INSERT INTO review_round_answer (round_case_id, point, answer) "
                          "SELECT id, 'dash', 'met' FROM review_round_case WHERE position = 1"))
    names = {i["name"] for i in inspect(engine).get_indexes("review_round_case")}
    assert "ix_review_round_case_reviewed" in names
    command.downgrade(alembic_config(url), "0010")
    assert not {"review_round", "review_round_case"} & set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM report")) == len(kept)
    command.upgrade(alembic_config(url), "head")
    engine.dispose()


def test_0012_adds_complaints_and_feedback_to_a_populated_database_and_keeps_every_row(instance: Path):
    from sqlalchemy import inspect

    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0011")
    engine = create_engine(url)
    assert "complaint" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        for n in range(3):  # as 0010 has them: what is next on each case is a plain column too
            conn.execute(text(f"INSERT INTO report ({REPORT}, next_due) VALUES (:id, :ref, :at, :due, 'self', false, "
                              "false, 'en', false, 'new', :open, 2, false, null, :key, 'k', :sealed, :due)"),
                         {"id": f"report-{n}", "ref": f"REF{n}-BBBB", "at": ARRIVED,
                          "due": ARRIVED + timedelta(hours=7), "open": n != 2, "key": f"{n}" * 64, "sealed": b"x"})
    command.upgrade(alembic_config(url), "head")
    tables = set(inspect(engine).get_table_names())
    assert {"complaint", "survivor_feedback", "feedback_tally"} <= tables
    assert {"ix_complaint_open", "ix_complaint_received", "ix_complaint_unannounced"} <= {
        i["name"] for i in inspect(engine).get_indexes("complaint")}
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM report")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM complaint")).scalar() == 0
        conn.execute(text("INSERT INTO complaint (id, report_id, received_on, at, channel, about, language, due_on, "
                          "target_days, state, outcome, announced, key_id, sealed) VALUES ('c-1', 'report-1', "
                          ":day, :at, 'phone', 'delay', 'en', :day, 10, 'open', '', true, 'k', :sealed)"),
                     {"day": ARRIVED.date(), "at": ARRIVED, "sealed": b"x"})
        conn.execute(text("INSERT INTO survivor_feedback (id, report_id, at, state, language) VALUES "
                          "('f-1', 'report-2', :at, 'declined', 'cy')"), {"at": ARRIVED})
        conn.execute(text("INSERT INTO feedback_tally (id, month, safer, contact_way, commented) VALUES "
                          "('t-1', '2026-11', 'yes', '', false)"))
    with engine.connect() as conn:  # asked once: a second row for the same case is refused
        from sqlalchemy.exc import IntegrityError
        try:
            conn.execute(text("INSERT INTO survivor_feedback (id, report_id, at, state, language) VALUES "
                              "('f-2', 'report-2', :at, 'given', 'en')"), {"at": ARRIVED})
            conn.commit()
            twice = True
        except IntegrityError:
            conn.rollback()
            twice = False
    assert not twice
    # …and down to 0011 (the new tables go, the reports stay) and up again.
    command.downgrade(alembic_config(url), "0011")
    assert "complaint" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report")).scalar() == 3
    command.upgrade(alembic_config(url), "head")
    assert "feedback_tally" in inspect(engine).get_table_names()
    engine.dispose()


def test_0014_adds_equality_counting_to_a_populated_database_and_goes_back(instance: Path):
    from sqlalchemy import inspect

    app = make_app()
    url = app.config["DATABASE_URL"]
    command.downgrade(alembic_config(url), "0013")
    engine = create_engine(url)
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(text(f"INSERT INTO report ({REPORT}, next_due) VALUES (:id, :ref, :at, :due, 'self', "
                              "false, false, 'en', false, 'new', true, 2, false, null, :key, 'k', :sealed, :due)"),
                         {"id": f"report-{n}", "ref": f"REF{n}-EEEE", "at": ARRIVED,
                          "due": ARRIVED + timedelta(hours=7), "key": f"{n}" * 64, "sealed": b"x"})
    command.upgrade(alembic_config(url), "head")
    with engine.begin() as conn:
        # Reports from before the questions were never asked them: none waits to be counted.
        assert conn.execute(text("SELECT count(*) FROM report WHERE equality_pending")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM report")).scalar() == 3
        conn.execute(text("INSERT INTO equality_count (month, question, answer, n) VALUES ('2026-11', 'age', "
                          "'25_34', 4)"))
    assert "ix_report_equality_pending" in {i["name"] for i in inspect(engine).get_indexes("report")}
    command.downgrade(alembic_config(url), "0013")
    assert "equality_count" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report")).scalar() == 3
    command.upgrade(alembic_config(url), "head")
    engine.dispose()
