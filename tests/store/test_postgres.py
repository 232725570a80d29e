"""The same migrations and storage on PostgreSQL (127.0.0.1:5432, database `test`), in a schema of its own.

A developer machine without PostgreSQL skips these with a reason; CI sets PORTAL_REQUIRE_POSTGRES=1 so a
missing server fails instead.
"""
from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from portal.store.models import Report
from tests.conftest import Reporter, form_tokens, make_app, open_all
from tests.staff_helpers import POSTGRES_URL, postgres_reachable

if not postgres_reachable():
    if os.environ.get("PORTAL_REQUIRE_POSTGRES") == "1":
        raise RuntimeError(f"PostgreSQL is required (PORTAL_REQUIRE_POSTGRES=1) but {POSTGRES_URL} is unreachable")
    pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: PostgreSQL tests not run", allow_module_level=True)


@pytest.fixture
def pg_url(pg_schema_url):  # type: ignore[no-untyped-def]
    return pg_schema_url  # a schema of its own for each test (tests/staff_helpers.py)


def test_migrations_and_a_sealed_report_on_postgresql(pg_url):
    app = make_app()
    assert app.config["DATABASE_URL"] == pg_url
    response = Reporter(app.test_client()).send({"story": "Postgres story ŵ", "contact_methods": ["none"]})
    assert response.status_code == 303
    (stored,) = open_all(app)
    assert stored["answers"]["story"] == "Postgres story ŵ"


def test_simultaneous_retries_create_one_report_on_postgresql(pg_url):
    app = make_app()
    clients = [app.test_client() for _ in range(6)]
    tokens = [{**form_tokens(c.get("/en/tell-us/you").get_data(as_text=True)), "submission_key": "k" * 30}
              for c in clients]
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda i=i: statuses.append(
        Reporter(clients[i]).send({"contact_methods": ["none"]}, tokens=tokens[i]).status_code)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [303] * 6
    with app.extensions["sessionmaker"]() as dbs:
        assert dbs.scalar(select(func.count()).select_from(Report)) == 1
