"""Server-side sessions, so that leaving (quick exit) or signing out really ends a session.

The cookie carries only a random 256-bit id. The database keeps the SHA-256 of that id (a stolen database
gives no usable cookie) and the session's small data: a CSRF secret and, after sending, the receipt shown on
the confirmation page (reference, due time, the danger and no-contact flags), until exit or expiry.
Report content never goes into a session.

Staff have their own cookie (`st`, path /staff/), so the public and staff sides never share a session, and a
shorter idle lifetime (PORTAL_STAFF_IDLE_MINUTES); the absolute limit is checked by the staff guard.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from portal.store.models import WebSession

log = logging.getLogger("portal.web.sessions")
# What secrets.token_urlsafe(32) makes. A cookie of any other shape (non-ASCII, raw bytes, too long) is no
# session at all: it is never hashed, looked up or logged.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{43}")
IDLE_LIFETIME = timedelta(hours=8)  # matches the public form's CSRF lifetime: slow writers keep their session


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


class ServerSession(CallbackDict, SessionMixin):  # type: ignore[misc]
    def __init__(self, initial: dict[str, Any] | None = None, session_id: str | None = None):
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.session_id = session_id
        self.modified = False
        self.destroyed = False
        self.rotate = False
        self.unavailable = False  # the session store could not be read: the database is down
        self.persisted = False  # written by write_inline in the caller's transaction: only the cookie is left
        self.old_session_id: str | None = None  # replaced by regenerate(): its row goes when saving

    def destroy(self) -> None:
        """Forget this session everywhere: in the database now, and the cookie in the response."""
        self.clear()
        self.destroyed = True

    def regenerate(self) -> None:
        """Give this session a new id (at sign-in), so an id planted or seen before it is worthless. The new
        id exists at once (a reporter's key is wrapped under it); the old row is deleted when saving."""
        if self.session_id and not self.rotate:
            self.old_session_id = self.session_id
        self.session_id = secrets.token_urlsafe(32)
        self.rotate = True
        self.modified = True

    def ensure_id(self) -> str:
        """This session's id, made now if it has none yet."""
        if self.session_id is None:
            self.session_id = secrets.token_urlsafe(32)
            self.modified = True
        return self.session_id


def is_staff_request() -> bool:
    return request.path == "/staff" or request.path.startswith("/staff/")


class DatabaseSessionInterface(SessionInterface):
    def _sessionmaker(self, app: Flask) -> Any:
        return app.extensions["sessionmaker"]

    def get_cookie_name(self, app: Flask) -> str:
        return "st" if is_staff_request() else super().get_cookie_name(app)

    def get_cookie_path(self, app: Flask) -> str:
        return "/staff/" if is_staff_request() else super().get_cookie_path(app)

    def _idle_lifetime(self, app: Flask) -> timedelta:
        return app.config["STAFF_IDLE"] if is_staff_request() else IDLE_LIFETIME

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id or not SESSION_ID.fullmatch(session_id):
            return ServerSession()
        now = datetime.now(timezone.utc)
        try:
            with _engine(app).connect() as conn:
                row = conn.execute(select(WebSession.id_hash, WebSession.data, WebSession.expires_at)
                                   .where(WebSession.id_hash == _hash(session_id))).first()
        except SQLAlchemyError as exc:
            # The database is down. The page still works (the public form and its spool do not need a
            # session); a staff page sees no session and asks for sign-in, which then fails cleanly.
            log.warning("session store unavailable (%s)", type(exc).__name__)
            unavailable = ServerSession()
            unavailable.unavailable = True
            return unavailable
        if row is None or _aware(row.expires_at) < now:
            return ServerSession()
        data = _unseal(app, row.id_hash, row.data) if is_staff_request() else row.data
        if data is None:
            log.warning("staff session row failed its check; treated as signed out")
            return ServerSession()
        return ServerSession(json.loads(data), session_id)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        try:
            self._save(app, session, response)
        except SQLAlchemyError as exc:
            # Never turn a page (above all a confirmation) into an error because the session could not be
            # kept; the cookie is simply not set.
            log.warning("session store unavailable (%s)", type(exc).__name__)

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        maker = self._sessionmaker(app)
        if session.rotate and session.old_session_id:
            with maker() as dbs, dbs.begin():
                dbs.execute(delete(WebSession).where(WebSession.id_hash == _hash(session.old_session_id)))
            session.old_session_id = None
        if session.destroyed or (not session and session.modified):
            if session.old_session_id:
                with maker() as dbs, dbs.begin():
                    dbs.execute(delete(WebSession).where(WebSession.id_hash == _hash(session.old_session_id)))
            if session.session_id:
                with maker() as dbs, dbs.begin():
                    dbs.execute(delete(WebSession).where(WebSession.id_hash == _hash(session.session_id)))
            response.delete_cookie(name, domain=domain, path=path,
                                   secure=self.get_cookie_secure(app), httponly=True,
                                   samesite=self.get_cookie_samesite(app))
            return
        if not session:
            return
        if session.persisted:
            pass  # already written, in the same transaction as the report (write_inline)
        elif not session.modified and session.session_id:
            return  # idle expiry is refreshed only on writes; cheap, and 8 hours is generous
        else:
            if secrets.randbelow(200) == 0:
                purge_expired(maker)  # now and then, so abandoned sessions do not pile up
            with _engine(app).begin() as conn:
                _upsert(conn, app, session, self._idle_lifetime(app))
        # A session cookie (no Expires): it goes when the browser closes.
        response.set_cookie(name, session.session_id, domain=domain, path=path, httponly=True,
                            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app))


