"""The `portal` command group (Flask's CLI, so `portal run`, `shell` and `routes` work) and what its commands share."""
from __future__ import annotations

import getpass
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from portal import create_app
from portal.store.db import db
from portal.store.models import AuditEvent


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


def _private_dir() -> Path:
    directory = current_app.config["PRIVATE_KEY_DIR"]
    if not directory:
        raise click.ClickException("No private keys here (PORTAL_PRIVATE_KEY_DIR is not set): run this on the "
                                   "triage host.")
    return Path(directory)


def _operator() -> str:
    # getpass.getuser() fails in some containers (no login name, no passwd entry).
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _audit(actor: str, action: str, detail: str) -> None:
    db().add(AuditEvent(at=datetime.now(timezone.utc), actor=actor, action=action, report_id=None, detail=detail))
    db().commit()
