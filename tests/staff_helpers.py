"""Staff-side fixtures and action helpers: accounts, signing in through the real pages, reports sent through
the public form, and staff forms posted with the CSRF token read from the page.

Loaded as a plugin from tests/conftest.py. Each test still gets its own instance directory, database and
app (`staff_app_factory`); what is shared is only what is slow and never changes: one sealing key pair for
the run (copied into each instance) with its private key unwrapped once (Argon2id: ~200 ms), a freshly
migrated SQLite file to copy, and compiled templates. Staff passwords are hashed with Argon2id at a low cost.

Staff tests make their own clients with `new_client` rather than using the `client` fixture: that one is held
open in a `with` block, and while it is, every other client's requests share its app context (and `g`).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyotp
import pytest
from argon2 import PasswordHasher
from flask import Flask
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from portal.intake.reports import find_by_reference
from portal.store.models import AuditEvent, Report, StaffUser
from portal.team import accounts as _accounts
from tests.conftest import CheckedClient, Reporter, make_app
from tests.pg import ON_POSTGRES, POSTGRES_URL, pg_schema, postgres_reachable, require_postgres  # noqa: F401

PASSWORD = "correct horse battery staple"
DEV_PASSPHRASE = "development only"  # what the test environment wraps development keys with
TOTP_STEP = 30

# A report with one safe way of contact (texts) and a story.
SAFE_TEXT = {"contact_methods": ["text"], "phone_text": "07700 900982"}
STORY = "He took my phone and locked the door."


# --- the app ------------------------------------------------------------------------------------------


# Argon2id with argon2-cffi's defaults (64 MiB, 3 passes) takes 50 ms to a second per hash depending on the
# machine's load. The staff tests run the same code with the same algorithm at a cost of 1 pass over 1 MiB;
# test_staff_auth checks that the real hasher is Argon2id with the defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
REAL_HASHER = _accounts._hasher  # captured before any test swaps it


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates, kept in memory for the run: every test's app would otherwise compile them again.
    Keyed by Jinja on the template's name and source checksum, so an edited template is compiled afresh."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


@pytest.fixture(scope="session")
def staff_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """Made once per run: a key pair, an Opener holding its unwrapped private key, and a migrated SQLite file."""
    from portal.crypto.keys import load_private_keys, write_key_pair
    from portal.crypto.sealing import Opener
    from portal.store.db import upgrade

    directory = tmp_path_factory.mktemp("staff-template")
    write_key_pair(directory / "keys", DEV_PASSPHRASE)
    database = directory / "portal.db"
    upgrade(f"sqlite:///{database}")
    with sqlite3.connect(database) as conn:  # everything into the main file, so one file is a whole copy
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return directory, Opener(load_private_keys(directory / "keys", DEV_PASSPHRASE))


@pytest.fixture
def staff_app_factory(instance: Path, staff_template: tuple[Path, Any],
                      monkeypatch: pytest.MonkeyPatch) -> Callable[..., Flask]:
    """Builds an app in this test's own instance directory (config overrides allowed), using CheckedClient."""
    template, opener = staff_template
    monkeypatch.setattr(_accounts, "_hasher", FAST_HASHER)
    monkeypatch.setattr(_accounts, "_DUMMY_HASH", FAST_HASHER.hash("not a password anyone has"))

    def build(overrides: dict[str, Any] | None = None) -> Flask:
        keys = instance / "keys"
        if not keys.exists():
            shutil.copytree(template / "keys", keys)
        if not os.environ.get("PORTAL_DATABASE_URL") and not (instance / "portal.db").exists():
            shutil.copy2(template / "portal.db", instance / "portal.db")
        app = make_app(overrides)  # migrations run (a no-op on the copy) exactly as for any test app
        app.test_client_class = CheckedClient
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        same_keys = Path(app.config["PRIVATE_KEY_DIR"] or "/nonexistent").resolve() == keys.resolve()
        if same_keys and app.config["KEY_PASSPHRASE"] == DEV_PASSPHRASE:
            from portal.casework.common import key_files_stamp as _key_files_stamp
            app.extensions["opener"] = opener  # the same key files, already unwrapped
            app.extensions["opener_stamp"] = _key_files_stamp(keys)
        return app

    return build


# --- PostgreSQL, a schema per test (tests/pg.py) ------------------------------------------------------


