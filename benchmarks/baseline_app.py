"""The baseline for benchmarks/throughput.py: a bare Flask + SQLAlchemy app that stores one row per POST.

It is what "the fastest this stack could take a report" looks like on the same machine, server and
database settings: no templates, sessions, CSRF, validation, sealing, rate limit or spool. Only what any
form endpoint must do: parse the form, insert one row (with a unique one-time key, as the portal has) and
commit it durably. The throughput benchmark puts the real submission endpoint beside it.

    BASELINE_DATABASE_URL=sqlite:////tmp/x/baseline.db .venv/bin/gunicorn 'benchmarks.baseline_app:create_app()'

Run gunicorn from the repository root (`benchmarks` is imported as a namespace package, never put on the
path itself: its queue.py would shadow the standard library's `queue`). Create the table first with
`create_schema(url)`: two workers creating it at once would race.

The database settings mirror portal/db.py (`make_engine`): SQLite in WAL mode with synchronous=FULL, the
same pragmas and timeouts; on PostgreSQL pool_pre_ping. Keep them in step with it, or the comparison is
not like for like.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone

from flask import Flask, abort, request
from sqlalchemy import DateTime, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

# The portal's own engine settings (SQLite WAL + synchronous=FULL; PostgreSQL timeouts), so the two
# sides differ only in what they do per request.
from portal.store.db import make_engine

FORM = ('<!doctype html><title>Baseline</title><form method="post" action="/report">'
        '<textarea name="story"></textarea><button>Send</button></form>')


class Base(DeclarativeBase):
    pass


class BaselineReport(Base):
    __tablename__ = "baseline_report"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the answers as JSON: about the size of a sealed report


def create_schema(url: str) -> None:
    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    maker = sessionmaker(make_engine(url or os.environ["BASELINE_DATABASE_URL"]), expire_on_commit=False)

    @app.get("/report")
    def form() -> str:
        return FORM

    @app.post("/report")
    def report() -> tuple[str, int]:
        answers = request.form.to_dict(flat=False)
        key = (answers.pop("submission_key", [""]) or [""])[0]
        if not key or len(key) > 64:
            abort(400)
        row = BaselineReport(id=str(uuid.uuid4()), received_at=datetime.now(timezone.utc), submission_key=key,
                             body=json.dumps(answers).encode("utf-8"))
        with maker() as dbs, dbs.begin():
            dbs.add(row)
        return row.id, 201

    return app
