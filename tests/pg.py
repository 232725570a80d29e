"""PostgreSQL for the tests: the machine's server (127.0.0.1:5432, database `test`), a schema per test.

Two uses: the PostgreSQL-specific tests ask for a schema (the `pg_schema_url` fixture), and the PostgreSQL
pass of `make test` runs the whole non-browser suite with every test's app on a schema of its own
(`PORTAL_TEST_DATABASE=postgresql`, started by `python -m tests.pg`).

A developer machine without PostgreSQL skips with a reason; CI sets PORTAL_REQUIRE_POSTGRES=1 so a missing
server fails instead.
"""
from __future__ import annotations

import functools
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ON_POSTGRES = os.environ.get("PORTAL_TEST_DATABASE") == "postgresql"
REQUIRED = os.environ.get("PORTAL_REQUIRE_POSTGRES") == "1"


@functools.lru_cache(maxsize=1)
def postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def require_postgres() -> None:
    if not postgres_reachable():
        if REQUIRED:
            pytest.fail(f"PostgreSQL is required (PORTAL_REQUIRE_POSTGRES=1) but {POSTGRES_URL} is unreachable")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: PostgreSQL tests not run")


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh schema; yields a database URL whose search_path is that schema; drops it afterwards."""
    schema = "t_" + secrets.token_hex(6)
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def main(argv: list[str]) -> int:
    """`make test`'s PostgreSQL pass: the non-browser suite again, every app on PostgreSQL."""
    if not postgres_reachable():
        if REQUIRED:
            print(f"PostgreSQL is required (PORTAL_REQUIRE_POSTGRES=1) but {POSTGRES_URL} is unreachable")
            return 1
        bar = "!" * 78
        print(f"{bar}\n!! NO POSTGRESQL at {POSTGRES_URL}: the PostgreSQL pass was NOT run.\n{bar}")
        return 0
    env = {**os.environ, "PORTAL_TEST_DATABASE": "postgresql"}
    command = [sys.executable, "-m", "pytest", "-m", "not browser and not single_pass", "-p", "no:cacheprovider",
               *argv]
    print("PostgreSQL pass:", " ".join(command[1:]), flush=True)
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
