"""The confirmation's own copy of the receipt, for the moment between "sent" and the confirmation page.

The receipt (reference, due time, the danger and no-contact flags) goes into the session in the report's own
transaction; the confirmation page reads it from there. If the session store cannot be read at that moment
(the database went down just after the report was stored), the person would land on the start page with no
reference although their report is safe. So the redirect also carries the receipt in a short-lived cookie,
encrypted and authenticated with Fernet under a key derived from the secret key: nobody holding the browser
can read it, it lasts 15 minutes, and the confirmation page deletes it. The quick exit clears it with every
other cookie (Clear-Site-Data).
"""
from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, request
from werkzeug.wrappers import Response

COOKIE = "c"  # neutral, like the session cookie "s"
LIFETIME = 15 * 60


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal/v1/sent-receipt").derive(
        current_app.config["SECRET_KEY"].encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def carry(response: Response, receipt: dict[str, Any]) -> Response:
    token = _fernet().encrypt(json.dumps(receipt).encode("utf-8")).decode("ascii")
    response.set_cookie(COOKIE, token, max_age=LIFETIME, httponly=True, samesite="Strict",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def carried() -> dict[str, Any] | None:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 2000:
        return None
    try:
        value = json.loads(_fernet().decrypt(token.encode("ascii"), ttl=LIFETIME))
    except (InvalidToken, UnicodeError, ValueError):
        return None
    return value if isinstance(value, dict) and {"reference", "due"} <= value.keys() else None


def drop(response: Response) -> None:
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, httponly=True, samesite="Strict",
                               secure=current_app.config["SESSION_COOKIE_SECURE"])
