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
from sqlalchemy import LargeBinary, func, select

from portal.cli import main
from portal.crypto.keys import load_private_keys, load_public, write_key_pair
from portal.crypto.sealing import Opener
from portal.store.models import AuditEvent, CaseEntry, ContactAttempt, Message, Report
from tests.staff_helpers import (
    DEV_PASSPHRASE,
    STORY,
    csrf_from,
    dbs,
    html_of,
    messages_page,
    new_client,
    post_form,
    reporter_with_receipt,
    send_report,
    sign_in_with,
    signed_in,
    write,
)

NOTE = "Rotation note: spoke to her at work"
REPORTER_MESSAGE = "Rotation message: he is back on Friday"
REPLY = "Rotation reply: we will try again on Thursday"


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def run(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def key_ids(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every sealed record's key id, from every table rotation knows (read from the models)."""
    from portal.store.rotation import sealed_tables
    found: dict[str, str] = {}
    with dbs(app) as s:
        for table in sealed_tables():
            for row in s.execute(select(table.model.id, getattr(table.model, table.key_column))):
                if row[1] is not None:  # a row with nothing sealed in it (an attempt with no reason)
                    found[f"{table.name}:{row[0]}"] = row[1]
        found.update({r.reference: r.key_id for r in s.scalars(select(Report))})
    return found


def current_key(app) -> str:  # type: ignore[no-untyped-def]
    return load_public(Path(app.config["PUBLIC_KEY_FILE"])).key_id


def open_everything(app) -> list[str]:  # type: ignore[no-untyped-def]
    opener = Opener(load_private_keys(Path(app.config["PRIVATE_KEY_DIR"]), DEV_PASSPHRASE))
    with dbs(app) as s:
        texts = [opener.open_json(r.sealed, "report", r.id)["answers"].get("story",
                                                                           "") for r in s.scalars(select(Report))]
        texts += [opener.open_json(e.sealed, e.kind, e.id)["text"] for e in s.scalars(select(CaseEntry))]
        texts += [opener.open(m.sealed, "message", m.id).decode() for m in s.scalars(select(Message))]
    return texts


def test_every_binary_column_says_what_seals_it_and_rotation_knows_every_team_sealed_one():
    """A new sealed column cannot be forgotten by rotation: rotation reads them from the models, and every
    binary column must say what it holds."""
    from portal.store.models import SEALED_TO_TEAM, Base
    from portal.store.rotation import sealed_tables
    known = {(t.name, column) for t in sealed_tables() for column, _purpose, _from in t.columns}
    team = set()
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, LargeBinary):
                assert "sealed" in column.info or "not_sealed" in column.info, f"{table.name}.{column.name}"
            if column.info.get("sealed", {}).get("to") == SEALED_TO_TEAM:
                team.add((table.name, column.name))
                assert column.info["sealed"]["key_column"] in table.columns, f"{table.name}.{column.name}"
    assert team == known
    assert {("report", "sealed"), ("case_entry", "sealed"), ("message", "sealed")} <= known


def test_rotate_reseal_retire_keeps_every_record_readable_conversations_too(app):
    """The documented procedure, end to end, with a conversation both ways (on each database)."""
    reporter, old_reference, receipt = reporter_with_receipt(app)
    assert write(reporter, REPORTER_MESSAGE).status_code == 303
    client, _officer = signed_in(app, "officer")
    assert post_form(client, f"/staff/cases/{old_reference}/note", {"text": NOTE}).status_code == 303
    assert post_form(client, f"/staff/cases/{old_reference}/reply",
                     {"text": REPLY, "language": "en"}).status_code == 303
    old = current_key(app)
    assert set(key_ids(app).values()) == {old}

    output = run("keys", "rotate")
    new = current_key(app)
    assert new != old and f"New key {new} is now current" in output and f"portal keys retire {old}" in output

    # New reports seal to the new key at once (the public side re-reads the file); old ones still open,
    # in the same running staff app, which picks up the new private key without a restart.
    new_reference = send_report(new_client(app))
    assert key_ids(app)[new_reference] == new and key_ids(app)[old_reference] == old
    for reference in (old_reference, new_reference):
        assert STORY in html_of(client.get(f"/staff/cases/{reference}"))

    refused = run("keys", "retire", old, "--yes", ok=False)
    assert "still sealed to it" in refused and "message" in refused
    assert "it is the current key" in run("keys", "retire", new, "--yes", ok=False)
    listing = run("keys", "list")
    assert f"{old}" in listing and f"{new}" in listing and "message 2" in listing

    assert "Re-sealed 4 record(s)" in (done := run("keys", "reseal")), done
    assert "case_entry 1" in done and "message 2" in done and "report 1" in done
    assert set(key_ids(app).values()) == {new}
    assert "Re-sealed 0 record(s)" in run("keys", "reseal")  # nothing left: safe to run again

    output = run("keys", "retire", old, "--yes")
    assert f"Retired key {old}" in output
    key_dir = Path(app.config["PRIVATE_KEY_DIR"])
    assert not (key_dir / f"{old}.private.json").exists() and not (key_dir / f"{old}.public.json").exists()
    texts = open_everything(app)  # only the new key is left, and it opens everything
    assert texts.count(STORY) == 2 and NOTE in texts and REPORTER_MESSAGE in texts and REPLY in texts
    for path in ("", "/print?chosen=1&part=conversation", "/reply"):
        page = client.get(f"/staff/cases/{old_reference}{path}")
        assert page.status_code == 200, path
        assert REPORTER_MESSAGE in html_of(page) and "cannot be opened" not in html_of(page), path
    # The reporter's own copies are sealed to the receipt, which rotation never touches: still readable.
    again = new_client(app)
    assert sign_in_with(again, receipt).status_code == 303
    assert REPLY in messages_page(again) and REPORTER_MESSAGE in messages_page(again)
    with dbs(app) as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.action.like("keys.%")))]
    assert actions == ["keys.rotated", "keys.resealed", "keys.resealed", "keys.retired"]