def _engine(app: Flask) -> Any:
    return app.extensions["engine"]


_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE for the session table, built once per dialect (SQLite, PostgreSQL)."""
    if dialect not in _UPSERTS:
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(WebSession.__table__)
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["id_hash"],
            set_={"data": statement.excluded.data, "expires_at": statement.excluded.expires_at})
    return _UPSERTS[dialect]


def _upsert(conn: Any, app: Flask, session: ServerSession, lifetime: timedelta) -> None:
    """Insert or replace this session's row, in one statement."""
    if session.session_id is None:
        session.session_id = secrets.token_urlsafe(32)
    dialect = conn.dialect if hasattr(conn, "dialect") else conn.get_bind().dialect  # Connection or ORM Session
    conn.execute(_upsert_statement(dialect.name),
                 {"id_hash": _hash(session.session_id), "data": _stored(app, session),
                  "expires_at": datetime.now(timezone.utc) + lifetime})


def write_inline(dbs: Any, app: Flask, session: ServerSession) -> None:
    """Write the public session's row inside the caller's transaction (the report's), so a sent report and
    its receipt are committed together, with one commit. The response then only sets the cookie."""
    _upsert(dbs, app, session, IDLE_LIFETIME)
    session.persisted = True


def _mac(app: Flask, id_hash: str, data: str) -> str:
    key = hmac.new(app.config["SECRET_KEY"].encode("utf-8"), b"portal staff session", hashlib.sha256).digest()
    return hmac.new(key, f"{id_hash}:{data}".encode("utf-8"), hashlib.sha256).hexdigest()


def _stored(app: Flask, session: ServerSession) -> str:
    """The row's data. A staff session's carries an HMAC under the staff process's secret key: the public
    host can write this table (its sessions live here too) but cannot make a staff session that passes."""
    data = json.dumps(dict(session))
    if not is_staff_request():
        return data
    return _mac(app, _hash(session.session_id or ""), data) + "." + data


def _unseal(app: Flask, id_hash: str, stored: str) -> str | None:
    mac, _, data = stored.partition(".")
    return data if hmac.compare_digest(mac, _mac(app, id_hash, data)) else None


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; we only ever store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def purge_expired(maker: Any) -> int:
    with maker() as dbs, dbs.begin():
        result = dbs.execute(delete(WebSession).where(WebSession.expires_at < datetime.now(timezone.utc)))
        return result.rowcount or 0


def init_sessions(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface()


__all__ = ["ServerSession", "init_sessions", "purge_expired"]
