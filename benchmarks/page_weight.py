"""Page weight of every public page, in English and Welsh: is each page usable on a slow, metered phone?

Run from the repository root, with no arguments:

    .venv/bin/python benchmarks/page_weight.py

It builds the app with create_app() in a throw-away instance (PORTAL_ENV=test, a temporary
PORTAL_INSTANCE_DIR, the schema migrated and a key pair written into its keys directory, as `portal init`
does), fetches each page with Flask's test client, finds every subresource the HTML makes the browser fetch
(script src; link href for stylesheets and icons, and any link that opens a connection; img src; url() in an
inline <style>; data: URLs excluded), and prints one row per page.

Targets (per page, first visit):
- total gzip bytes (HTML + subresources, each gzipped at level 6) <= 14 KB (14,336 bytes): roughly what
  a server can send in the first TCP round trip (initial congestion window of 10 segments);
- at most 3 requests (the page itself plus subresources);
- no third-party URL: any absolute http(s) or protocol-relative URL not on the page's own host.

The HTML already carries the whole stylesheet inline (see portal/security.py), so "HTML gzip bytes"
includes the CSS. Gzip sizes are of the raw bytes at level 6 (what the app itself sends for GET pages;
static files are compressed only if the reverse proxy does it, see docs/deploy.md).

This is a measurement: it exits 0 even when a page fails a target.
"""
from __future__ import annotations

import gzip
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUDGET_BYTES = 14 * 1024  # 14,336
BUDGET_REQUESTS = 3
# 203 is how the portal answers a page that holds typed text or shows something once: a 200 that Chromium
# never keeps in its back/forward cache (portal/web/security.py).
OK_STATUSES = {200, 203}
HOST = "localhost"  # the test client's host
LANGS = ("en", "cy")
PAGES = ["/", "/who", "/tell-us/you", "/tell-us/someone", "/tell-us/agency", "/tell-us/work", "/your-behaviour",
         "/safety", "/privacy", "/accessibility", "/replies"]
# Settings that would point the benchmark at a real database or real keys: never inherited.
ISOLATE = ["DATABASE_URL", "PUBLIC_KEY_FILE", "PRIVATE_KEY_DIR", "SECRET_KEY", "KEY_PASSPHRASE",
           "KEY_PASSPHRASE_FILE"]
# <link rel=...> values that make the browser fetch or connect.
FETCHING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "mask-icon", "manifest", "preload",
                 "modulepreload", "prefetch", "prerender", "preconnect", "dns-prefetch"}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)|@import\s+['\"]([^'\"]+)['\"]", re.I)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


class Subresources(HTMLParser):
    """Collects the URLs a browser would fetch to render the page (not links the person might follow)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def _add(self, url: str | None) -> None:
        if url and not url.strip().lower().startswith("data:"):
            self.urls.append(url.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self._add(a.get("src"))
        elif tag == "link":
            rels = set((a.get("rel") or "").lower().split())
            if rels & FETCHING_RELS:
                self._add(a.get("href"))
        elif tag in {"img", "iframe", "embed", "audio", "video", "source", "track", "input"}:
            if tag != "input" or (a.get("type") or "").lower() == "image":
                self._add(a.get("src"))
        elif tag == "object":
            self._add(a.get("data"))
        elif tag == "style":
            self._in_style = True
        if tag != "style" and a.get("style"):
            self._css(a["style"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)

    def _css(self, css: str) -> None:
        for match in CSS_URL.finditer(css):
            self._add(match.group(1) or match.group(2))


def third_party(url: str, page_url: str) -> bool:
    absolute = urljoin(page_url, url)
    parts = urlsplit(absolute)
    return parts.scheme in {"http", "https"} and (parts.hostname or "") != HOST and (
        url.startswith("//") or urlsplit(url).scheme in {"http", "https"})


@dataclass
class Row:
    page: str
    lang: str
    status: int
    html_bytes: int
    html_gzip: int
    sub_gzip: int = 0
    requests: int = 1
    third: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.html_gzip + self.sub_gzip

    @property
    def passed(self) -> bool:
        return (self.status in OK_STATUSES and self.total <= BUDGET_BYTES and self.requests <= BUDGET_REQUESTS
                and not self.third and not self.problems)


def measure(client, path: str, lang: str, html: bytes, status: int) -> Row:  # type: ignore[no-untyped-def]
    row = Row(path, lang, status, len(html), gz(html))
    parser = Subresources()
    parser.feed(html.decode("utf-8", errors="replace"))
    page_url = f"http://{HOST}{path}"
    seen: set[str] = set()
    for url in parser.urls:
        absolute = urljoin(page_url, url)
        if absolute in seen:
            continue  # a browser fetches the same URL once per page
        seen.add(absolute)
        row.requests += 1
        if third_party(url, page_url):
            row.third.append(url)
            continue
        parts = urlsplit(absolute)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        body = response.get_data()
        if response.status_code != 200:
            row.problems.append(f"{url} -> {response.status_code}")
        row.sub_gzip += gz(body)
        response.close()
    return row


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    if not match:
        raise RuntimeError(f"no {name} in the report form")
    return match.group(1)


def confirmation(client, lang: str) -> tuple[str, bytes, int]:  # type: ignore[no-untyped-def]
    """Send a minimal report (with "danger now: yes", the larger confirmation) and fetch the page after it."""
    form_path = f"/{lang}/tell-us/you"
    html = client.get(form_path).get_data(as_text=True)
    response = client.post(form_path, data={
        "csrf_token": _hidden(html, "csrf_token"), "submission_key": _hidden(html, "submission_key"),
        "story": "Page-weight benchmark.", "danger_now": "yes", "contact_methods": "none",
        "contact_language": lang, "action": "send"})
    if response.status_code != 303:
        raise RuntimeError(f"sending a report gave {response.status_code}, not 303")
    location = urlsplit(response.headers["Location"]).path
    page = client.get(location)
    return location, page.get_data(), page.status_code


def conversation_pages(client, lang: str) -> list[Row]:  # type: ignore[no-untyped-def]
    """After sending: the receipt offer, the receipt, the conversation (with one message), a complaint (the form,
    and the conversation that lists it), the survivor's questions once the case is closed, delete."""
    measured = []

    def get(path: str) -> str:
        response = client.get(path)
        measured.append(measure(client, path, lang, response.get_data(), response.status_code))
        return response.get_data(as_text=True)

    offer = get(f"/{lang}/receipt/new")
    client.post(f"/{lang}/receipt/new", data={"csrf_token": _hidden(offer, "csrf_token")})
    shown = get(f"/{lang}/receipt")
    client.post(f"/{lang}/receipt", data={"csrf_token": _hidden(shown, "csrf_token")})
    page = client.get(f"/{lang}/replies/messages").get_data(as_text=True)
    client.post(f"/{lang}/replies/messages", data={
        "csrf_token": _hidden(page, "csrf_token"), "submission_key": _hidden(page, "submission_key"),
        "text": "Page-weight benchmark: a message of a few lines.\nA second line."})
    get(f"/{lang}/replies/messages")
    complaint = get(f"/{lang}/replies/complaint")
    client.post(f"/{lang}/replies/complaint", data={
        "csrf_token": _hidden(complaint, "csrf_token"), "submission_key": _hidden(complaint, "submission_key"),
        "about": "delay", "text": "Page-weight benchmark: a complaint of a few lines.", "action": "send"})
    _close_every_case(client.application)  # as the team would (and safe to contact): the questions are offered
    get(f"/{lang}/replies/messages")
    get(f"/{lang}/replies/feedback")
    get(f"/{lang}/replies/delete")
    return measured


