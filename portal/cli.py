"""The `portal` command: Flask's CLI (so `portal run`, `portal shell`, `portal routes` work) plus ours."""
from __future__ import annotations

import getpass
import json
import os
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

import click
import pyotp
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from portal import create_app
from portal.store import grants, rotation, spool
from portal.store.db import db, upgrade
from portal.crypto.keys import KeyFileError, load_private_keys, load_public, write_key_pair
from portal.store.models import AuditEvent, StaffUser
from portal.casework.notify import NotifyFailed, notify
from portal.intake.reports import ReportNotFound, open_report
from portal.casework.retention import BadRetention, purge
from portal.crypto.sealing import CannotOpen, Opener, Sealer
from portal.web.sessions import purge_expired
from portal.team.accounts import (MIN_PASSWORD_LENGTH, ROLES, TOTP_STEP, AccountError, DuplicateEmail, WeakPassword,
                                   create_staff, normalise_email, reset_code)

NEW_STAFF_PASSWORD = "PORTAL_NEW_STAFF_PASSWORD"


def _command_line_app():  # type: ignore[no-untyped-def]
    return create_app({"COMMAND_LINE": True})


@click.group(cls=FlaskGroup, create_app=_command_line_app, add_version_option=False)
def main() -> None:
    """Report domestic abuse safely: the portal's commands."""


def _passphrase(confirm: bool = False) -> str:
    passphrase = current_app.config["KEY_PASSPHRASE"]
    if passphrase:
        return passphrase
    return click.prompt("Passphrase for the private key", hide_input=True, confirmation_prompt=confirm)


@main.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database, and make development keys if there are none."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")
    public = Path(current_app.config["PUBLIC_KEY_FILE"])
    if public.exists():
        click.echo(f"Sealing key: {public}")
        return
    if current_app.config["ENVIRONMENT"] not in {"development", "test"}:
        raise click.ClickException(f"No public key at {public}. Run `portal keys generate` on the triage host.")
    directory = public.parent
    pub = write_key_pair(directory, current_app.config["KEY_PASSPHRASE"])
    (directory / "DEVELOPMENT-KEYS-README.txt").write_text(
        "These are DEVELOPMENT keys, wrapped under the published passphrase 'development only'.\n"
        "They protect nothing. Never use them for real reports: see docs/deploy.md.\n", encoding="utf-8")
    click.echo(f"Made DEVELOPMENT keys {pub.key_id} in {directory} (passphrase: 'development only').")


@main.group("keys")
def keys_group() -> None:
    """Key pairs for sealing reports."""


@keys_group.command("generate")
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=None,
              help="Where to write the key files (default: beside PORTAL_PUBLIC_KEY_FILE).")
@with_appcontext
def keys_generate(directory: Path | None) -> None:
    """Make a new key pair: the public key seals, the private key (wrapped with Argon2id) opens."""
    directory = directory or Path(current_app.config["PUBLIC_KEY_FILE"]).parent
    pub = write_key_pair(directory, _passphrase(confirm=True))
    click.echo(f"Key {pub.key_id}: public key {directory / (pub.key_id + '.public.json')} "
               f"(also current.public.json), private key {directory / (pub.key_id + '.private.json')}.")
    click.echo("Copy only the public key to the internet-facing host.")


def _private_dir() -> Path:
    directory = current_app.config["PRIVATE_KEY_DIR"]
    if not directory:
        raise click.ClickException("No private keys here (PORTAL_PRIVATE_KEY_DIR is not set): run this on the "
                                   "triage host.")
    return Path(directory)


