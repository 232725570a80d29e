"""The database: one SQLAlchemy engine per app, sessions per request, Alembic for the schema."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

from flask import Flask, current_app, g
from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers and the writer work together; synchronous=FULL makes an acknowledged report
    # survive power loss, not just a process crash.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _owner_only(path: Path) -> None:
    """Make a new SQLite file (and its directory) readable by its owner alone. SQLite gives the -wal and -shm
    files the database file's own permissions, so they follow."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:" and not path.startswith("file:"):
            _owner_only(Path(path))
        # hide_parameters: a database error's message must never carry sealed bytes or session data.
        engine = create_engine(url, connect_args={"timeout": 10}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A database that cannot be reached, or stops answering, must fail fast enough for the report to go to
    # the spool before gunicorn's timeout kills the worker: a 5 s connect timeout, unacknowledged data
    # given up after 10 s, and no statement allowed more than 15 s on the server.
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True,
                           connect_args={"connect_timeout": 5, "tcp_user_timeout": 10_000})
    event.listen(engine, "connect", _postgres_timeouts)
    return engine


def _postgres_timeouts(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET statement_timeout = '15s'")
    cursor.close()
    dbapi_connection.commit()


def init_db(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            session.close()


def changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (Session.execute types every result as a plain Result)."""
    return cast("CursorResult[Any]", result).rowcount or 0


def db() -> Session:
    """The request's database session."""
    if "db" not in g:
        g.db = current_app.extensions["sessionmaker"]()
    return g.db


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    # Alembic is imported only when migrating: a web worker never needs it (about 10 MB of memory each).
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