def _close_every_case(app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from portal.store.models import Report
    with app.extensions["sessionmaker"]() as dbs:
        # The benchmark's report asked for no contact (the larger confirmation): its person is not asked for
        # feedback, so here it is as if they had since said how we may contact them.
        dbs.execute(update(Report).values(is_open=False, status="closed", close_reason="support_in_place",
                                          no_contact=False, approach="direct"))
        dbs.commit()


def run() -> list[Row]:
    tmp = tempfile.TemporaryDirectory(prefix="page-weight-")
    for name in ISOLATE:
        os.environ.pop(f"PORTAL_{name}", None)
    os.environ["PORTAL_ENV"] = "test"
    os.environ["PORTAL_INSTANCE_DIR"] = tmp.name

    from portal import create_app
    from portal.crypto.keys import write_key_pair
    from portal.store.db import upgrade

    app = create_app()
    upgrade(app.config["DATABASE_URL"])  # as `portal init` does
    write_key_pair(Path(app.config["PUBLIC_KEY_FILE"]).parent, app.config["KEY_PASSPHRASE"])

    rows: list[Row] = []
    try:
        # Plain clients, never `with client:`: a context preserved by one client would be reused by the
        # next request of another, sharing `g` (and its cached CSRF token and locale) between visitors.
        client = app.test_client()
        for lang, accept in (("en+cy", "en"), ("cy+en", "cy")):  # the bilingual landing page, both orders
            response = client.get("/", headers={"Accept-Language": accept})
            rows.append(measure(client, "/", lang, response.get_data(), response.status_code))
        for lang in LANGS:
            for page in PAGES:
                path = f"/{lang}{page}"
                response = client.get(path)
                rows.append(measure(client, path, lang, response.get_data(), response.status_code))
        for lang in LANGS:
            fresh = app.test_client()  # a new visitor, with a session of their own
            path, html, status = confirmation(fresh, lang)
            rows.append(measure(fresh, path, lang, html, status))  # the confirmation page
            rows.extend(conversation_pages(fresh, lang))  # then the receipt and the conversation
    finally:
        tmp.cleanup()
    return rows


def main() -> int:
    rows = run()
    headers = ("page", "lang", "HTML B", "HTML gz", "sub gz", "total gz", "reqs", "result")
    table = []
    for r in rows:
        notes = []
        if r.status not in OK_STATUSES:
            notes.append(f"status {r.status}")
        if r.total > BUDGET_BYTES:
            notes.append(f"> {BUDGET_BYTES} B")
        if r.requests > BUDGET_REQUESTS:
            notes.append(f"> {BUDGET_REQUESTS} requests")
        notes += [f"third-party {u}" for u in r.third] + r.problems
        result = "PASS" if r.passed else "FAIL: " + "; ".join(notes)
        table.append((r.page, r.lang, f"{r.html_bytes:,}", f"{r.html_gzip:,}", f"{r.sub_gzip:,}",
                      f"{r.total:,}", str(r.requests), result))
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *table, strict=True)]
    right = {2, 3, 4, 5, 6}

    def line(cells) -> str:  # type: ignore[no-untyped-def]
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    print(f"Targets: total gzip <= {BUDGET_BYTES:,} bytes, <= {BUDGET_REQUESTS} requests, no third-party URL. "
          "Gzip level 6; HTML includes the inline CSS.")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for cells in table:
        print(line(cells))
    failed = sum(not r.passed for r in rows)
    print(f"{len(rows) - failed} of {len(rows)} pages pass.")
    worst = max(rows, key=lambda r: (r.total, r.requests))
    print(f"worst: {worst.page} {worst.total} bytes, {worst.requests} requests")
    return 0  # a measurement, not a gate


if __name__ == "__main__":
    sys.exit(main())
