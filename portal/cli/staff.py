"""`portal staff …`: a first team lead's account on a fresh install, a lost phone, the list of accounts."""
from __future__ import annotations

import os
import sys

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.cli.base import _audit, _operator, main
from portal.store.db import db
from portal.store.models import StaffUser
from portal.team.accounts import (
    MIN_PASSWORD_LENGTH,
    ROLES,
    TOTP_STEP,
    AccountError,
    DuplicateEmail,
    WeakPassword,
    create_staff,
    normalise_email,
    reset_code,
)

NEW_STAFF_PASSWORD = "PORTAL_NEW_STAFF_PASSWORD"


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
