"""PostgreSQL roles: the schema's owner migrates; the public and triage roles get only what their side needs,
and neither can rewrite or unprotect the audit log. Real roles on the machine's PostgreSQL, dropped after."""
from __future__ import annotations

import secrets

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from portal.cli import main
from tests.conftest import Reporter, make_app
from tests.pg import POSTGRES_URL

pytestmark = pytest.mark.single_pass  # PostgreSQL in both passes: it makes its own schema


@pytest.fixture
def roles(pg_schema_url):  # type: ignore[no-untyped-def]
    make_app()  # migrations, as the owner (the test server's superuser)
    names = {side: f"portal_{side}_{secrets.token_hex(4)}" for side in ("public", "triage")}
    owner = create_engine(POSTGRES_URL)
    with owner.begin() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
    yield names
    with owner.begin() as conn:
        for name in names.values():
            conn.execute(text(f'DROP OWNED BY "{name}"'))
            conn.execute(text(f'DROP ROLE "{name}"'))
    owner.dispose()


def as_role(url: str, role: str) -> str:
    return url.replace("postgres@", f"{role}@", 1)


def grant(role: str, side: str) -> str:
    result = CliRunner().invoke(main, ["db", "grant", role, "--side", side], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def refused(engine, sql: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    except ProgrammingError as exc:
        return "permission denied" in str(exc.orig) or "must be owner" in str(exc.orig)
    return False


def test_the_public_role_can_take_reports_and_nothing_else(roles, pg_schema_url, monkeypatch):
    output = grant(roles["public"], "public")
    assert 'GRANT SELECT, INSERT ON report' in output
    url = as_role(pg_schema_url, roles["public"])
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    from portal import create_app
    app = create_app({"TESTING": True})
    client = app.test_client()
    assert Reporter(client).send({"story": "Grant story", "contact_methods": ["none"]}).status_code == 303
    assert 'class="reference"' in client.get("/en/sent").get_data(as_text=True)  # its session works too
    engine = create_engine(url)
    for sql in ("SELECT * FROM staff_user", "SELECT * FROM case_entry", "SELECT * FROM audit_event",
                "SELECT * FROM contact_attempt", "UPDATE report SET status = 'closed'", "DELETE FROM report",
                "SELECT * FROM blind_index", "INSERT INTO blind_index (report_id, kind, digest) VALUES ('x', 'k', 'd')",
                "SELECT * FROM case_link", "SELECT * FROM case_access",
                "UPDATE report SET restricted = '', indexed_key = NULL"):
        assert refused(engine, sql), sql
    engine.dispose()


def test_the_public_role_can_run_a_reporters_conversation_and_touch_nothing_else(roles, pg_schema_url, monkeypatch):
    from tests.staff_helpers import get_receipt, messages_page, write

    grant(roles["public"], "public")
    url = as_role(pg_schema_url, roles["public"])
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    from portal import create_app
    app = create_app({"TESTING": True})
    client = app.test_client()
    assert Reporter(client).send({"story": "Grant story", "contact_methods": ["none"]}).status_code == 303
    get_receipt(client)
    assert write(client, "Grant message").status_code == 303
    details = client.get("/en/replies/contact").get_data(as_text=True)
    token = __import__("re").search(r'name="csrf_token" type="hidden" value="([^"]+)"', details).group(1)
    changed = client.post("/en/replies/contact", data={"csrf_token": token, "action": "save",
                                                       "contact_methods": "text", "phone_text": "07700 900444"})
    assert changed.status_code == 303  # a new version of their profile: the public role may add one
    assert 'value="07700 900444"' in client.get("/en/replies/contact").get_data(as_text=True)
    owner = create_engine(pg_schema_url)
    with owner.begin() as conn:  # as if the team had replied: the reporter's reading marks it seen
        conn.execute(text("UPDATE message SET from_reporter = false"))
    assert "Grant message" in messages_page(client)
    with owner.begin() as conn:
        assert conn.execute(text("SELECT seen FROM message")).scalar_one() is True
    page = messages_page(client)
    token = __import__("re").search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/en/replies/delete", data={"csrf_token": token}).status_code == 200
    with owner.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM conversation WHERE lookup IS NULL")).scalar_one() == 1
    owner.dispose()
    engine = create_engine(url)
    for sql in ("UPDATE message SET sealed = ''", "UPDATE message SET from_reporter = true",
                "UPDATE conversation SET report_id = report_id", "UPDATE conversation SET contact_tried = true",
                "DELETE FROM message", "DELETE FROM conversation", "UPDATE contact_profile SET seen = true",
                "UPDATE contact_profile SET applied = true", "UPDATE message SET counted = true",
                "UPDATE report SET first_contact_due = now()", "DELETE FROM contact_profile",
                "SELECT sealed FROM info_share", "SELECT basis FROM info_share",
                "UPDATE info_share SET tell_reporter = true"):
        assert refused(engine, sql), sql
    engine.dispose()


def test_the_triage_role_works_cases_but_cannot_touch_the_audit_log(roles, pg_schema_url):
    grant(roles["triage"], "triage")
    engine = create_engine(as_role(pg_schema_url, roles["triage"]))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_event (at, actor, action, detail) "
                          "VALUES (now(), 'test', 'test.action', '')"))
        conn.execute(text("UPDATE report SET status = status"))
        conn.execute(text("SELECT count(*) FROM staff_user")).scalar_one()
    for sql in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event",
                "TRUNCATE audit_event", "DROP TRIGGER audit_event_append_only ON audit_event",
                "ALTER TABLE audit_event DISABLE TRIGGER ALL", "DELETE FROM alembic_version"):
        assert refused(engine, sql), sql
    engine.dispose()