@keys_group.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Make a new key pair and seal with it from now on. Old reports stay readable with the old key."""
    directory = _private_dir()
    old = load_public(Path(current_app.config["PUBLIC_KEY_FILE"])).key_id \
        if Path(current_app.config["PUBLIC_KEY_FILE"]).exists() else None
    pub = write_key_pair(directory, _passphrase(confirm=True))
    configured = Path(current_app.config["PUBLIC_KEY_FILE"])
    if configured.resolve() != (directory / "current.public.json").resolve():
        # The seal-with key this host reads lives elsewhere: it must change too, or nothing rotates.
        shutil.copyfile(directory / "current.public.json", configured)
    _audit(_operator(), "keys.rotated", f"key:{pub.key_id} previous:{old or '-'}")
    click.echo(f"New key {pub.key_id} is now current ({configured}).")
    click.echo("Next: 1. copy current.public.json to the public host (it is picked up without a restart);")
    click.echo("      2. `portal keys reseal` here, once reports arrive under the new key;")
    click.echo(f"      3. `portal keys retire {old}` when `portal keys list` shows nothing left under it."
               if old else "      3. nothing to retire: there was no earlier key.")


@keys_group.command("list")
@with_appcontext
def keys_list() -> None:
    """The key pairs here, which one is current, and how many records each seals (every sealed table)."""
    directory = _private_dir()
    current = load_public(Path(current_app.config["PUBLIC_KEY_FILE"])).key_id
    by_table = rotation.usage_by_table(db())
    ids = sorted({p.name.split(".")[0] for p in directory.glob("*.private.json")}
                 | {key_id for counts in by_table.values() for key_id in counts})
    click.echo(f"{'key id':<18} {'current':<8} {'private key':<12} records")
    for key_id in ids:
        has_private = (directory / f"{key_id}.private.json").exists()
        where = ", ".join(f"{name} {counts[key_id]}" for name, counts in by_table.items() if counts.get(key_id))
        total = sum(counts.get(key_id, 0) for counts in by_table.values())
        click.echo(f"{key_id:<18} {'yes' if key_id == current else '':<8} {'here' if has_private else 'MISSING':<12} "
                   f"{total}" + (f" ({where})" if where else ""))


@keys_group.command("reseal")
@click.option("--batch", default=200, show_default=True, help="Records per transaction.")
@with_appcontext
def keys_reseal(batch: int) -> None:
    """Re-seal everything sealed to the team under an older key (reports, case entries, messages…) to the
    current key."""
    directory = _private_dir()
    try:
        opener = Opener(load_private_keys(directory, _passphrase()))
        sealer = Sealer(load_public(Path(current_app.config["PUBLIC_KEY_FILE"])))
    except KeyFileError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        result = rotation.reseal(current_app.extensions["sessionmaker"], opener, sealer, _operator(), batch)
    except CannotOpen as exc:
        raise click.ClickException(f"Stopped: a record cannot be opened here ({exc}). What was done is kept; "
                                   "find the missing private key and run this again.") from exc
    detail = ", ".join(f"{name} {n}" for name, n in result.by_table.items())
    click.echo(f"Re-sealed {result.total} record(s) to key {sealer.key_id} ({detail}).")


@keys_group.command("retire")
@click.argument("key_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def keys_retire(key_id: str, yes: bool) -> None:
    """Delete an old key pair, once nothing is sealed to it any more. Backups made before keep a copy."""
    directory = _private_dir()
    current = load_public(Path(current_app.config["PUBLIC_KEY_FILE"])).key_id
    if not yes:
        click.confirm(f"Delete key {key_id}'s files for good?", abort=True)
    try:
        files = rotation.retire(current_app.extensions["sessionmaker"], directory, key_id, current,
                                Path(current_app.config["SPOOL_DIR"]), _operator())
    except rotation.CannotRetire as exc:
        raise click.ClickException(f"Key {key_id} not retired: {exc}.") from exc
    click.echo(f"Retired key {key_id}: deleted {', '.join(p.name for p in files)}. Backups made before now still "
               "hold it: expire them on your backup schedule.")


@main.group("report")
def report_group() -> None:
    """Reports."""


@report_group.command("show")
@click.argument("reference")
@with_appcontext
def report_show(reference: str) -> None:
    """Decrypt and print one report. Needs the private key; the opening is recorded in the audit log."""
    directory = current_app.config["PRIVATE_KEY_DIR"]
    if not directory:
        raise click.ClickException("No private keys here (PORTAL_PRIVATE_KEY_DIR is not set).")
    try:
        opener = Opener(load_private_keys(Path(directory), _passphrase()))
    except KeyFileError as exc:
        raise click.ClickException(str(exc)) from exc
    actor = _operator()
    try:
        report, content = open_report(db(), opener, reference, actor)
    except ReportNotFound as exc:
        raise click.ClickException(f"No report with reference {reference}.") from exc
    except CannotOpen as exc:
        raise click.ClickException(f"Report {reference} cannot be opened here: {exc}") from exc
    click.echo(json.dumps({
        "reference": report.reference, "received_at": report.received_at.isoformat(),
        "reporter_kind": report.reporter_kind, "status": report.status,
        "danger_now": report.danger_now, "children": report.children,
        "contact_language": report.contact_language, "content": content,
    }, ensure_ascii=False, indent=2))


def _operator() -> str:
    # getpass.getuser() fails in some containers (no login name, no passwd entry).
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _audit(actor: str, action: str, detail: str) -> None:
    db().add(AuditEvent(at=datetime.now(timezone.utc), actor=actor, action=action, report_id=None, detail=detail))
    db().commit()


def _totp_key() -> str:
    """The key the web app decrypts TOTP secrets with. Outside development the command line otherwise gets a
    throwaway key (see Settings.secret), which would make an account whose code nobody could ever check."""
    settings = current_app.config["SETTINGS"]
    if not settings.development and not settings.secret_key:
        raise click.ClickException("Set PORTAL_SECRET_KEY to the web app's value first: "
                                   "staff codes are encrypted with it.")
    return current_app.config["SECRET_KEY"]


def _new_password() -> str:
    from_env = os.environ.get(NEW_STAFF_PASSWORD)
    if from_env is not None:
        return from_env
    if not sys.stdin.isatty():
        # Piped: one line, so a script need not put the password on the command line.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


def _show_code(email: str, secret: str) -> None:
    uri = pyotp.TOTP(secret, interval=TOTP_STEP).provisioning_uri(
        name=email, issuer_name=current_app.config["ORG_NAME"]["en"])
    click.echo(f"Authenticator secret: {' '.join(secret[i:i + 4] for i in range(0, len(secret), 4))}")
    click.echo(f"Authenticator link: {uri}")
    click.echo("Or they can scan the QR code shown at their first sign-in at /staff/sign-in.")


@main.group("staff")
def staff_group() -> None:
    """Staff accounts (for a first team lead on a fresh install; after that, the Team page)."""


@staff_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default="", help="Their name, as the team sees it.")
@click.option("--language", type=click.Choice(("en", "cy")), default="en", show_default=True,
              help="The language of their staff screens.")
@with_appcontext
def staff_add(email: str, role: str, name: str, language: str) -> None:
    """Make a staff account. The password comes from PORTAL_NEW_STAFF_PASSWORD if set, else from standard
    input (one line if piped; asked for twice, hidden, at a terminal)."""
    key = _totp_key()
    password = _new_password()
    try:
        staff, secret = create_staff(db(), email=email, role=role, password=password, secret_key=key,
                                     name=name, language=language)
    except WeakPassword as exc:
        raise click.ClickException(f"Password too short: use at least {MIN_PASSWORD_LENGTH} characters.") from exc
    except DuplicateEmail as exc:
        raise click.ClickException("There is already an account with that e-mail address.") from exc
    except AccountError as exc:
        raise click.ClickException(f"Cannot make the account: {exc}.") from exc
    _audit(_operator(), "staff.added", f"staff:{staff.id} role:{staff.role}")
    click.echo(f"Account {staff.id} made ({staff.role}).")
    _show_code(staff.email, secret)


@staff_group.command("reset-code")
@click.argument("email")
@with_appcontext
def staff_reset_code(email: str) -> None:
    """Give an account a new authenticator secret (a lost phone); their sessions end."""
    key = _totp_key()
    staff = db().scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    if staff is None:
        raise click.ClickException("No account with that e-mail address.")
    secret = reset_code(db(), staff, key)
    _audit(_operator(), "staff.reset-code", f"staff:{staff.id}")
    click.echo(f"Code reset for account {staff.id}. They set up their authenticator app again.")
    _show_code(staff.email, secret)


@staff_group.command("list")
@with_appcontext
def staff_list() -> None:
    """Everyone with an account: id, e-mail address, role, active, enrolled. No secrets."""
    people = db().scalars(select(StaffUser).order_by(StaffUser.id)).all()
    if not people:
        click.echo("No staff accounts yet: make one with `portal staff add EMAIL --role lead`.")
        return
    click.echo(f"{'id':>4}  {'role':<8} {'active':<6} {'enrolled':<8} email")
    for person in people:
        click.echo(f"{person.id:>4}  {person.role:<8} {'yes' if person.active else 'no':<6} "
                   f"{'yes' if person.totp_enrolled else 'no':<8} {person.email}")


@main.command("notify")
@click.option("--quiet", is_flag=True, help="Print nothing unless it fails (for cron).")
@with_appcontext
def notify_command(quiet: bool) -> None:
    """E-mail the team, without any details, if reports or reporters' messages have arrived since the last e-mail."""
    try:
        outcome = notify(db(), current_app.config)
    except NotifyFailed as exc:
        raise click.ClickException(f"Could not send the e-mail ({exc}); the next run will try again.") from exc
    if quiet:
        return
    if not outcome.arrived and not outcome.messages:
        click.echo("No new reports or messages since the last e-mail.")
    elif not outcome.configured:
        click.echo("New reports, but no e-mail sent: set the SMTP host (PORTAL_SMTP_HOST), the sender "
                   "(PORTAL_MAIL_FROM) and the team's address (Settings, or PORTAL_NOTIFY_TO).")
    elif outcome.sent:
        click.echo(f"E-mail sent: {outcome.waiting} new report(s) waiting."
                   + (f" {outcome.messages} new message(s) from reporters." if outcome.messages else ""))
    else:
        click.echo("New reports had already been picked up; no e-mail needed.")


