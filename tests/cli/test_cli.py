"""The `portal` command: init, keys, and opening a report with its audit trail."""
from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from portal.cli import main
from portal.store.models import AuditEvent
from tests.conftest import make_app

STORY = "The neighbour heard shouting at 2am"


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_init_makes_the_database_and_marked_development_keys(instance: Path):
    result = run("init")
    assert result.exit_code == 0, result.output
    assert "DEVELOPMENT keys" in result.output
    keys = instance / "keys"
    assert (keys / "current.public.json").exists() and list(keys.glob("*.private.json"))
    assert "DEVELOPMENT" in (keys / "DEVELOPMENT-KEYS-README.txt").read_text()
    from sqlalchemy import create_engine, inspect
    engine = create_engine(os.environ.get("PORTAL_DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}")
    assert inspect(engine).has_table("report") and inspect(engine).has_table("audit_event")
    engine.dispose()
    again = run("init")  # idempotent: keeps the keys it made
    assert again.exit_code == 0 and "Made DEVELOPMENT" not in again.output


def test_init_in_production_without_a_key_refuses(instance: Path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "z" * 40)
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code != 0 and "portal keys generate" in result.output


def test_keys_generate_asks_for_a_passphrase_and_wraps_the_key(instance: Path, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")  # no PORTAL_SECRET_KEY needed for key work
    out = tmp_path / "ceremony"
    result = run("keys", "generate", "--dir", str(out), input="a long passphrase\na long passphrase\n")
    assert result.exit_code == 0, result.output
    (private,) = out.glob("*.private.json")
    document = json.loads(private.read_text())
    assert document["kdf"]["name"] == "argon2id" and "a long passphrase" not in private.read_text()


def test_report_show_decrypts_and_records_who_did(instance: Path):
    app = make_app()
    client = app.test_client()
    from tests.conftest import Reporter
    reporter = Reporter(client)
    reporter.send({"story": STORY, "contact_methods": ["none"]})
    reference = client.get("/en/sent").get_data(as_text=True).split('class="reference">')[1].split("<")[0]
    result = run("report", "show", reference.lower())
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["reference"] == reference and shown["content"]["answers"]["story"] == STORY
    with app.extensions["sessionmaker"]() as dbs:
        (event,) = dbs.scalars(select(AuditEvent)).all()
        assert event.action == "report.opened" and event.actor.startswith("cli:")
        assert STORY not in event.detail


def test_report_show_without_private_keys_cannot_open(instance: Path, monkeypatch):
    make_app()
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "z" * 40)
    monkeypatch.setenv("PORTAL_PUBLIC_KEY_FILE", str(instance / "keys" / "current.public.json"))
    result = CliRunner().invoke(main, ["report", "show", "ABCD-EFGH"])
    assert result.exit_code != 0 and "No private keys here" in result.output


def test_report_show_unknown_reference(instance: Path):
    make_app()
    result = CliRunner().invoke(main, ["report", "show", "ZZZZ-ZZZZ"])
    assert result.exit_code != 0 and "No report with reference" in result.output


def test_flask_commands_work_too(instance: Path):
    result = run("routes")
    assert result.exit_code == 0 and "/<lang_code>/tell-us/<slug>" in result.output


def test_a_new_key_directory_and_the_development_database_are_the_owners_alone(instance: Path, monkeypatch):
    """Made with the umask they were 0755 and 0644: anyone on the machine could read the database file."""
    monkeypatch.setenv("PORTAL_PRIVATE_KEY_DIR", str(instance / "fresh-keys"))
    monkeypatch.setenv("PORTAL_PUBLIC_KEY_FILE", str(instance / "fresh-keys" / "current.public.json"))
    assert run("init").exit_code == 0
    assert (instance / "fresh-keys").stat().st_mode & 0o777 == 0o700
    assert run("keys", "rotate").exit_code == 0
    if not os.environ.get("PORTAL_DATABASE_URL"):
        for path in instance.glob("portal.db*"):  # the database and its -wal and -shm files
            assert path.stat().st_mode & 0o777 == 0o600, path
    (private,) = [p for p in (instance / "fresh-keys").glob("*.private.json")][:1]
    assert private.stat().st_mode & 0o777 == 0o600


def test_every_runtime_dependency_is_used():
    """A dependency nothing imports is only something to keep patched (nh3 was one)."""
    import re
    import tomllib
    root = Path(__file__).resolve().parents[2]
    declared = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    imports = {"flask-wtf": "flask_wtf", "flask-babel": "flask_babel", "argon2-cffi": "argon2",
               "flask-limiter": "flask_limiter", "odfpy": "odf"}
    not_imported = {"gunicorn": "the production server: it imports us", "tzdata": "time zone data for zoneinfo",
                    "redis": "loaded by Flask-Limiter for redis:// storage"}
    source = "\n".join(p.read_text() for p in (root / "portal").rglob("*.py"))
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()  # type: ignore[union-attr]
        if name in not_imported:
            continue
        module = imports.get(name, name)
        assert re.search(rf"^\s*(from|import) {module}\b", source, re.M), f"{name} is declared but never imported"
