"""`portal keys …` (generate, rotate, list, reseal, retire) and `portal report show`: the commands that hold keys."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.cli.base import _audit, _operator, _passphrase, _private_dir, main
from portal.crypto.keys import KeyFileError, load_private_keys, load_public, write_key_pair
from portal.crypto.sealing import CannotOpen, Opener, Sealer
from portal.intake.reports import ReportNotFound, open_report
from portal.store import rotation
from portal.store.db import db


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