def test_one_record_that_will_not_open_degrades_only_itself(app, tmp_path):
    """A message, a note or the report sealed to a key that is not here: the case, print and reply pages
    still work and say which record cannot be opened; everything else is shown."""
    from portal.crypto.sealing import Sealer
    reporter, reference, _receipt = reporter_with_receipt(app)
    assert write(reporter, REPORTER_MESSAGE).status_code == 303
    assert write(reporter, "A second message, still readable").status_code == 303
    client, _officer = signed_in(app, "officer")
    assert post_form(client, f"/staff/cases/{reference}/note", {"text": NOTE}).status_code == 303
    lost = write_key_pair(tmp_path / "lost", DEV_PASSPHRASE, make_current=False)
    with dbs(app) as s:
        first = s.scalar(select(Message).where(Message.from_reporter.is_(True)).order_by(Message.at))
        first.sealed, first.key_id = Sealer(lost).seal(b"gone", "message", first.id), lost.key_id
        s.commit()
    for path in ("", "/print?chosen=1&part=conversation", "/reply"):
        page = client.get(f"/staff/cases/{reference}{path}")
        assert page.status_code == 200, path
        html = html_of(page)
        assert "This message cannot be opened." in html and lost.key_id in html, path
        assert "A second message, still readable" in html and REPORTER_MESSAGE not in html, path
    assert NOTE in html_of(client.get(f"/staff/cases/{reference}"))

    with dbs(app) as s:  # now a note that was tampered with, and the report itself under the lost key
        entry = s.scalar(select(CaseEntry))
        entry.sealed = entry.sealed[:-1] + bytes([entry.sealed[-1] ^ 1])
        report = s.scalar(select(Report).where(Report.reference == reference))
        report.sealed = Sealer(lost).seal_json({"kind": "self", "answers": {}}, "report", report.id)
        s.commit()
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "The report cannot be opened." in html and "This record cannot be opened." in html
    assert "It is damaged, or it was not sealed for this case." in html
    assert "A second message, still readable" in html and STORY not in html
    contact = client.get(f"/staff/cases/{reference}/contact")
    assert contact.status_code == 200 and "no contact can be recorded" in html_of(contact)
    refused = client.post(f"/staff/cases/{reference}/contact", data={
        "csrf_token": csrf_from(contact), "method": "text", "outcome": "spoke", "profile_checked": "y"})
    assert refused.status_code == 400
    with dbs(app) as s:
        assert s.scalar(select(func.count()).select_from(ContactAttempt)) == 0


