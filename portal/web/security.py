"""Security headers on every response, and the inline-CSS hash the CSP allows.

The whole stylesheet is inlined in each page so a page renders from one round trip; the CSP allows that
exact text by its SHA-256, never 'unsafe-inline'. Scripts come only from our own origin, and no page makes
a third-party request.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
from pathlib import Path

from flask import Flask, Response, g, request
from markupsafe import Markup

# Chromium keeps a page in its back/forward cache only if it answered a GET with exactly 200 (its
# BackForwardCacheImpl refuses any other status: "HTTPStatusNotOK"). Cache-Control: no-store no longer keeps a
# page out: Chromium now admits such pages, and restores them, typed text and all, for up to 3 minutes, as
# long as the site's cookies are unchanged. Nothing the site does can reach a page once the person has left
# it for another site with JavaScript off, so a page that holds what someone typed, or shows something only
# once, is answered with 203 instead: a 200 in every other way (browsers show it, no-store keeps it out of
# every cache), but never kept for Back or Forward, which fetch it again, empty.
NOT_FOR_BACK_FORWARD = 203


def keep_out_of_back_forward_cache() -> None:
    """Mark this page as one the browser must not keep for Back and Forward (it holds typed text, or shows
    something only once). Applied to a 200 answer when the response goes out."""
    g.keep_out_of_back_forward_cache = True


def css_hash(css: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"


def init_security_headers(app: Flask) -> None:
    css = (Path(app.static_folder or "static") / "portal.css").read_text(encoding="utf-8")
    app.jinja_env.globals["inline_css"] = Markup(css)  # our own file, never user input
    csp = "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        f"style-src 'self' {css_hash(css)}",  # the inlined portal.css by hash; staff.css as a file
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "connect-src 'self'",
        "manifest-src 'none'",
    ])

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h["Content-Security-Policy"] = csp
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        # Nothing this portal serves may be kept by the browser, a proxy or a shared device's cache:
        # a cached page is a trace of the visit.
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
        h["Expires"] = "0"
        if (response.status_code == 200 and request.method in {"GET", "HEAD"}
                and g.get("keep_out_of_back_forward_cache")):  # a POST's answer is never kept anyway
            response.status_code = NOT_FOR_BACK_FORWARD
        if request.is_secure:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response

    @app.after_request
    def _compress(response: Response) -> Response:
        # Compress GET pages only: they reflect nothing anyone typed, so there is no BREACH-style oracle
        # (a POST re-render echoes the report text next to the CSRF token, so it stays uncompressed).
        if (request.method == "GET" and response.status_code in {200, NOT_FOR_BACK_FORWARD}
                and not response.direct_passthrough
                and "gzip" in request.headers.get("Accept-Encoding", "")
                and response.mimetype in {"text/html", "text/css", "application/javascript", "text/javascript"}
                and "Content-Encoding" not in response.headers):
            response.set_data(gzip.compress(response.get_data(), compresslevel=6))
            response.headers["Content-Encoding"] = "gzip"
            response.headers["Vary"] = "Accept-Encoding"
        return response
