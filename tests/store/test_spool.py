"""Nothing lost when the database is down: the spool, replayed exactly once; and the faults that fail closed.

The outage is real, not mocked: the "down" app's database path is a directory, so every connection fails
exactly as SQLite fails when its file cannot be opened. Both apps share one instance directory (keys, spool).
"""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from portal import create_app
from portal.store import spool
from portal.store.models import Report
from tests.conftest import CheckedClient, Reporter, make_app, open_all
from tests.pg import ON_POSTGRES

STORY = "Spool story: he took my keys ŵ"
ANSWERS = {"story": STORY, "contact_methods": ["none"]}


def reference_in(html: str) -> str:
    import re
    return re.search(r'class="reference">([^<]+)<', html).group(1)  # type: ignore[union-attr]


def count(app: Flask) -> int:
    with app.extensions["sessionmaker"]() as dbs:
        return dbs.scalar(select(func.count()).select_from(Report)) or 0


@pytest.fixture
def up(instance: Path) -> Flask:
    return make_app({"SPOOL_REPLAY_SECONDS": 3600})


def unreachable_database(instance: Path) -> str:
    """SQLite: the database path is a directory, so it cannot be opened. PostgreSQL: nothing listens."""
    if ON_POSTGRES:
        return "postgresql+psycopg://postgres@127.0.0.1:1/test"
    (instance / "gone.db").mkdir()
    return f"sqlite:///{instance / 'gone.db'}"


@pytest.fixture
def down(up: Flask, instance: Path) -> Flask:
    """The same host with its database gone."""
    app = create_app({"TESTING": True, "DATABASE_URL": unreachable_database(instance), "SPOOL_REPLAY_SECONDS": 3600})
    app.test_client_class = CheckedClient
    return app


def spool_dir(app: Flask) -> Path:
    return Path(app.config["SPOOL_DIR"])


def test_a_report_sent_while_the_database_is_down_is_confirmed_and_kept_sealed(down, up):
    client = down.test_client()
    response = Reporter(client).send(ANSWERS)
    html = response.get_data(as_text=True)
    # The normal confirmation, shown straight away (no session can carry it to /sent).
    assert response.status_code == 200 and "class=\"reference\"" in html
    (path,) = spool.waiting(spool_dir(down))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(spool_dir(down).stat().st_mode) == 0o700
    raw = path.read_bytes()
    assert STORY.encode() not in raw and b"took my keys" not in raw
    assert json.loads(raw)["reference"] == reference_in(html)
    assert count(up) == 0


def test_a_double_tap_during_the_outage_spools_one_report_with_one_reference(down):
    reporter = Reporter(down.test_client())
    tokens = reporter.open_form()
    first = reference_in(reporter.send(ANSWERS, tokens=tokens).get_data(as_text=True))
    second = reference_in(reporter.send(ANSWERS, tokens=tokens).get_data(as_text=True))
    assert first == second
    assert len(spool.waiting(spool_dir(down))) == 1


def test_replay_stores_each_spooled_report_exactly_once(down, up):
    references = {reference_in(Reporter(down.test_client()).send(ANSWERS).get_data(as_text=True))
                  for _ in range(3)}
    maker = up.extensions["sessionmaker"]
    result = spool.replay(maker, spool_dir(up))
    assert (result.stored, result.already_stored, result.left) == (3, 0, 0)
    assert spool.replay(maker, spool_dir(up)).stored == 0  # again: nothing more
    stored = open_all(up)
    assert {r["row"].reference for r in stored} == references
    assert all(r["answers"]["story"] == STORY for r in stored)
    assert spool.waiting(spool_dir(up)) == []


def test_a_crash_between_storing_and_deleting_the_file_does_not_duplicate(down, up):
    Reporter(down.test_client()).send(ANSWERS)
    (path,) = spool.waiting(spool_dir(up))
    with up.extensions["sessionmaker"]() as dbs:  # the row went in, then the process died
        assert spool.store(dbs, spool.read(path)) is True
    result = spool.replay(up.extensions["sessionmaker"], spool_dir(up))
    assert (result.stored, result.already_stored) == (0, 1)
    assert count(up) == 1 and spool.waiting(spool_dir(up)) == []


def test_replay_leaves_the_spool_alone_while_the_database_is_still_down(down):
    Reporter(down.test_client()).send(ANSWERS)
    result = spool.replay(down.extensions["sessionmaker"], spool_dir(down))
    assert (result.stored, result.left) == (0, 1)
    assert len(spool.waiting(spool_dir(down))) == 1


def test_the_next_stored_report_replays_the_spool(down, up):
    spooled = reference_in(Reporter(down.test_client()).send(ANSWERS).get_data(as_text=True))
    assert Reporter(up.test_client()).send(ANSWERS).status_code == 303
    assert {r["row"].reference for r in open_all(up)} >= {spooled}
    assert count(up) == 2 and spool.waiting(spool_dir(up)) == []


