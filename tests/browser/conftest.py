"""Browser tests: a live portal on 127.0.0.1 driven by Debian's Chromium through Playwright.

One live server and one browser per session; a new browser context (cookies, storage, history) per test.
Nothing here touches the internet: the quick exit lands on /__neutral, a tiny page served by the same
test server, and Chromium runs with its background networking switched off.

Without Chromium every browser test is skipped, and the summary names each one loudly. With
PORTAL_REQUIRE_BROWSER=1 (CI) a missing Chromium fails the tests instead.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest

from portal.devtools.browser_check import chromium_path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REQUIRE_BROWSER = os.environ.get("PORTAL_REQUIRE_BROWSER") == "1"
CHROMIUM = chromium_path()  # /usr/bin/chromium (or $PORTAL_CHROMIUM), else `chromium` on PATH
LOOKED_FOR = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
NEUTRAL_HTML = ("<!doctype html><html lang='en'><link rel=icon href='data:,'><title>Weather</title>"
                "<h1>Weather</h1><p>Sunny spells.</p></html>")
# `portal init` from this interpreter's environment (the venv's console script when there is one).
_PORTAL_SCRIPT = Path(sys.executable).with_name("portal")
PORTAL_INIT = ([str(_PORTAL_SCRIPT), "init"] if _PORTAL_SCRIPT.exists()
               else [sys.executable, "-c", "from portal.cli import main; main()", "init"])

_skipped_for_no_chromium: list[str] = []
_other_sites: list[str] = []  # the `another_site` fixture's address: a test goes there on purpose


# --------------------------------------------------------------------------------------------------
# No Chromium: skip loudly (or fail, when PORTAL_REQUIRE_BROWSER=1)
# --------------------------------------------------------------------------------------------------

def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM or REQUIRE_BROWSER:
        return  # with REQUIRE_BROWSER the `browser` fixture fails each test instead
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=f"no Chromium: {item.nodeid}"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Counted as they are reported, so a -k or -m selection lists only what it would have run.
    if report.skipped and report.when == "setup" and "no Chromium: " in str(report.longrepr):
        _skipped_for_no_chromium.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _skipped_for_no_chromium:
        return
    bar = "!" * 78
    terminalreporter.write_line(bar, red=True, bold=True)
    terminalreporter.write_line(
        f"!! NO CHROMIUM (looked for {LOOKED_FOR} and `chromium` on PATH): "
        f"{len(_skipped_for_no_chromium)} browser tests were NOT run:", red=True, bold=True)
    for nodeid in _skipped_for_no_chromium:
        terminalreporter.write_line(f"!!   {nodeid}", red=True)
    terminalreporter.write_line("!! Install it with: apt-get install -y chromium", red=True, bold=True)
    terminalreporter.write_line(bar, red=True, bold=True)


# --------------------------------------------------------------------------------------------------
# The live server
# --------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set PORTAL_* variables only while the app reads them, so other tests see the environment unchanged."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Slot:
    """A WSGI app that forwards to the real one, so the server can pick its port before the app exists."""

    app: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


@dataclass
class LiveServer:
    url: str
    app: Any
    instance_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    _opener: Any = None

    @property
    def neutral_url(self) -> str:
        return self.url + "/__neutral"

    def gettext(self, lang: str, message: str, **variables: Any) -> str:
        """The live app's own translation of `message` (the Welsh catalogue may still be in progress)."""
        from flask_babel import force_locale, gettext
        with self.app.test_request_context("/"), force_locale(lang):
            return gettext(message, **variables)

    def ngettext(self, lang: str, singular: str, plural: str, num: int) -> str:
        from flask_babel import force_locale, ngettext
        with self.app.test_request_context("/"), force_locale(lang):
            return ngettext(singular, plural, num)

    def reports(self, reference: str | None = None) -> list[dict[str, Any]]:
        """Every stored report, unsealed with the development private key, newest first."""
        from sqlalchemy import select

        from portal.crypto.keys import load_private_keys
        from portal.crypto.sealing import Opener
        from portal.intake.reports import PURPOSE
        from portal.store.models import Report
        if self._opener is None:  # unwrapping costs an Argon2id derivation: once per session
            self._opener = Opener(load_private_keys(Path(self.app.config["PRIVATE_KEY_DIR"]),
                                                    self.app.config["KEY_PASSPHRASE"]))
        opener = self._opener
        with self.app.extensions["sessionmaker"]() as dbs:
            query = select(Report).order_by(Report.received_at.desc())
            if reference:
                query = query.where(Report.reference == reference)
            rows = dbs.scalars(query).all()
            return [{"reference": r.reference, "kind": r.reporter_kind, "danger_now": r.danger_now,
                     "no_contact": r.no_contact, "contact_language": r.contact_language,
                     "first_contact_due": (r.first_contact_due if r.first_contact_due.tzinfo
                                           else r.first_contact_due.replace(tzinfo=timezone.utc)),
                     "content": opener.open_json(r.sealed, PURPOSE, r.id)} for r in rows]

    def report(self, reference: str) -> dict[str, Any]:
        found = self.reports(reference)
        assert found, f"no stored report with reference {reference}"
        return found[0]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from werkzeug.serving import make_server

    instance = tmp_path_factory.mktemp("browser-instance")
    slot = _Slot()
    server = make_server("127.0.0.1", 0, slot, threaded=True)
    base = f"http://127.0.0.1:{server.port}"
    env = {"PORTAL_ENV": "test", "PORTAL_INSTANCE_DIR": str(instance), "PORTAL_EXIT_URL": base + "/__neutral",
           # Every browser test submits from 127.0.0.1: the per-address limit is tested in tests/web/test_limits.py.
           "PORTAL_SUBMIT_LIMIT": "100000 per minute",
           # Likewise receipt sign-ins: their limit is tested in tests/intake/test_conversations.py.
           "PORTAL_RECEIPT_SIGN_IN_LIMIT": "100000 per minute"}

    # `portal init`, exactly as a developer runs it: the database schema and development keys.
    init = subprocess.run(PORTAL_INIT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120)
    assert init.returncode == 0, f"portal init failed:\n{init.stdout}\n{init.stderr}"

    from portal import create_app
    with _environment(env):
        app = create_app()
    # The settings are read from the environment once, at create_app time: check they took.
    assert app.config["ENVIRONMENT"] == "test"
    assert app.config["EXIT_URL"] == base + "/__neutral"
    assert Path(app.config["PUBLIC_KEY_FILE"]).is_relative_to(instance)
    assert app.config["DATABASE_URL"].endswith(str(instance / "portal.db"))
    app.add_url_rule("/__neutral", "neutral", lambda: NEUTRAL_HTML)
    slot.app = app

    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=base, app=app, instance_dir=instance, env=env)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def another_site() -> Iterator[str]:
    """Another website (a different host name, so another site to the browser) that a person goes to from
    the portal, as if they had typed its address: the portal hears nothing of it."""
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Response

    page = ("<!doctype html><html lang='en'><link rel=icon href='data:,'><title>Recipes</title>"
            "<h1>Recipes</h1><p>Soup.</p></html>")
    server = make_server("localhost", 0, lambda environ, start: Response(page, mimetype="text/html")(
        environ, start), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="another-site", daemon=True)
    thread.start()
    _other_sites.append(f"http://localhost:{server.port}/")
    try:
        yield _other_sites[-1]
    finally:
        server.shutdown()
        thread.join(timeout=5)


