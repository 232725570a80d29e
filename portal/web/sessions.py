"""Server-side sessions, so that leaving (quick exit) or signing out really ends a session.

The cookie carries only a random 256-bit id. The database keeps the SHA-256 of that id (a stolen database
gives no usable cookie) and the session's small data: a CSRF secret and, after sending, the receipt shown on
the confirmation page (reference, due time, the danger and no-contact flags), until exit or expiry.
Report content never goes into a session. The rows themselves are portal/store/sessions.py.

A public session ends after PORTAL_PUBLIC_IDLE_MINUTES (30) without a page: every page seen pushes that back
(at most one write a minute). The cookie is a session cookie, but closing the browser does not end it on a
phone that keeps session cookies, so the server does. Nothing typed depends on the session: the form's token
is good for 8 hours without one.

Staff have their own cookie (`st`, path /staff/), so the public and staff sides never share a session, and
their own idle lifetime (PORTAL_STAFF_IDLE_MINUTES), refreshed by writes; the absolute limit is checked by the
staff guard.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask, Request, Response, current_app, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict

from portal.store import sessions as rows

log = logging.getLogger("portal.web.sessions")
TOUCH_EVERY = timedelta(minutes=1)  # a public session seen again is pushed back at most this often


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial: dict[str, Any] | None = None, session_id: str | None = None):
        def on_update(_self: Any) -> None:
            self.modified = True
            self.persisted = False  # changed after write_with: the response saves it again

        super().__init__(initial, on_update)
        self.session_id = session_id
        self.modified = False
        self.destroyed = False
        self.rotate = False
        self.unavailable = False  # the session store could not be read: the database is down
        self.persisted = False  # written by write_with in the caller's transaction: only the cookie is left
        self.old_session_id: str | None = None  # replaced by regenerate(): its row goes when saving
        self.expires_at: datetime | None = None  # as read from its row

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

    def write_with(self, dbs: Any) -> None:
        """Write this (public) session's row inside the caller's transaction, so that, say, a sent report and
        its receipt are committed together, with one commit. The response then only sets the cookie."""
        rows.upsert(dbs, rows.id_hash(self.ensure_id()), json.dumps(dict(self)), current_app.config["PUBLIC_IDLE"])
        self.persisted = True


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
        return app.config["STAFF_IDLE"] if is_staff_request() else app.config["PUBLIC_IDLE"]

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id or not rows.SESSION_ID.fullmatch(session_id):
            return ServerSession()
        try:
            with app.extensions["engine"].connect() as conn:
                row = rows.read(conn, session_id)
        except SQLAlchemyError as exc:
            # The database is down. The page still works (the public form and its spool do not need a
            # session); a staff page sees no session and asks for sign-in, which then fails cleanly.
            log.warning("session store unavailable (%s)", type(exc).__name__)
            unavailable = ServerSession()
            unavailable.unavailable = True
            return unavailable
        if row is None:
            return ServerSession()
        hashed, stored, expires_at = row
        data = _unseal(app, hashed, stored) if is_staff_request() else stored
        if data is None:
            log.warning("staff session row failed its check; treated as signed out")
            return ServerSession()
        session = ServerSession(json.loads(data), session_id)
        session.expires_at = expires_at
        return session

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
            rows.remove(maker, session.old_session_id)
            session.old_session_id = None
        if session.destroyed or (not session and session.modified):
            for session_id in (session.old_session_id, session.session_id):
                if session_id:
                    rows.remove(maker, session_id)
            response.delete_cookie(name, domain=domain, path=path,
                                   secure=self.get_cookie_secure(app), httponly=True,
                                   samesite=self.get_cookie_samesite(app))
            return
        if not session:
            return
        if session.persisted:
            pass  # already written, in the same transaction as the report (write_with)
        elif not session.modified and session.session_id:
            if not is_staff_request() and _due_a_touch(app, session):
                rows.touch(maker, rows.id_hash(session.session_id), self._idle_lifetime(app))
            return  # a staff session's idle expiry is refreshed by its writes (the guard's, each request)
        else:
            if secrets.randbelow(200) == 0:
                rows.purge_expired(maker)  # now and then, so abandoned sessions do not pile up
            hashed = rows.id_hash(session.ensure_id())
            with app.extensions["engine"].begin() as conn:
                rows.upsert(conn, hashed, _stored(app, hashed, session), self._idle_lifetime(app))
        # A session cookie (no Expires): it goes when the browser closes.
        response.set_cookie(name, session.ensure_id(), domain=domain, path=path, httponly=True,
                            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app))


def _due_a_touch(app: Flask, session: ServerSession) -> bool:
    """A public page was seen: is the session's expiry more than a minute old?"""
    if session.expires_at is None:
        return False
    return session.expires_at < datetime.now(timezone.utc) + app.config["PUBLIC_IDLE"] - TOUCH_EVERY


def _mac(app: Flask, hashed: str, data: str) -> str:
    key = hmac.new(app.config["SECRET_KEY"].encode("utf-8"), b"portal staff session", hashlib.sha256).digest()
    return hmac.new(key, f"{hashed}:{data}".encode(), hashlib.sha256).hexdigest()


def _stored(app: Flask, hashed: str, session: ServerSession) -> str:
    """The row's data. A staff session's carries an HMAC under the staff process's secret key: the public
    host can write this table (its sessions live here too) but cannot make a staff session that passes."""
    data = json.dumps(dict(session))
    if not is_staff_request():
        return data
    return _mac(app, hashed, data) + "." + data


def _unseal(app: Flask, hashed: str, stored: str) -> str | None:
    mac, _, data = stored.partition(".")
    return data if hmac.compare_digest(mac, _mac(app, hashed, data)) else None


def init_sessions(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface()


__all__ = ["ServerSession", "init_sessions"]
