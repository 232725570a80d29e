"""Key rotation (rotate → reseal → retire) and the split of the two processes (public seals, triage opens).

The commands run through the real CLI on the test's own instance (SQLite file, key directory); the staff
web app is the same running app before and after, so "no restart needed" is tested, not assumed.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from portal.cli import main
from portal.keys import load_private_keys, load_public, write_key_pair
from portal.models import AuditEvent, CaseEntry, Report
from portal.sealing import Opener
from tests.staff_helpers import (DEV_PASSPHRASE, STORY, dbs, html_of, new_client, post_form, send_report,
                                 signed_in)

NOTE = "Rotation note: spoke to her at work"


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def run(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def key_ids(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        reports = {r.reference: r.key_id for r in s.scalars(select(Report))}
        reports.update({f"entry:{e.id}": e.key_id for e in s.scalars(select(CaseEntry))})
        return reports


def current_key(app) -> str:  # type: ignore[no-untyped-def]
    return load_public(Path(app.config["PUBLIC_KEY_FILE"])).key_id


def open_everything(app) -> list[str]:  # type: ignore[no-untyped-def]
    opener = Opener(load_private_keys(Path(app.config["PRIVATE_KEY_DIR"]), DEV_PASSPHRASE))
    with dbs(app) as s:
        texts = [opener.open_json(r.sealed, "report", r.id)["answers"].get("story", "") for r in s.scalars(select(Report))]
        texts += [opener.open_json(e.sealed, e.kind, e.id)["text"] for e in s.scalars(select(CaseEntry))]
    return texts


def test_rotate_reseal_retire_keeps_every_record_readable(app):
    public = new_client(app)
    old_reference = send_report(public)
    client, _officer = signed_in(app, "officer")
    assert post_form(client, f"/staff/cases/{old_reference}/note", {"text": NOTE}).status_code == 303
    old = current_key(app)
    assert set(key_ids(app).values()) == {old}

    output = run("keys", "rotate")
    new = current_key(app)
    assert new != old and f"New key {new} is now current" in output and f"portal keys retire {old}" in output

    # New reports seal to the new key at once (the public side re-reads the file); old ones still open,
    # in the same running staff app, which picks up the new private key without a restart.
    new_reference = send_report(public)
    assert key_ids(app)[new_reference] == new and key_ids(app)[old_reference] == old
    for reference in (old_reference, new_reference):
        assert STORY in html_of(client.get(f"/staff/cases/{reference}"))

    refused = run("keys", "retire", old, "--yes", ok=False)
    assert "still sealed to it" in refused
    assert "it is the current key" in run("keys", "retire", new, "--yes", ok=False)
    listing = run("keys", "list")
    assert f"{old}" in listing and f"{new}" in listing

    assert "Re-sealed 1 report(s) and 1 case entr(y/ies)" in run("keys", "reseal")
    assert set(key_ids(app).values()) == {new}
    assert "Re-sealed 0 report(s)" in run("keys", "reseal")  # nothing left: safe to run again

    output = run("keys", "retire", old, "--yes")
    assert f"Retired key {old}" in output
    key_dir = Path(app.config["PRIVATE_KEY_DIR"])
    assert not (key_dir / f"{old}.private.json").exists() and not (key_dir / f"{old}.public.json").exists()
    texts = open_everything(app)  # only the new key is left, and it opens everything
    assert texts.count(STORY) == 2 and NOTE in texts
    assert STORY in html_of(client.get(f"/staff/cases/{old_reference}"))
    with dbs(app) as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.action.like("keys.%")))]
    assert actions == ["keys.rotated", "keys.resealed", "keys.resealed", "keys.retired"]


def test_reseal_stops_cleanly_on_a_record_it_cannot_open(app, tmp_path):
    public = new_client(app)
    reference = send_report(public)
    # A report sealed to a key whose private half is not on this host (say, lost).
    elsewhere = write_key_pair(tmp_path / "elsewhere", DEV_PASSPHRASE, make_current=False)
    from portal.sealing import Sealer
    with dbs(app) as s:
        row = s.scalar(select(Report).where(Report.reference == reference))
        row.sealed = Sealer(elsewhere).seal_json({"kind": "self", "answers": {}}, "report", row.id)
        row.key_id = elsewhere.key_id
        s.commit()
    run("keys", "rotate")
    output = run("keys", "reseal", ok=False)
    assert "cannot be opened here" in output and "What was done is kept" in output
    assert key_ids(app)[reference] == elsewhere.key_id


def test_the_rotate_command_needs_the_private_key_directory(instance, monkeypatch):
    from tests.conftest import make_app
    make_app()
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "z" * 40)
    monkeypatch.setenv("PORTAL_PUBLIC_KEY_FILE", str(instance / "keys" / "current.public.json"))
    assert "run this on the triage host" in run("keys", "rotate", ok=False)


# --- the two processes ---------------------------------------------------------------------------------


def production(monkeypatch, instance, **env: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "p" * 40)
    for name, value in env.items():
        monkeypatch.setenv(f"PORTAL_{name}", value)


def test_the_public_process_refuses_to_start_beside_a_private_key(instance, monkeypatch):
    from portal import PrivateKeyOnPublicHost
    from portal.wsgi import public
    from tests.conftest import make_app
    make_app()  # development keys: the private key lies beside current.public.json
    production(monkeypatch, instance, PUBLIC_KEY_FILE=str(instance / "keys" / "current.public.json"))
    with pytest.raises(PrivateKeyOnPublicHost, match="must not hold private keys"):
        public()


def test_the_public_process_refuses_a_private_key_setting(instance, monkeypatch, tmp_path):
    from portal import PrivateKeyOnPublicHost
    from portal.wsgi import public
    from tests.conftest import make_app
    app = make_app()
    only = tmp_path / "public-only"
    only.mkdir()
    (only / "current.public.json").write_bytes(Path(app.config["PUBLIC_KEY_FILE"]).read_bytes())
    production(monkeypatch, instance, PUBLIC_KEY_FILE=str(only / "current.public.json"),
               PRIVATE_KEY_DIR=str(instance / "keys"))
    with pytest.raises(PrivateKeyOnPublicHost):
        public()


def test_public_and_triage_entry_points_serve_only_their_side(instance, monkeypatch, tmp_path):
    from portal.wsgi import public, triage
    from tests.conftest import make_app
    app = make_app()
    only = tmp_path / "public-only"
    only.mkdir()
    (only / "current.public.json").write_bytes(Path(app.config["PUBLIC_KEY_FILE"]).read_bytes())
    production(monkeypatch, instance, PUBLIC_KEY_FILE=str(only / "current.public.json"))
    front = public()
    assert front.config["PRIVATE_KEY_DIR"] is None and front.config["KEY_PASSPHRASE"] is None
    assert "staff" not in front.blueprints
    assert not [rule.rule for rule in front.url_map.iter_rules() if rule.rule.startswith("/staff")]
    c = front.test_client()
    assert c.get("/en/tell-us/you", base_url="https://x").status_code == 200
    every_staff_url = {re.sub(r"<[^>]+>", "1", rule.rule)
                       for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff")}
    assert len(every_staff_url) > 20, every_staff_url
    for path in every_staff_url:  # every URL the staff side has, GET and POST: nothing there
        assert c.get(path, base_url="https://x").status_code == 404, path
        # 405 only where the path happens to fit a public GET-only pattern (/staff/ looks like /<lang>/).
        assert c.post(path, base_url="https://x").status_code in (404, 405), path
    # The public process cannot open a report, even with the database in reach.
    from portal.cases import CaseUnavailable, opener
    with front.app_context(), pytest.raises(CaseUnavailable):
        opener()

    monkeypatch.setenv("PORTAL_PRIVATE_KEY_DIR", str(instance / "keys"))
    monkeypatch.setenv("PORTAL_KEY_PASSPHRASE", DEV_PASSPHRASE)
    monkeypatch.setenv("PORTAL_PUBLIC_KEY_FILE", str(instance / "keys" / "current.public.json"))
    back = triage()
    assert "public" not in back.blueprints and "staff" in back.blueprints
    t = back.test_client()
    assert t.get("/staff/sign-in", base_url="https://x").status_code == 200
    assert t.get("/en/tell-us/you", base_url="https://x").status_code == 404
    assert json.loads(json.dumps(back.config["PRIVATE_KEY_DIR"])) == str(instance / "keys")


def test_rotate_updates_the_configured_public_key_file_wherever_it_is(app, instance, monkeypatch, tmp_path):
    elsewhere = tmp_path / "seal-with.public.json"
    elsewhere.write_bytes(Path(app.config["PUBLIC_KEY_FILE"]).read_bytes())
    old = load_public(elsewhere).key_id
    monkeypatch.setenv("PORTAL_PUBLIC_KEY_FILE", str(elsewhere))
    monkeypatch.setenv("PORTAL_PRIVATE_KEY_DIR", str(Path(app.config["PRIVATE_KEY_DIR"])))
    output = run("keys", "rotate")
    new = load_public(elsewhere).key_id
    assert new != old and f"New key {new} is now current ({elsewhere})" in output
