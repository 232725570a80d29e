"""Rate limits, with Flask-Limiter's storage and strategy: report submission and staff sign-in.

Storage is `PORTAL_RATELIMIT_STORAGE`: `memory://` counts in each process (N workers allow N times the
limit), `redis://host:6379/0` shares the count across workers and hosts. If Redis cannot be reached, each
process falls back to counting in its own memory, so limits loosen but never vanish, and a report is never
refused because Redis is down.

Keys hold no readable address or e-mail:
- **Submission** is counted per client address, but the key is an HMAC of the address (IPv6: its /64) under
  the app's secret and today's date. The count lives only as long as its window (at most an hour), and
  even someone holding the Redis data cannot list the addresses without the secret; the key changes daily.
- **Sign-in** is counted per account (an HMAC of the e-mail address, or the account id for the code step),
  never per address: one attacker behind many addresses is still counted against the account. Every
  attempt is counted *before* the password or code is checked, and a success clears the count, so in
  effect only failures add up. After 3 failures in a minute the next try waits; 10 in an hour or 20 in a
  day lock the account until the window passes or a team lead clears it.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from datetime import datetime, timezone
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

SIGN_IN_LIMITS = parse_many("3 per minute; 10 per hour; 20 per day")
RETRY_SHARED_AFTER = 10  # seconds
log = logging.getLogger("portal.web.limits")


class _Limits:
    """The shared strategy, and a per-process one for when the shared storage is unreachable."""

    def __init__(self, limiter: Limiter, prefix: str):
        self.limiter = limiter
        self.prefix = prefix  # several portals (or test runs) can share one Redis
        self.fallback = FixedWindowRateLimiter(MemoryStorage())
        self.shared_down_until = 0.0  # after a failure, count here for a while rather than wait on Redis

    def _call(self, method: str, *args: object) -> bool:
        if time.monotonic() >= self.shared_down_until:
            try:
                return bool(getattr(self.limiter.limiter, method)(*args))
            except Exception as exc:  # Redis down or slow: count here instead, and say so (no key, no address)
                log.warning("rate limit storage unavailable (%s); counting in this process for %d s",
                            type(exc).__name__, RETRY_SHARED_AFTER)
                self.shared_down_until = time.monotonic() + RETRY_SHARED_AFTER
        return bool(getattr(self.fallback, method)(*args))

    def hit(self, items: list[RateLimitItem], scope: str, key: str) -> bool:
        allowed = True
        for item in items:  # every window is counted, even after one refuses
            allowed = self._call("hit", item, self.prefix, scope, key) and allowed
        return allowed

    def clear(self, items: list[RateLimitItem], scope: str, key: str) -> None:
        for item in items:
            try:
                self.limiter.limiter.clear(item, self.prefix, scope, key)
            except Exception:
                log.warning("rate limit storage unavailable; cleared in this process only")
            self.fallback.clear(item, self.prefix, scope, key)


def init_limiter(app: Flask) -> None:
    # One Limiter per app (not a module global), so each app and each test has its own counters.
    storage = app.config["RATELIMIT_STORAGE_URI"]
    options: dict[str, Any] = {}
    if storage.startswith("redis"):
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    limiter = Limiter(key_func=lambda: "portal", app=app, storage_uri=storage, storage_options=options,
                      default_limits=[], headers_enabled=False)
    app.extensions["limits"] = _Limits(limiter, app.config["RATELIMIT_KEY_PREFIX"])


def _limits() -> _Limits:
    return current_app.extensions["limits"]


def _keyed(value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# --- report submission ----------------------------------------------------------------------------------

def client_key() -> str:
    """The submitting client, unreadably: HMAC(secret, today, address), an IPv6 address by its /64."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and ip.ipv4_mapped is None:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    except ValueError:
        pass
    today = datetime.now(timezone.utc).date().isoformat()
    return _keyed(f"client:{today}:{address}")


def submission_allowed() -> bool:
    """Count one report about to be stored from this client; False if it is over the limit."""
    return _limits().hit(parse_many(current_app.config["SUBMIT_LIMIT"]), "report", client_key())


def receipt_attempt_allowed() -> bool:
    """Count one try of a reporter's receipt from this client, before it is checked; False if over the
    limit. A success does not clear the count: a guesser must not be able to reset it."""
    return _limits().hit(parse_many(current_app.config["RECEIPT_SIGN_IN_LIMIT"]), "receipt", client_key())


# --- staff sign-in ----------------------------------------------------------------------------------------

def account_key(kind: str, value: str) -> str:
    return _keyed(f"{kind}:{value}")


def attempt(key: str) -> bool:
    """Count one sign-in attempt; False if the account is over a limit (then nothing may be checked)."""
    return _limits().hit(SIGN_IN_LIMITS, "staff-sign-in", key)


def clear(key: str) -> None:
    _limits().clear(SIGN_IN_LIMITS, "staff-sign-in", key)
