"""`portal init`, and the jobs a timer or an operator runs: notify, purge, the spool, database roles."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.casework.digest import send_digests
from portal.casework.notify import NotifyFailed, notify
from portal.casework.pending import apply_pending
from portal.casework.retention import BadRetention, purge
from portal.cli.base import _audit, _operator, main
from portal.crypto import blind_index
from portal.crypto.keys import write_key_pair
from portal.store import grants, spool
from portal.store.db import db, upgrade
from portal.store.sessions import purge_expired


@main.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database, and make development keys if there are none."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")
    public = Path(current_app.config["PUBLIC_KEY_FILE"])
    development = current_app.config["ENVIRONMENT"] in {"development", "test"}
    if development and not (public.parent / blind_index.FILE).exists():
        key = blind_index.generate(public.parent, current_app.config["KEY_PASSPHRASE"])
        click.echo(f"Made a DEVELOPMENT index key {key.key_id} in {public.parent}.")
    if public.exists():
        click.echo(f"Sealing key: {public}")
        return
    if not development:
        raise click.ClickException(f"No public key at {public}. Run `portal keys generate` on the triage host.")
    directory = public.parent
    pub = write_key_pair(directory, current_app.config["KEY_PASSPHRASE"])
    (directory / "DEVELOPMENT-KEYS-README.txt").write_text(
        "These are DEVELOPMENT keys, wrapped under the published passphrase 'development only'.\n"
        "They protect nothing. Never use them for real reports: see docs/deploy.md.\n", encoding="utf-8")
    click.echo(f"Made DEVELOPMENT keys {pub.key_id} in {directory} (passphrase: 'development only').")


@main.command("notify")
@click.option("--quiet", is_flag=True, help="Print nothing unless it fails (for cron).")
@with_appcontext
def notify_command(quiet: bool) -> None:
    """E-mail the on-call address if reports became urgent, and the team if reports or reporters' messages have
    arrived since the last e-mail, without any details; once a day, each officer their counts of what is due; and
    count replies reporters have read (for cron, every minute)."""
    apply_pending(db())
    try:
        outcome = notify(db(), current_app.config)
        digests = send_digests(db(), current_app.config)
    except NotifyFailed as exc:
        raise click.ClickException(f"Could not send the e-mail ({exc}); the next run will try again.") from exc
    if quiet:
        return
    if digests:
        click.echo(f"Daily digest sent to {digests} member(s) of staff.")
    if outcome.urgent:
        click.echo(f"On-call e-mail sent: {outcome.urgent} urgent report(s).")
    if not outcome.arrived and not outcome.messages and not outcome.complaints:
        click.echo("No new reports or messages since the last e-mail.")
    elif not outcome.configured:
        click.echo("New reports, but no e-mail sent: set the SMTP host (PORTAL_SMTP_HOST), the sender "
                   "(PORTAL_MAIL_FROM) and the team's address (Settings, or PORTAL_NOTIFY_TO).")
    elif outcome.sent:
        click.echo(f"E-mail sent: {outcome.waiting} new report(s) waiting."
                   + (f" {outcome.messages} new message(s) from reporters." if outcome.messages else "")
                   + (f" {outcome.complaints} new complaint(s) from reporters." if outcome.complaints else ""))
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
