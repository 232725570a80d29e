"""Safety of the reporter: headers, the quick exit, cookies, logs, and failing closed."""
from __future__ import annotations

import base64
import hashlib
import logging
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.store.models import Report, WebSession
from tests.conftest import make_app

STORY = "Secret words nobody else may read 7f3a"


def test_strict_security_headers_on_every_response(client):
    for path in ("/", "/en/", "/en/tell-us/you", "/en/nowhere", "/static/portal.js", "/exit"):
        h = client.get(path).headers
        csp = h["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"
        assert h["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in h  # only over HTTPS


def test_hsts_over_https(client):
    assert "max-age=" in client.get("/en/", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_the_csp_hash_allows_exactly_the_inline_stylesheet(client):
    response = client.get("/en/")
    html = response.get_data(as_text=True)
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}'" in response.headers["Content-Security-Policy"]


def test_no_third_party_requests_in_any_page(client):
    for path in ("/", "/en/", "/cy/tell-us/agency", "/en/safety"):
        html = client.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not url.startswith(("http:", "https:", "//")), (path, url)


def test_session_cookie_is_neutral_httponly_and_strict(client):
    client.get("/en/tell-us/you")
    cookie = client.get_cookie("s")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert not cookie.expires  # goes when the browser closes


def test_cookie_is_secure_outside_development(instance, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 40)
    app = make_app(keys=False)
    with app.test_client() as c:
        c.get("/en/tell-us/you", base_url="https://localhost")
        assert c.get_cookie("s").secure


def test_production_refuses_to_start_without_a_secret_key(instance, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        make_app()


def test_no_report_content_in_the_session_cookie_or_store(app, client, reporter):
    reporter.send({"story": STORY, "contact_methods": ["email"], "email": "hidden@example.org"})
    cookie = client.get_cookie("s").value
    assert STORY not in cookie and len(cookie) < 60
    with app.extensions["sessionmaker"]() as dbs:
        for row in dbs.scalars(select(WebSession)):
            assert STORY not in row.data and "hidden@example.org" not in row.data
            assert row.id_hash != cookie  # only the hash of the id is stored


def test_exit_ends_the_session_and_clears_the_site(app, client, reporter):
    reporter.open_form()
    assert client.get_cookie("s") is not None
    response = client.get("/exit")
    assert response.status_code == 303 and response.headers["Location"] == "https://neutral.example/weather"
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert client.get_cookie("s") is None
    with app.extensions["sessionmaker"]() as dbs:
        assert dbs.scalar(select(func.count()).select_from(WebSession)) == 0


def test_exit_link_is_first_and_the_button_is_on_every_page(client):
    for path in ("/", "/en/", "/cy/tell-us/you", "/en/sent", "/en/missing"):
        response = client.get(path, follow_redirects=True)
        html = response.get_data(as_text=True)
        body = html[html.index("<body"):]
        first_link = re.search(r"<a [^>]*>", body).group(0)
        assert 'href="/exit"' in first_link and "data-exit" in first_link, path
        assert 'class="exit-button"' in body


def test_welsh_pages_exit_in_welsh(client):
    html = client.get("/cy/").get_data(as_text=True)
    assert "Exit this page now" not in html


def test_no_report_content_ip_or_user_agent_in_logs(app, client, reporter, caplog):
    caplog.set_level(logging.DEBUG)
    tokens = reporter.open_form()
    client.post("/en/tell-us/you", data={**tokens, "story": STORY, "contact_methods": ["none"]},
                headers={"User-Agent": "UniqueAgent/9.9"}, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    client.post("/en/tell-us/you", data={**tokens, "story": STORY, "contact_methods": ["bogus"]},
                headers={"User-Agent": "UniqueAgent/9.9"}, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    text = caplog.text
    for leak in (STORY, "203.0.113.77", "UniqueAgent"):
        assert leak not in text


def test_a_public_only_host_accepts_reports_it_cannot_open(instance, monkeypatch, tmp_path):
    """The internet-facing configuration holds only the public key, and still serves and seals."""
    triage = make_app()
    keys_dir = Path(triage.config["PUBLIC_KEY_FILE"]).parent
    public_only = tmp_path / "public-host"
    public_only.mkdir()
    shutil.copy(keys_dir / "current.public.json", public_only / "current.public.json")
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "y" * 40)
    monkeypatch.setenv("PORTAL_PUBLIC_KEY_FILE", str(public_only / "current.public.json"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", triage.config["DATABASE_URL"])
    public = make_app(keys=False)
    assert public.config["PRIVATE_KEY_DIR"] is None and public.config["KEY_PASSPHRASE"] is None
    assert not list(public_only.glob("*.private.json"))
    c = public.test_client()
    html = c.get("/en/tell-us/you", base_url="https://localhost").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    response = c.post("/en/tell-us/you", base_url="https://localhost",
                      data={"csrf_token": csrf, "submission_key": key, "story": STORY, "contact_methods": ["none"]})
    assert response.status_code == 303
    # The triage side, with the private key, opens it.
    from tests.conftest import open_all
    assert open_all(triage)[0]["answers"]["story"] == STORY


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_a_missing_or_broken_public_key_fails_closed_keeping_the_text(app, client, reporter, damage):
    tokens = reporter.open_form()
    public = Path(app.config["PUBLIC_KEY_FILE"])
    if damage == "missing":
        public.unlink()
    else:
        public.write_text("{not json")
    response = reporter.send({"story": STORY, "contact_methods": ["none"]}, tokens=tokens)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "has not been sent" in html and STORY in html
    with app.extensions["sessionmaker"]() as dbs:
        assert dbs.scalar(select(func.count()).select_from(Report)) == 0
    assert client.get("/en/sent").status_code == 302  # never a success page for a report not stored


def test_the_confirmation_is_not_reachable_without_sending(client):
    response = client.get("/en/sent")
    assert response.status_code == 302 and response.headers["Location"].endswith("/en/")


def test_unhandled_errors_are_logged_without_their_message(app, caplog):
    try:
        raise ValueError(STORY)
    except ValueError:
        import sys
        app.log_exception(sys.exc_info())
    assert "ValueError" in caplog.text and STORY not in caplog.text


def test_behind_a_proxy_https_is_recognised_for_hsts(instance, monkeypatch):
    monkeypatch.setenv("PORTAL_PROXIES", "1")
    app = make_app()
    response = app.test_client().get("/en/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


def test_an_unknown_environment_name_is_refused(instance, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "staging")
    with pytest.raises(ValueError, match="PORTAL_ENV"):
        make_app()


def _public_session_expiry(app):
    from portal.store.sessions import _aware
    with app.extensions["sessionmaker"]() as dbs:
        rows = dbs.scalars(select(WebSession)).all()
        assert len(rows) == 1
        return _aware(rows[0].expires_at)


def _age_public_session(app, minutes_left: float) -> None:
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update
    with app.extensions["sessionmaker"]() as dbs, dbs.begin():
        dbs.execute(update(WebSession).values(expires_at=datetime.now(timezone.utc) + timedelta(minutes=minutes_left)))


def test_a_public_session_ends_after_30_idle_minutes_and_every_page_pushes_that_back(app, client, reporter):
    """Closing the browser does not end a session on a phone that keeps session cookies: the server does,
    after 30 minutes without a page. Reading pages is activity too, not only writing."""
    from datetime import datetime, timedelta, timezone
    tokens = reporter.open_form()
    now = datetime.now(timezone.utc)
    assert now + timedelta(minutes=29) < _public_session_expiry(app) <= now + timedelta(minutes=30, seconds=5)

    _age_public_session(app, minutes_left=20)  # ten minutes reading the form
    client.get("/en/safety")
    assert _public_session_expiry(app) > datetime.now(timezone.utc) + timedelta(minutes=29)

    _age_public_session(app, minutes_left=29.9)  # seen again within a minute: no write for it
    client.get("/en/privacy")
    assert _public_session_expiry(app) < datetime.now(timezone.utc) + timedelta(minutes=29.95)

    # Past its idle time the session is gone; the report typed meanwhile still sends (nothing is lost).
    _age_public_session(app, minutes_left=-1)
    old = client.get_cookie("s").value
    response = reporter.send({"story": STORY, "contact_methods": ["none"]}, tokens=tokens)
    assert response.status_code == 303
    assert client.get_cookie("s").value != old  # a new session for the confirmation, not the old one


def test_the_idle_time_is_a_setting_and_the_pages_say_it(instance, monkeypatch):
    monkeypatch.setenv("PORTAL_PUBLIC_IDLE_MINUTES", "20")
    app = make_app()
    client = app.test_client()
    assert "after 20 minutes without any activity" in client.get("/en/safety").get_data(as_text=True)
    assert "after 20 minutes without any activity" in client.get("/en/privacy").get_data(as_text=True)
    start = client.get("/en/").get_data(as_text=True)
    assert "Closing the browser is not a safe way to leave" in start
    for path in ("/en/", "/en/safety", "/en/privacy", "/cy/", "/cy/safety", "/cy/privacy"):
        html = client.get(path).get_data(as_text=True)
        assert "or close the browser" not in html and "neu'n cau'r porwr" not in html, path  # the old promise