def test_reseal_stops_cleanly_on_a_record_it_cannot_open(app, tmp_path):
    public = new_client(app)
    reference = send_report(public)
    # A report sealed to a key whose private half is not on this host (say, lost).
    elsewhere = write_key_pair(tmp_path / "elsewhere", DEV_PASSPHRASE, make_current=False)
    from portal.crypto.sealing import Sealer
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
    assert c.get("/en/tell-us/you", base_url="https://x").status_code == 203  # the form, never kept for Back
    every_staff_url = {re.sub(r"<[^>]+>", "1", rule.rule)
                       for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff")}
    assert len(every_staff_url) > 20, every_staff_url
    for path in every_staff_url:  # every URL the staff side has, GET and POST: nothing there
        assert c.get(path, base_url="https://x").status_code == 404, path
        # 405 only where the path happens to fit a public GET-only pattern (/staff/ looks like /<lang>/).
        assert c.post(path, base_url="https://x").status_code in (404, 405), path
    # The public process cannot open a report, even with the database in reach.
    from portal.casework.cases import CaseUnavailable, opener
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


def test_reseal_covers_complaints_their_responses_and_the_survivor_s_feedback(app):
    """The new sealed columns are found from the models like every other: a complaint made through the receipt, its
    response (sealed under its own key column), and the survivor's answers are all sealed again and still open."""
    import re as regex

    from portal.store.complaint_models import (
        COMPLAINT_PURPOSE,
        COMPLAINT_RESPONSE_PURPOSE,
        FEEDBACK_PURPOSE,
        Complaint,
        SurvivorFeedback,
    )
    from portal.store.rotation import sealed_tables
    from tests.staff_helpers import set_report

    assert {("complaint", "key_id"), ("complaint", "response_key_id"), ("survivor_feedback", "key_id")} <= {
        (t.name, t.key_column) for t in sealed_tables()}
    reporter, reference, _receipt = reporter_with_receipt(app)
    page = html_of(reporter.get("/en/replies/complaint"))
    key = regex.search(r'name="submission_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    sent = reporter.post("/en/replies/complaint", data={"csrf_token": csrf_from(page), "submission_key": key,
                                                        "text": "Rotation complaint", "action": "send"})
    assert sent.status_code == 303
    client, _officer = signed_in(app, "officer")
    client.get(f"/staff/cases/{reference}")  # the team looks: the complaint gets its deadline
    with dbs(app) as s:
        complaint_id = s.scalars(select(Complaint.id)).one()
    url = f"/staff/cases/{reference}/complaints/{complaint_id}"
    assert post_form(client, f"{url}/outcome", {"outcome": "upheld", "summary": "Rotation response"},
                     token_from=url).status_code == 303
    set_report(app, reference, is_open=False, status="closed", close_reason="support_in_place")
    page = html_of(reporter.get("/en/replies/feedback"))
    assert reporter.post("/en/replies/feedback", data={"csrf_token": csrf_from(page), "safer": "yes",
                                                       "comment": "Rotation feedback", "action": "send"}
                         ).status_code == 303
    old = current_key(app)
    run("keys", "rotate")
    new = current_key(app)
    listing = run("keys", "list")
    assert regex.search(r"complaint 2\b", listing), listing  # the complaint and its response, both under the old key
    done = run("keys", "reseal")
    assert "complaint 2" in done and "survivor_feedback 1" in done, done
    run("keys", "retire", old, "--yes")
    opener = Opener(load_private_keys(Path(app.config["PRIVATE_KEY_DIR"]), DEV_PASSPHRASE))
    with dbs(app) as s:
        row = s.get(Complaint, complaint_id)
        assert (row.key_id, row.response_key_id) == (new, new)
        assert opener.open_json(row.sealed, COMPLAINT_PURPOSE, row.id)["text"] == "Rotation complaint"
        assert opener.open_json(row.response_sealed, COMPLAINT_RESPONSE_PURPOSE, row.id)["text"] == "Rotation response"
        feedback = s.scalars(select(SurvivorFeedback)).one()
        assert feedback.key_id == new
        assert opener.open_json(feedback.sealed, FEEDBACK_PURPOSE, feedback.id)["comment"] == "Rotation feedback"
    assert "Rotation complaint" in html_of(client.get(url)) and "cannot be opened" not in html_of(client.get(url))
