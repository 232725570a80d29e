"""`portal staff`: making the first team lead on a fresh install, resetting a code, listing accounts."""
from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from portal.cli import main
from portal.store.models import AuditEvent, StaffUser
from portal.team.accounts import BadCode, check_code, check_password
from tests.conftest import make_app

EMAIL = "Lead@Example.org"
PASSWORD = "correct horse battery"


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def secret_from(output: str) -> str:
    match = re.search(r"Authenticator secret: ([A-Z2-7 ]+)\n", output)
    assert match, output
    return match.group(1).replace(" ", "")


@pytest.fixture
def app(instance: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PORTAL_NEW_STAFF_PASSWORD", raising=False)
    return make_app()


def test_add_with_password_from_the_environment_gives_a_working_code(app, monkeypatch):
    monkeypatch.setenv("PORTAL_NEW_STAFF_PASSWORD", PASSWORD)
    result = run("staff", "add", EMAIL, "--role", "lead", "--name", "Nia Lead", "--language", "cy")
    assert result.exit_code == 0, result.output
    secret = secret_from(result.output)
    assert re.search(r"Authenticator secret: ([A-Z2-7]{4} )+[A-Z2-7]{1,4}\n", result.output)  # grouped in fours
    assert "otpauth://totp/" in result.output and f"secret={secret}" in result.output
    assert "issuer=Example%20Housing" in result.output and "/staff/sign-in" in result.output
    with app.app_context():
        with app.extensions["sessionmaker"]() as dbs:
            staff = check_password(dbs, EMAIL, PASSWORD)
            assert (staff.email, staff.role, staff.name, staff.language) == ("lead@example.org", "lead", "Nia Lead",
                                                                               "cy")
            assert not staff.totp_enrolled and f"Account {staff.id} made" in result.output
            check_code(dbs, staff, pyotp.TOTP(secret).now(), app.config["SECRET_KEY"])
            assert staff.totp_enrolled
            (event,) = dbs.scalars(select(AuditEvent)).all()
            assert event.action == "staff.added" and event.actor.startswith("cli:")
            assert event.detail == f"staff:{staff.id} role:lead" and "example" not in event.detail


def test_add_reads_one_line_of_piped_standard_input(app):
    result = run("staff", "add", "officer@example.org", "--role", "officer", input=PASSWORD + "\nignored\n")
    assert result.exit_code == 0, result.output
    with app.extensions["sessionmaker"]() as dbs:
        staff = check_password(dbs, "officer@example.org", PASSWORD)
        assert staff.role == "officer" and staff.language == "en"
        check_code(dbs, staff, pyotp.TOTP(secret_from(result.output)).now(), app.config["SECRET_KEY"])


def test_a_short_password_is_refused_and_nothing_is_made(app, monkeypatch):
    monkeypatch.setenv("PORTAL_NEW_STAFF_PASSWORD", "short")
    result = CliRunner().invoke(main, ["staff", "add", EMAIL, "--role", "lead"])
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    assert "Authenticator secret" not in result.output
    with app.extensions["sessionmaker"]() as dbs:
        assert dbs.scalars(select(StaffUser)).all() == [] and dbs.scalars(select(AuditEvent)).all() == []


def test_a_second_account_with_the_same_address_is_refused(app, monkeypatch):
    monkeypatch.setenv("PORTAL_NEW_STAFF_PASSWORD", PASSWORD)
    assert run("staff", "add", EMAIL, "--role", "lead").exit_code == 0
    again = CliRunner().invoke(main, ["staff", "add", EMAIL.lower(), "--role", "officer"])
    assert again.exit_code != 0 and "already an account" in again.output
    with app.extensions["sessionmaker"]() as dbs:
        assert [s.role for s in dbs.scalars(select(StaffUser)).all()] == ["lead"]


def test_a_role_that_does_not_exist_is_refused(app, monkeypatch):
    monkeypatch.setenv("PORTAL_NEW_STAFF_PASSWORD", PASSWORD)
    result = CliRunner().invoke(main, ["staff", "add", EMAIL, "--role", "admin"])
    assert result.exit_code == 2 and "'admin' is not one of" in result.output
    with app.extensions["sessionmaker"]() as dbs:
        assert dbs.scalars(select(StaffUser)).all() == []


def test_an_address_without_an_at_sign_is_refused(app, monkeypatch):
    monkeypatch.setenv("PORTAL_NEW_STAFF_PASSWORD", PASSWORD)
    result = CliRunner().invoke(main, ["staff", "add", "lead.example.org", "--role", "lead"])
    assert result.exit_code == 1 and "enter an e-mail address" in result.output


def test_production_without_the_web_apps_secret_key_refuses(instance, monkeypatch):
    make_app()
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_PUBLIC_KEY_FILE", str(instance / "keys" / "current.public.json"))
    monkeypatch.setenv("PORTAL_NEW_STAFF_PASSWORD", PASSWORD)
    result = CliRunner().invoke(main, ["staff", "add", EMAIL, "--role", "lead"])
    assert result.exit_code != 0 and "PORTAL_SECRET_KEY" in result.output
    monkeypatch.setenv("PORTAL_SECRET_KEY", "z" * 40)
    assert CliRunner().invoke(main, ["staff", "add", EMAIL, "--role", "lead"]).exit_code == 0


def test_list_shows_accounts_but_no_secret(app, monkeypatch):
    monkeypatch.setenv("PORTAL_NEW_STAFF_PASSWORD", PASSWORD)
    added = run("staff", "add", EMAIL, "--role", "auditor")
    secret = secret_from(added.output)
    listing = run("staff", "list")
    assert listing.exit_code == 0, listing.output
    assert re.search(r"^\s+1\s+auditor\s+yes\s+no\s+lead@example.org$", listing.output, re.MULTILINE), listing.output
    assert secret not in listing.output
    assert "v1:" not in listing.output and "argon2" not in listing.output and PASSWORD not in listing.output


def test_reset_code_replaces_the_secret(app, monkeypatch):
    monkeypatch.setenv("PORTAL_NEW_STAFF_PASSWORD", PASSWORD)
    old = secret_from(run("staff", "add", EMAIL, "--role", "officer").output)
    result = run("staff", "reset-code", EMAIL)
    assert result.exit_code == 0, result.output
    new = secret_from(result.output)
    assert new != old
    with app.extensions["sessionmaker"]() as dbs:
        staff = dbs.scalar(select(StaffUser))
        assert staff.session_epoch == 1
        with pytest.raises(BadCode):
            check_code(dbs, staff, pyotp.TOTP(old).now(), app.config["SECRET_KEY"])
        check_code(dbs, staff, pyotp.TOTP(new).now(), app.config["SECRET_KEY"])
        assert [e.action for e in dbs.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
            "staff.added", "staff.reset-code"]
    unknown = CliRunner().invoke(main, ["staff", "reset-code", "nobody@example.org"])
    assert unknown.exit_code != 0 and "No account" in unknown.output
