"""PostgreSQL privileges for the two application roles, so that the owner of the schema is never the app.

The schema's owner (who runs `portal init`, i.e. the migrations) keeps the right to alter tables and drop
triggers. The application roles get only what their side needs:

- **public**: the reporting side. Insert reports and read back its own idempotency check, and keep its web
  sessions; open, read and erase reporters' conversations (portal/conversations.py). It cannot read staff
  accounts, case entries, contact attempts or the audit log.
- **triage**: the staff side and its timers. Read and write casework; the audit log only SELECT and INSERT,
  so besides the append-only triggers (which only the owner could drop) the role has no UPDATE or DELETE.
"""
from __future__ import annotations

from sqlalchemy import Connection, text

SIDES = ("public", "triage")
# A reporter's conversation: the public side opens one, finds it by its lookup, and erases it on request;
# of a message it may change only whether (and when) the reporter has seen it and the reporter's own copy. A
# reporter with a receipt may add a version of their safe-contact profile, read their own copies back and
# erase them. Of information shared it reads only the kind of agency told and whether the reporter may be told. It
# may make a complaint and read back the reporter's own copy, and give the survivor's feedback once.
# It never changes a report: the triage side applies what it leaves (portal/casework/pending.py).
PUBLIC_TABLES = {"report": "SELECT, INSERT", "web_session": "SELECT, INSERT, UPDATE, DELETE",
                 "conversation": "SELECT, INSERT, UPDATE (lookup, public_key, deleted_at)",
                 "message": "SELECT, INSERT, UPDATE (seen, seen_at, reporter_sealed)",
                 "contact_profile": "SELECT, INSERT, UPDATE (reporter_sealed)",
                 # Which kinds of agency the reporter's page may say were told: the plain columns, never the seal.
                 "info_share": "SELECT (report_id, recipient, tell_reporter)",
                 # A complaint through the receipt: made, read back (the reporter's own copy and a state word), and
                 # the reporter's copy erased with the conversation. Never the team's seals, owners or outcomes.
                 "complaint": "SELECT (id, report_id, received_on, at, state, due_on, idempotency_hash, "
                              "reporter_sealed), INSERT, UPDATE (reporter_sealed)",
                 # The survivor's feedback: whether it was asked (to ask once), and the answers, which it cannot
                 # read back; the tally's codes go in and are never read here.
                 "survivor_feedback": "SELECT (id, report_id, state), INSERT",
                 "feedback_tally": "INSERT"}
TRIAGE_READ_ONLY = {"audit_event": "SELECT, INSERT", "alembic_version": "SELECT", "purged_tally":
                    "SELECT, INSERT, UPDATE", "feedback_tally": "SELECT",  # the tally: written on the public side
                    "equality_count": "SELECT, INSERT, UPDATE"}  # totals only grow: nothing is taken out


def statements(conn: Connection, role: str, side: str) -> list[str]:
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}")
    quote = conn.dialect.identifier_preparer.quote
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    tables = [row[0] for row in conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"))]
    who, where = quote(role), quote(schema)
    sql = [f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {who}",
           f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {who}",
           f"GRANT USAGE ON SCHEMA {where} TO {who}"]
    if side == "public":
        sql += [f"GRANT {rights} ON {quote(table)} TO {who}" for table, rights in PUBLIC_TABLES.items()]
        return sql
    for table in tables:
        rights = TRIAGE_READ_ONLY.get(table, "SELECT, INSERT, UPDATE, DELETE")
        sql.append(f"GRANT {rights} ON {quote(table)} TO {who}")
    sql.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}")
    return sql


def grant(conn: Connection, role: str, side: str) -> list[str]:
    sql = statements(conn, role, side)
    for statement in sql:
        conn.execute(text(statement))
    return sql