def test_each_worker_replays_by_itself_once_the_database_is_back(down, instance):
    Reporter(down.test_client()).send(ANSWERS)
    app = make_app({"SPOOL_REPLAY_SECONDS": 0.05, "SPOOL_REPLAY_IN_TESTS": True})
    app.test_client().get("/en/")  # the first request starts the worker's replay thread
    deadline = time.monotonic() + 10
    while spool.waiting(spool_dir(app)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert spool.waiting(spool_dir(app)) == [] and count(app) == 1


def test_the_same_submission_after_the_database_returns_keeps_its_first_reference(down, up):
    tokens = Reporter(down.test_client()).open_form()
    first = reference_in(Reporter(down.test_client()).send(ANSWERS, tokens=tokens).get_data(as_text=True))
    client = up.test_client()
    retry = Reporter(client).send(ANSWERS, tokens=tokens)  # the person taps "send" again, later
    assert retry.status_code == 303
    assert reference_in(client.get("/en/sent").get_data(as_text=True)) == first
    assert count(up) == 1 and spool.waiting(spool_dir(up)) == []


def test_the_replay_command(down, up, instance):
    from portal.cli import main
    Reporter(down.test_client()).send(ANSWERS)
    runner = CliRunner()
    status = runner.invoke(main, ["spool", "status"])
    assert status.exit_code == 0 and status.output.startswith("1 report(s) waiting")
    result = runner.invoke(main, ["spool", "replay"])
    assert result.exit_code == 0, result.output
    assert "Stored 1, already stored 0, still waiting 0." in result.output
    assert count(up) == 1


def test_the_replay_command_says_when_reports_still_wait(down, monkeypatch, instance):
    from portal.cli import main
    Reporter(down.test_client()).send(ANSWERS)
    monkeypatch.setenv("PORTAL_DATABASE_URL", down.config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["spool", "replay"])
    assert result.exit_code != 0 and "still in the spool" in result.output


# --- faults that must fail closed: never a confirmation for a report that was not stored -----------------


def test_database_down_and_spool_unwritable_fails_closed_keeping_the_text(instance, up):
    blocker = instance / "not-a-directory"
    blocker.write_text("a file where the spool directory should be")
    app = create_app({"TESTING": True, "DATABASE_URL": unreachable_database(instance),
                      "SPOOL_DIR": str(blocker / "spool")})
    client = app.test_client()
    response = Reporter(client).send(ANSWERS)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "has not been sent" in html and STORY in html
    assert 'class="reference"' not in html
    assert client.get("/en/sent").status_code == 302


def test_a_read_only_database_spools_instead(instance, up):
    url = up.config["DATABASE_URL"]
    if ON_POSTGRES:  # every transaction read-only, as on a standby or a server out of disk
        read_only = url + "%20-cdefault_transaction_read_only%3Don"
    else:
        read_only = f"sqlite:///file:{url.split('///', 1)[1]}?mode=ro&uri=true"
    app = create_app({"TESTING": True, "DATABASE_URL": read_only})
    response = Reporter(app.test_client()).send(ANSWERS)
    assert response.status_code == 200 and 'class="reference"' in response.get_data(as_text=True)
    assert len(spool.waiting(spool_dir(app))) == 1 and count(up) == 0


DISK_FULL = textwrap.dedent("""
    import resource, signal, sys
    sys.path.insert(0, {root!r})
    from tests.conftest import Reporter, make_app
    app = make_app({{"SPOOL_REPLAY_SECONDS": 3600}})
    reporter = Reporter(app.test_client())
    tokens = reporter.open_form()
    # A full disk, for real: the kernel refuses to let this process grow any file past its current size.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
    response = reporter.send({{"story": {story!r}, "contact_methods": ["none"]}}, tokens=tokens)
    html = response.get_data(as_text=True)
    print(response.status_code, {story!r} in html, 'class="reference"' in html)
""")


@pytest.mark.single_pass  # the SQLite file is on this disk; PostgreSQL's disk is the server's
def test_a_full_disk_fails_closed_keeping_the_text(instance, up):
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([sys.executable, "-c", DISK_FULL.format(root=root, story=STORY)], env=env,
                         capture_output=True, text=True, timeout=120, cwd=root)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["503", "True", "False"]
    assert count(up) == 0 and spool.waiting(spool_dir(up)) == []


def test_an_encryption_error_fails_closed_keeping_the_text(app, client, reporter, monkeypatch):
    from cryptography.hazmat.primitives import hpke

    def broken(*_args, **_kwargs):  # fault injection: the HPKE library fails mid-seal
        raise ValueError("injected")

    tokens = reporter.open_form()
    monkeypatch.setattr(hpke.Suite, "encrypt", broken)
    response = reporter.send(ANSWERS, tokens=tokens)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and STORY in html and "has not been sent" in html
    assert count(app) == 0 and spool.waiting(spool_dir(app)) == []


@pytest.mark.single_pass  # SQLite's own durability settings
def test_sqlite_runs_in_wal_mode_with_full_durability(app):
    from sqlalchemy import text
    with app.extensions["engine"].connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
