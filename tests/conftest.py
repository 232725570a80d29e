"""Fixture chain: settings (environment) → app → client → action helpers."""
from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.hygiene import check_page
from tests.pg import ON_POSTGRES, pg_schema, require_postgres

pytest_plugins = ["tests.staff_helpers", "tests.log_watch", "tests.audit_watch"]

ERROR_PREFIX = {"en": "Error:", "cy": "Gwall:"}


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PORTAL_ENV", "test")
    monkeypatch.setenv("PORTAL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_EXIT_URL", "https://neutral.example/weather")
    # Every test client submits from one address; tests/web/test_limits.py tests the limit itself.
    monkeypatch.setenv("PORTAL_SUBMIT_LIMIT", "100000 per minute")
    for name in ("PORTAL_DATABASE_URL", "PORTAL_RATELIMIT_STORAGE", "PORTAL_SPOOL_DIR", "PORTAL_SERVE",
                 "PORTAL_PUBLIC_KEY_FILE", "PORTAL_PRIVATE_KEY_DIR",
                 "PORTAL_KEY_PASSPHRASE", "PORTAL_NATION", "PORTAL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    if not ON_POSTGRES:
        yield tmp_path
        return
    require_postgres()
    import portal.store.db

    engines: list[Any] = []
    real_make_engine = portal.store.db.make_engine

    def tracked(url: str) -> Any:
        engines.append(real_make_engine(url))
        return engines[-1]

    monkeypatch.setattr(portal.store.db, "make_engine", tracked)  # so each test's connections close with it
    with pg_schema() as url:  # the PostgreSQL pass: every test's app on a schema of its own
        monkeypatch.setenv("PORTAL_DATABASE_URL", url)
        yield tmp_path
        for engine in engines:
            engine.dispose()


_INDEX_KEY_FILE: list[bytes] = []


def make_app(overrides: dict[str, Any] | None = None, keys: bool = True) -> Flask:
    from portal import create_app
    from portal.crypto import blind_index
    from portal.crypto.keys import write_key_pair
    from portal.store.db import upgrade

    app = create_app({"TESTING": True, **(overrides or {})})
    upgrade(app.config["DATABASE_URL"])
    public = Path(app.config["PUBLIC_KEY_FILE"])
    if keys and not public.exists():
        write_key_pair(public.parent, app.config["KEY_PASSPHRASE"])
    index_key = public.parent / blind_index.FILE
    if keys and not index_key.exists():  # one index key per test process, copied (Argon2id is slow on purpose)
        if not _INDEX_KEY_FILE:
            blind_index.generate(public.parent, app.config["KEY_PASSPHRASE"])
            _INDEX_KEY_FILE.append(index_key.read_bytes())
        index_key.write_bytes(_INDEX_KEY_FILE[0])
        index_key.chmod(0o600)
    return app


@pytest.fixture
def app(instance: Path) -> Flask:
    return make_app()


class CheckedClient(FlaskClient):
    """A test client that checks page hygiene and headers on every response."""

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        assert response.headers.get("Cache-Control") == "no-store", path
        assert "Content-Security-Policy" in response.headers, path
        head = kwargs.get("method") == "HEAD"  # no body to check
        # A redirect is no page.
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400 and not head:
            body = response.get_data()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            html = body.decode("utf-8")
            # The page's own language: a Welsh staff page has no /cy/ in its path.
            lang = "cy" if str(path).startswith("/cy/") or '<html lang="cy"' in html[:200] else "en"
            check_page(html, str(path).split("?")[0], ERROR_PREFIX[lang])
        return response


@pytest.fixture
def client(app: Flask) -> Iterator[CheckedClient]:
    app.test_client_class = CheckedClient
    with app.test_client() as c:
        yield c  # type: ignore[misc]


def form_tokens(html: str) -> dict[str, str]:
    return {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                html).group(1),  # type: ignore[union-attr]
        "submission_key": re.search(r'name="submission_key" value="([^"]+)"',
                                    html).group(1),  # type: ignore[union-attr]
    }


class Reporter:
    """Action helpers: what a person does on the public side."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def open_form(self, slug: str = "you", lang: str = "en") -> dict[str, str]:
        response = self.client.get(f"/{lang}/tell-us/{slug}")
        assert response.status_code == 203  # a 200 in all but name, never kept for Back (web/security.py)
        return form_tokens(response.get_data(as_text=True))

    def send(self, answers: dict[str, Any], slug: str = "you", lang: str = "en",
             tokens: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        tokens = tokens or self.open_form(slug, lang)
        return self.client.post(f"/{lang}/tell-us/{slug}", data={**tokens, **answers, "action": "send"})


@pytest.fixture
def reporter(client: FlaskClient) -> Reporter:
    return Reporter(client)


def open_all(app: Flask) -> list[dict[str, Any]]:
    """Decrypt every stored report (as the triage side would), for assertions."""
    from sqlalchemy import select

    from portal.crypto.keys import load_private_keys
    from portal.crypto.sealing import Opener
    from portal.intake.reports import PURPOSE
    from portal.store.models import Report

    opener = Opener(load_private_keys(Path(app.config["PRIVATE_KEY_DIR"]), app.config["KEY_PASSPHRASE"]))
    with app.extensions["sessionmaker"]() as dbs:
        rows = dbs.scalars(select(Report)).all()
        return [{"row": r, **opener.open_json(r.sealed, PURPOSE, r.id)} for r in rows]
