"""The `portal` command: Flask's CLI (so `portal run`, `portal shell`, `portal routes` work) plus ours."""
from __future__ import annotations

import getpass
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from portal import create_app
from portal.db import db, upgrade
from portal.keys import KeyFileError, load_private_keys, write_key_pair
from portal.reports import ReportNotFound, open_report
from portal.sealing import CannotOpen, Opener


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
    actor = f"cli:{getpass.getuser()}"
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
