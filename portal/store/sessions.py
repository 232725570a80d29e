"""Session rows: the SHA-256 of a random session id, its small JSON data and when it expires.

Only the hash is stored, so a copy of the database gives no usable cookie. The web layer (portal/web/sessions.py)
decides what goes in a session and signs staff rows; this module only reads, writes and deletes rows.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.store.db import changed
from portal.store.models import WebSession

# What secrets.token_urlsafe(32) makes. An id of any other shape (non-ASCII, raw bytes, too long) is no
# session at all: it is never hashed, looked up or logged.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; we only ever store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def read(conn: Any, session_id: str) -> tuple[str, str, datetime] | None:
    """(the row's id hash, its data, when it expires) for a live session, or None."""
    row = conn.execute(select(WebSession.id_hash, WebSession.data, WebSession.expires_at)
                       .where(WebSession.id_hash == id_hash(session_id))).first()
    if row is None or _aware(row.expires_at) < datetime.now(timezone.utc):
        return None
    return row.id_hash, row.data, _aware(row.expires_at)


def touch(maker: Any, hashed: str, lifetime: timedelta) -> None:
    """Push a live session's expiry back to `lifetime` from now (a page was seen: the session is not idle)."""
    with maker() as dbs, dbs.begin():
        dbs.execute(update(WebSession).where(WebSession.id_hash == hashed)
                    .values(expires_at=datetime.now(timezone.utc) + lifetime))


_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE for the session table, built once per dialect (SQLite, PostgreSQL)."""
    if dialect not in _UPSERTS:
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(cast(Table, WebSession.__table__))
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["id_hash"],
            set_={"data": statement.excluded.data, "expires_at": statement.excluded.expires_at})
    return _UPSERTS[dialect]


def upsert(conn: Any, hashed: str, data: str, lifetime: timedelta) -> None:
    """Insert or replace a session's row, in one statement (a Connection, or an ORM Session's transaction)."""
    dialect = conn.dialect if hasattr(conn, "dialect") else conn.get_bind().dialect
    conn.execute(_upsert_statement(dialect.name),
                 {"id_hash": hashed, "data": data, "expires_at": datetime.now(timezone.utc) + lifetime})


def remove(maker: Any, session_id: str) -> None:
    with maker() as dbs, dbs.begin():
        dbs.execute(delete(WebSession).where(WebSession.id_hash == id_hash(session_id)))


def purge_expired(maker: Any) -> int:
    with maker() as dbs, dbs.begin():
        result = dbs.execute(delete(WebSession).where(WebSession.expires_at < datetime.now(timezone.utc)))
        return changed(result)