@pytest.fixture
def pg_schema_url(instance: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    require_postgres()
    if ON_POSTGRES:  # the PostgreSQL pass: this test's app already has a schema of its own
        yield os.environ["PORTAL_DATABASE_URL"]
        return
    with pg_schema() as url:
        monkeypatch.setenv("PORTAL_DATABASE_URL", url)
        yield url


# --- the database -------------------------------------------------------------------------------------


def dbs(app: Flask):  # type: ignore[no-untyped-def]
    """A fresh database session (use as a context manager)."""
    return app.extensions["sessionmaker"]()


def report_row(app: Flask, reference: str) -> Report:
    with dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        assert report is not None, reference
        return report


def set_report(app: Flask, reference: str, **values: Any) -> None:
    """Change a report's plaintext columns directly (for deterministic deadlines, statuses, owners). A bulk UPDATE
    skips the mapper event that keeps `next_due` equal to the first-contact deadline, so a new deadline is copied
    to it here (unless `next_due` is given)."""
    if "first_contact_due" in values and "next_due" not in values:
        values["next_due"] = values["first_contact_due"]
    with dbs(app) as s, s.begin():
        s.execute(update(Report).where(Report.reference == reference).values(**values))


def open_case_of(app: Flask, owner_id: int) -> str:
    """A report sent through the website, its person reached and the case open, owned by `owner_id`."""
    reference = send_report(new_client(app))
    set_report(app, reference, contacted=True, owner_id=owner_id, status="case_open",
               first_contact_at=datetime.now(timezone.utc))
    return reference


def work(app: Flask, reference: str, staff_id: int, job: Callable[[Any, Report, StaffUser], Any]) -> Any:
    """Run a casework service call (`job(session, report, staff)`) as that member of staff, in a request."""
    with app.test_request_context("/staff/"), dbs(app) as s:
        return job(s, find_by_reference(s, reference), s.get(StaffUser, staff_id))


def staff_row(app: Flask, staff_id: int) -> StaffUser:
    with dbs(app) as s:
        staff = s.get(StaffUser, staff_id)
        assert staff is not None
        return staff


def audit_events(app: Flask, action: str | None = None) -> list[AuditEvent]:
    with dbs(app) as s:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(s.scalars(query))


# --- accounts and signing in --------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    role: str
    name: str
    secret: str
    password: str = PASSWORD

    @property
    def actor(self) -> str:
        return f"staff:{self.id}"


def add_staff(app: Flask, role: str = "officer", *, email: str | None = None, name: str | None = None,
              language: str = "en", password: str = PASSWORD) -> Account:
    """A new account made with `create_staff` (not yet enrolled: the first sign-in enrols)."""
    from portal.team.accounts import create_staff

    tag = secrets.token_hex(3)
    with app.app_context(), dbs(app) as s:
        staff, secret = create_staff(s, email=email or f"{role}-{tag}@example.org", role=role, password=password,
                                     secret_key=app.config["SECRET_KEY"], name=name or f"{role.title()} {tag}",
                                     language=language)
        return Account(staff.id, staff.email, role, staff.name, secret, password)


def next_code(app: Flask, account: Account) -> str:
    """A TOTP code the server will accept now: within one step of its clock, and newer than the last step used
    (a code is good once). Waits only if this account has already used the next step as well."""
    last = staff_row(app, account.id).totp_last_step
    now = time.time()
    step = int(now // TOTP_STEP)
    lowest = step - 1 if now % TOTP_STEP < TOTP_STEP - 5 else step  # a margin: the server's clock moves on
    candidate = max(lowest, last + 1)
    if candidate > step + 1:
        time.sleep((candidate - 1) * TOTP_STEP - now + 0.05)
    return pyotp.TOTP(account.secret, interval=TOTP_STEP).at(candidate * TOTP_STEP)


CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_from(page: TestResponse | str) -> str:
    html = page if isinstance(page, str) else page.get_data(as_text=True)
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def html_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def submit_password(client: CheckedClient, email: str, password: str, next: str | None = None) -> TestResponse:
    """Sign-in step one, through the page."""
    page = client.get("/staff/sign-in" + (f"?next={quote(next, safe='')}" if next else ""))
    assert page.status_code == 200
    return client.post("/staff/sign-in", data={"csrf_token": csrf_from(page), "email": email, "password": password})


def submit_code(client: CheckedClient, code: str, url: str = "/staff/sign-in/code") -> TestResponse:
    """Sign-in step two (or enrolment), through the page."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return client.post(url, data={"csrf_token": csrf_from(page), "code": code})


def sign_in(app: Flask, client: CheckedClient, account: Account, next: str | None = None) -> TestResponse:
    """Sign in through the real pages: password, then a code (enrolling on the first sign-in)."""
    response = submit_password(client, account.email, account.password, next)
    assert response.status_code == 303, html_of(response)[:2000]
    second = response.headers["Location"]
    assert second in {"/staff/sign-in/code", "/staff/sign-in/set-up"}, second
    response = submit_code(client, next_code(app, account), second)
    assert response.status_code == 303, html_of(response)[:2000]
    return response


def new_client(app: Flask) -> CheckedClient:
    app.test_client_class = CheckedClient
    return app.test_client()  # type: ignore[return-value]


def signed_in(app: Flask, role: str = "officer", **kwargs: Any) -> tuple[CheckedClient, Account]:
    """A new account of `role`, and a client of its own signed in as it."""
    account = add_staff(app, role, **kwargs)
    client = new_client(app)
    sign_in(app, client, account)
    return client, account


def staff_cookie(client: CheckedClient) -> str | None:
    cookie = client.get_cookie("st", path="/staff/")
    return cookie.value if cookie else None


def post_form(client: CheckedClient, url: str, data: dict[str, Any] | None = None, *,
              token_from: str | None = None, **kwargs: Any) -> TestResponse:
    """POST a staff form with the CSRF token read from a page: the form's own page, or `token_from`."""
    page = client.get(token_from or url)
    assert page.status_code == 200, (token_from or url, page.status_code)
    return client.post(url, data={"csrf_token": csrf_from(page), **(data or {})}, **kwargs)


# --- reports ------------------------------------------------------------------------------------------


def send_report(client: CheckedClient, answers: dict[str, Any] | None = None, slug: str = "you",
                lang: str = "en") -> str:
    """Send a report through the public form; returns its reference."""
    response = Reporter(client).send(answers if answers is not None else {**SAFE_TEXT, "story": STORY}, slug, lang)
    assert response.status_code == 303, re.findall(r"error-message\">(.*?)</p>", html_of(response), re.S)
    sent = html_of(client.get(f"/{lang}/sent"))
    match = re.search(r'class="reference">([A-Z0-9-]+)<', sent)
    assert match, sent[:2000]
    return match.group(1)


# The receipt as the page shows it: two pairs of four-digit groups.
RECEIPT_SHOWN = re.compile(r'class="receipt" aria-hidden="true"><span class="receipt-pair">([0-9]{4} [0-9]{4})</span> '
                           r'<span class="receipt-pair">([0-9]{4} [0-9]{4})</span>')


def get_receipt(client: CheckedClient, lang: str = "en") -> str:
    """From the confirmation page: choose a receipt, read it, say it is kept. Returns the 16 digits."""
    sent = html_of(client.get(f"/{lang}/sent"))
    assert f'href="/{lang}/receipt/new"' in sent
    offer = client.get(f"/{lang}/receipt/new")
    assert offer.status_code == 200
    made = client.post(f"/{lang}/receipt/new", data={"csrf_token": csrf_from(offer)})
    assert made.status_code == 303 and made.headers["Location"] == f"/{lang}/receipt", html_of(made)[:1500]
    shown = client.get(f"/{lang}/receipt")
    digits = " ".join(RECEIPT_SHOWN.search(html_of(shown)).groups())  # type: ignore[union-attr]
    kept = client.post(f"/{lang}/receipt", data={"csrf_token": csrf_from(shown)})
    assert kept.status_code == 303 and kept.headers["Location"] == f"/{lang}/replies/messages"
    return digits


# --- a reporter with a receipt -------------------------------------------------------------------------


def sign_in_with(client: Any, receipt: str, lang: str = "en", **extra: str) -> Any:
    page = client.get(f"/{lang}/replies")
    return client.post(f"/{lang}/replies", data={"csrf_token": csrf_from(page), "receipt": receipt, **extra})


def messages_page(client: Any, lang: str = "en") -> str:
    response = client.get(f"/{lang}/replies/messages")
    assert response.status_code == 203  # a 200 never kept for Back (portal/web/security.py)
    return html_of(response)


def write(client: Any, message: str, lang: str = "en", page: str | None = None) -> Any:
    page = page or messages_page(client, lang)
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client.post(f"/{lang}/replies/messages",
                       data={"csrf_token": csrf_from(page), "submission_key": key, "text": message})


def reporter_with_receipt(app: Any, answers: dict[str, Any] | None = None, lang: str = "en") -> tuple[Any, str, str]:
    client = new_client(app)
    reference = send_report(client, answers, lang=lang)
    return client, reference, get_receipt(client, lang)


def queue_references(html: str) -> list[str]:
    """The report references listed on a queue page, in order."""
    return re.findall(r'class="reference-link">([A-Z0-9-]+)</a>', html)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


__all__ = ["Account", "PASSWORD", "SAFE_TEXT", "STORY", "add_staff", "audit_events", "csrf_from", "dbs",
           "html_of", "messages_page", "new_client", "next_code", "post_form", "queue_references", "report_row",
           "reporter_with_receipt", "send_report", "set_report", "sign_in", "sign_in_with", "signed_in",
           "staff_cookie", "staff_row", "submit_code", "submit_password", "utcnow", "write"]


def record_assessment(app: Flask, reference: str, *, level: str = "standard", score: int = 5,
                      complete: bool = True) -> str:
    """A risk assessment on the case, as the risk service would store it (our own DASH, sealed)."""
    import uuid

    from portal.intake.reports import current_sealer
    from portal.store.risk_models import RISK_PURPOSE, RiskAssessment

    with app.app_context():
        from portal.store.db import db

        report = db().scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        assessment_id = str(uuid.uuid4())
        sealer = current_sealer()
        moment = utcnow()
        db().add(RiskAssessment(id=assessment_id, report_id=report.id, at=moment, updated_at=moment, staff_id=None,
                                source="ours", tool="dash", assessed_on=moment.date(), score=score,
                                level=level if complete else "", complete=complete, key_id=sealer.key_id,
                                sealed=sealer.seal_json({"answers": {}}, RISK_PURPOSE, assessment_id)))
        if complete:
            report.risk_level = level
        db().commit()
    return assessment_id