def test_grant_refuses_sqlite(instance):
    make_app()
    result = CliRunner().invoke(main, ["db", "grant", "someone", "--side", "public"])
    assert result.exit_code != 0 and "Roles are for PostgreSQL" in result.output


def test_the_public_role_can_complain_and_give_feedback_through_the_receipt_and_read_back_nothing_else(
        roles, pg_schema_url, monkeypatch):
    import re

    from tests.staff_helpers import get_receipt, messages_page

    grant(roles["public"], "public")
    url = as_role(pg_schema_url, roles["public"])
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    from portal import create_app
    app = create_app({"TESTING": True})
    client = app.test_client()
    assert Reporter(client).send({"story": "Grant story", "contact_methods": ["text"],
                                  "phone_text": "07700 900444"}).status_code == 303
    get_receipt(client)
    page = client.get("/en/replies/complaint").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    sent = client.post("/en/replies/complaint", data={"csrf_token": token, "submission_key": key, "about": "delay",
                                                      "text": "Grant complaint", "action": "send"})
    assert sent.status_code == 303  # made, with every column given: no RETURNING of what it cannot read
    assert "Grant complaint" in messages_page(client)  # its own copy, read back with the receipt
    owner = create_engine(pg_schema_url)
    with owner.begin() as conn:  # as if the team had closed the case
        conn.execute(text("UPDATE report SET is_open = false, status = 'closed', close_reason = 'support_in_place'"))
    page = client.get("/en/replies/feedback").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post("/en/replies/feedback", data={"csrf_token": token, "safer": "yes", "comment": "Grant feedback",
                                                     "action": "send"}).status_code == 303
    with owner.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM feedback_tally")).scalar_one() == 1
        assert conn.execute(text("SELECT state FROM survivor_feedback")).scalar_one() == "given"
    page = messages_page(client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post("/en/replies/delete", data={"csrf_token": token}).status_code == 200
    with owner.begin() as conn:  # deleting the conversation erased the reporter's copy of the complaint
        assert conn.execute(text("SELECT reporter_sealed IS NULL AND sealed IS NOT NULL FROM complaint")).scalar_one()
    owner.dispose()
    engine = create_engine(url)
    for sql in ("SELECT sealed FROM complaint", "SELECT response_sealed FROM complaint",
                "SELECT owner_id FROM complaint", "SELECT outcome FROM complaint",
                "UPDATE complaint SET state = 'closed'", "DELETE FROM complaint",
                "SELECT sealed FROM survivor_feedback", "UPDATE survivor_feedback SET state = 'declined'",
                "DELETE FROM survivor_feedback", "SELECT * FROM feedback_tally", "DELETE FROM feedback_tally"):
        assert refused(engine, sql), sql
    engine.dispose()