@main.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say how many closed cases would be deleted.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Delete closed cases past the retention period (counts are kept), and expired web sessions."""
    maker = current_app.extensions["sessionmaker"]
    try:
        result = purge(maker, current_app.config, dry_run=dry_run)
    except BadRetention as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        click.echo(f"Would delete {result.cases} closed case(s).")
        return
    sessions = purge_expired(maker)
    click.echo(f"Deleted {result.cases} closed case(s) and {sessions} expired session(s).")


@main.group("spool")
def spool_group() -> None:
    """Reports kept on disk while the database was unavailable (public host)."""


@spool_group.command("status")
@with_appcontext
def spool_status() -> None:
    """How many reports wait in the spool (no details: they are sealed)."""
    directory = Path(current_app.config["SPOOL_DIR"])
    click.echo(f"{len(spool.waiting(directory))} report(s) waiting in {directory}.")


@spool_group.command("replay")
@with_appcontext
def spool_replay() -> None:
    """Move spooled reports into the database, each exactly once (safe to run at any time, and again)."""
    directory = Path(current_app.config["SPOOL_DIR"])
    result = spool.replay(current_app.extensions["sessionmaker"], directory, block=True)
    click.echo(f"Stored {result.stored}, already stored {result.already_stored}, still waiting {result.left}.")
    if result.left:
        raise click.ClickException("Some reports are still in the spool: the database is unavailable, or a file "
                                   "needs checking (see the log). Run this again later.")


@main.group("db")
def db_group() -> None:
    """The database."""


@db_group.command("grant")
@click.argument("role")
@click.option("--side", type=click.Choice(grants.SIDES), required=True,
              help="public: the reporting host's role; triage: the staff host's role.")
@click.option("--dry-run", is_flag=True, help="Print the SQL without running it.")
@with_appcontext
def db_grant(role: str, side: str, dry_run: bool) -> None:
    """PostgreSQL: give an existing login ROLE exactly the privileges its side needs. Run as the schema's
    owner after `portal init`, and again after each upgrade (new tables)."""
    engine = current_app.extensions["engine"]
    if engine.dialect.name != "postgresql":
        raise click.ClickException("Roles are for PostgreSQL; with SQLite, protect the database file instead.")
    with engine.begin() as conn:
        sql = grants.statements(conn, role, side) if dry_run else grants.grant(conn, role, side)
    for statement in sql:
        click.echo(statement + ";")
    if not dry_run:
        _audit(_operator(), "db.granted", f"side:{side}")
