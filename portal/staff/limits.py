"""Slowing and locking out failed sign-ins, per account, with Flask-Limiter's storage and strategy.

The key is an HMAC of the e-mail address (or the account id for the code step), never an IP address:
we keep no addresses, and one attacker behind many addresses is still counted against the account.
Every attempt is counted *before* the password or code is checked (so a burst of simultaneous guesses
cannot all slip in before the first failure is recorded), and a success clears the count: in effect only
failures add up. With the defaults, after 3 failures in a minute the next try waits; 10 in an hour or 20 in
a day lock the account until the window passes or a team lead clears it.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app
from flask_limiter import Limiter
from limits import parse_many

SIGN_IN_LIMITS = parse_many("3 per minute; 10 per hour; 20 per day")


def init_limiter(app: Flask) -> None:
    # One Limiter per app (not a module global), so each app and each test has its own counters.
    app.extensions["staff_limiter"] = Limiter(key_func=lambda: "staff", app=app,
                                              storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                                              default_limits=[], headers_enabled=False)


def _strategy():  # type: ignore[no-untyped-def]
    return current_app.extensions["staff_limiter"].limiter


def account_key(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"{kind}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def attempt(key: str) -> bool:
    """Count one attempt; False if the account is over a limit (then nothing may be checked)."""
    allowed = True
    for item in SIGN_IN_LIMITS:
        allowed = _strategy().hit(item, "staff-sign-in", key) and allowed
    return allowed


def clear(key: str) -> None:
    for item in SIGN_IN_LIMITS:
        _strategy().clear(item, "staff-sign-in", key)