# --------------------------------------------------------------------------------------------------
# The browser: one per session, a fresh context per test
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
        pytest.fail(f"no Chromium at {LOOKED_FOR} or on PATH, and PORTAL_REQUIRE_BROWSER=1: install it with "
                    "`apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        # Playwright switches the back/forward cache off by default; people's browsers have it on, and the
        # quick exit's Back-button behaviour depends on it, so it is switched back on here.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                              ignore_default_args=["--disable-back-forward-cache"])
        try:
            yield chromium
        finally:
            chromium.close()


class PageProblems:
    """JavaScript errors and Content-Security-Policy refusals seen by any page of a context."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.messages.append(f"page error on {page.url}: {error}"))
        page.on("console", self._console)

    def offsite(self, url: str, base: str) -> None:
        if not (url.startswith(base + "/") or url == base or url.startswith("data:")
                or any(url.startswith(site) for site in _other_sites)):
            self.messages.append(f"request left the test server: {url}")

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.messages.append(f"console: {text}")


@pytest.fixture
def new_context(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Make a browser context: `new_context(js=False, width=320, locale="cy", bypass_csp=True, zoom=2)`.

    Every context is closed after the test; a test fails if any page had a JavaScript error or a CSP
    refusal (unless the context was made with `allow_problems=True`).
    """
    made: list[tuple[Any, PageProblems, bool]] = []

    def make(*, js: bool = True, width: int = 1024, height: int = 768, locale: str = "en-GB",
             bypass_csp: bool = False, allow_problems: bool = False, zoom: float = 1) -> Any:
        # zoom=2 is the browser's 200% zoom: the page laid out in half the CSS pixels, each drawn twice as big.
        context = browser.new_context(base_url=live_server.url, java_script_enabled=js, locale=locale,
                                      viewport={"width": int(width / zoom), "height": int(height / zoom)},
                                      device_scale_factor=zoom, bypass_csp=bypass_csp, service_workers="block")
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        problems = PageProblems()
        context.on("page", problems.watch)
        # Nothing may leave loopback (watched, not intercepted: interception would change what we test).
        context.on("request", lambda request: problems.offsite(request.url, live_server.url))
        made.append((context, problems, allow_problems))
        return context

    yield make
    found: list[str] = []
    for context, problems, allowed in made:
        with contextlib.suppress(Exception):
            context.close()
        if not allowed:
            found.extend(problems.messages)
    assert not found, "the browser reported problems:\n" + "\n".join(found)
