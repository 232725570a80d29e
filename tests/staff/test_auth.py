"""Staff sign-in through the real pages: password and TOTP, enrolment, lockout, and the session's life."""
from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import timedelta

import pyotp
import pytest
import segno
from sqlalchemy import func, select

from portal.store.models import WebSession
from tests.staff_helpers import (
    PASSWORD,
    REAL_HASHER,
    add_staff,
    audit_events,
    csrf_from,
    dbs,
    html_of,
    new_client,
    next_code,
    post_form,
    sign_in,
    signed_in,
    staff_cookie,
    staff_row,
    submit_code,
    submit_password,
    utcnow,
)

BAD_CREDENTIALS = "Enter a correct email address and password"
BAD_CODE = "The code is not right or has already been used"
LOCKED = "Too many attempts"


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def error_messages(html: str) -> list[str]:
    found = re.findall(r'class="error-message">(.*?)</p>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m)).strip() for m in found]


def is_signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    response = client.get("/staff/account")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/staff/sign-in")
        return False
    assert response.status_code == 200
    return True


def session_rows(app) -> int:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return s.scalar(select(func.count()).select_from(WebSession)) or 0


def session_row_exists(app, cookie_value: str) -> bool:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return s.get(WebSession, hashlib.sha256(cookie_value.encode()).hexdigest()) is not None


def with_cookie(app, value: str):  # type: ignore[no-untyped-def]
    """A fresh client (another browser) presenting a copied staff cookie."""
    client = new_client(app)
    client.set_cookie("st", value, path="/staff/")
    return client


# --- two factors --------------------------------------------------------------------------------------


def test_first_sign_in_enrols_then_signs_in_with_password_and_code(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    response = submit_password(client, account.email, PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/staff/sign-in/set-up"
    assert not is_signed_in(client)  # a right password alone is not a sign-in
    response = submit_code(client, next_code(app, account), "/staff/sign-in/set-up")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    assert is_signed_in(client)
    assert staff_row(app, account.id).totp_enrolled
    (event,) = audit_events(app, "staff.signed_in")
    assert event.actor == f"staff:{account.id}"
    # Next time: the code page, not enrolment.
    again = new_client(app)
    assert submit_password(again, account.email, PASSWORD).headers["Location"] == "/staff/sign-in/code"


def test_passwords_are_stored_with_argon2id_at_the_library_defaults(app, monkeypatch):
    from portal.team import accounts

    monkeypatch.setattr(accounts, "_hasher", REAL_HASHER)
    account = add_staff(app, "officer")
    assert staff_row(app, account.id).password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in staff_row(app, account.id).password_hash
    assert submit_password(new_client(app), account.email, PASSWORD).status_code == 303


def test_a_wrong_code_is_refused_and_signs_nobody_in(app):
    account = add_staff(app, "officer")
    sign_in(app, new_client(app), account)
    client = new_client(app)
    assert submit_password(client, account.email, PASSWORD).status_code == 303
    real = next_code(app, account)
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    response = submit_code(client, wrong)
    assert response.status_code == 400 and BAD_CODE in html_of(response)
    assert not is_signed_in(client)
    assert submit_code(client, real).status_code == 303
    assert is_signed_in(client)


def test_the_code_step_needs_the_password_step_first(app):
    client = new_client(app)
    for url in ("/staff/sign-in/code", "/staff/sign-in/set-up"):
        response = client.get(url)
        assert response.status_code == 303 and response.headers["Location"] == "/staff/sign-in"


def test_wrong_password_and_unknown_email_look_the_same(app):
    account = add_staff(app, "officer")
    wrong_password = submit_password(new_client(app), account.email, "not the password at all")
    unknown_email = submit_password(new_client(app), "nobody@example.org", PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 400
    first, second = html_of(wrong_password), html_of(unknown_email)
    assert error_messages(first) == error_messages(second) == [f"Error: {BAD_CREDENTIALS}"]

    def neutral(html: str, email: str) -> str:
        html = html.replace(email, "EMAIL")
        return re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", html)  # the form's and the language switch's

    assert neutral(first, account.email) == neutral(second, "nobody@example.org")
    assert PASSWORD not in second and "not the password at all" not in first  # passwords are not echoed


def test_a_code_cannot_be_used_twice(app):
    account = add_staff(app, "officer")
    first = new_client(app)
    assert submit_password(first, account.email, PASSWORD).status_code == 303
    code = next_code(app, account)
    assert submit_code(first, code, "/staff/sign-in/set-up").status_code == 303
    # Someone who saw the code over a shoulder, with the password too:
    second = new_client(app)
    assert submit_password(second, account.email, PASSWORD).status_code == 303
    replay = submit_code(second, code)
    assert replay.status_code == 400 and BAD_CODE in html_of(replay)
    assert not is_signed_in(second)
    assert is_signed_in(first)


def test_an_older_code_than_the_last_one_used_is_refused_too(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    submit_password(client, account.email, PASSWORD)
    totp = pyotp.TOTP(account.secret)
    now = time.time()
    assert submit_code(client, totp.at(now + 30), "/staff/sign-in/set-up").status_code == 303
    other = new_client(app)
    submit_password(other, account.email, PASSWORD)
    assert submit_code(other, totp.at(now)).status_code == 400  # a valid step, but older than the one used


def _at_once(count: int, wait_in: str, monkeypatch, action):  # type: ignore[no-untyped-def]
    """Run `action(i)` in `count` threads, holding each inside `portal.staff.auth_views.<wait_in>` until all
    have reached it (the interleaving a burst of simultaneous requests produces). Returns the results."""
    from portal.staff import auth_views

    original = getattr(auth_views, wait_in)
    barrier = threading.Barrier(count)

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=1)
        except threading.BrokenBarrierError:
            pass  # fewer requests got this far: nothing to line up
        return original(*args, **kwargs)

    monkeypatch.setattr(auth_views, wait_in, held)
    results: dict[int, object] = {}
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, action(i))) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return [results.get(i) for i in range(count)]


def test_one_code_used_by_two_requests_at_once_signs_in_only_one(app, monkeypatch):
    account = add_staff(app, "officer")
    sign_in(app, new_client(app), account)
    clients = [new_client(app) for _ in range(2)]
    for client in clients:
        assert submit_password(client, account.email, PASSWORD).status_code == 303
    tokens = [csrf_from(client.get("/staff/sign-in/code")) for client in clients]
    code = next_code(app, account)
    statuses = _at_once(2, "attempt", monkeypatch, lambda i: clients[i].post(
        "/staff/sign-in/code", data={"csrf_token": tokens[i], "code": code}).status_code)
    assert sorted(statuses) == [303, 400], statuses  # a code is good once, however the requests interleave


def test_simultaneous_wrong_passwords_still_count_against_the_limit(app, monkeypatch):
    account = add_staff(app, "officer")
    clients = [new_client(app) for _ in range(5)]
    tokens = [csrf_from(client.get("/staff/sign-in")) for client in clients]
    statuses = _at_once(5, "check_password", monkeypatch, lambda i: clients[i].post(
        "/staff/sign-in", data={"csrf_token": tokens[i], "email": account.email,
                                "password": f"guess number {i}"}).status_code)
    assert statuses.count(400) <= 3 and statuses.count(429) >= 2, statuses  # 3 per minute, even in a burst


def test_the_enrolment_page_shows_the_key_and_an_inline_qr_code_and_nothing_external(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    submit_password(client, account.email, PASSWORD)
    html = html_of(client.get("/staff/sign-in/set-up"))
    grouped = " ".join(account.secret[i:i + 4] for i in range(0, len(account.secret), 4))
    assert f'<code class="secret">{grouped}</code>' in html
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)"', html)
    assert qr, "no inline SVG QR code"
    # The QR code is made here, of the otpauth URI with this account's secret (and nothing else).
    uri = pyotp.TOTP(account.secret).provisioning_uri(name=account.email, issuer_name="Example Housing")
    assert qr.group(1) == segno.make(uri, error="m").svg_data_uri(scale=5, dark="#0b0c0c", light="#ffffff")
    for url in re.findall(r'(?:src|href|action)="([^"]*)"', html):
        assert url.startswith(("/", "#", "data:")), url
    assert not re.search(r"https?://", html)
    # Once enrolled, the key is never shown again.
    assert submit_code(client, next_code(app, account), "/staff/sign-in/set-up").status_code == 303
    again = new_client(app)
    submit_password(again, account.email, PASSWORD)
    assert again.get("/staff/sign-in/set-up").headers["Location"] == "/staff/sign-in"
    assert account.secret[:4] not in html_of(again.get("/staff/sign-in/code"))


def test_a_slow_code_step_starts_again(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    submit_password(client, account.email, PASSWORD)
    with client.session_transaction(path="/staff/") as session:
        session["pending_at"] = session["pending_at"] - 301
    response = client.get("/staff/sign-in/set-up")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/sign-in"


# --- lockout ------------------------------------------------------------------------------------------


def test_three_failures_lock_the_account_until_a_lead_clears_it(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    for _ in range(3):
        assert submit_password(client, account.email, "wrong password here").status_code == 400
    locked = submit_password(client, account.email, PASSWORD)
    assert locked.status_code == 429
    assert any(LOCKED in message for message in error_messages(html_of(locked)))
    # Another browser is locked out too: the count is per account, not per session or address.
    assert submit_password(new_client(app), account.email, PASSWORD).status_code == 429

    lead_client, _lead = signed_in(app, "lead")
    page = lead_client.get(f"/staff/team/{account.id}")
    assert "Clear sign-in lock" in html_of(page)
    response = lead_client.post(f"/staff/team/{account.id}/unlock", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    assert audit_events(app, "staff.unlock")[0].detail == f"staff:{account.id}"
    assert submit_password(client, account.email, PASSWORD).status_code == 303


def test_a_lock_on_one_account_does_not_lock_another(app):
    locked, other = add_staff(app, "officer"), add_staff(app, "officer")
    client = new_client(app)
    for _ in range(3):
        submit_password(client, locked.email, "wrong password here")
    assert submit_password(client, locked.email, PASSWORD).status_code == 429
    assert submit_password(client, other.email, PASSWORD).status_code == 303


def test_three_wrong_codes_lock_the_code_step(app):
    account = add_staff(app, "officer")
    sign_in(app, new_client(app), account)
    client = new_client(app)
    submit_password(client, account.email, PASSWORD)
    for _ in range(3):
        assert submit_code(client, "000000" if next_code(app, account) != "000000" else "111111").status_code == 400
    response = submit_code(client, next_code(app, account))
    assert response.status_code == 429 and not is_signed_in(client)


# --- the session --------------------------------------------------------------------------------------


def test_the_session_id_changes_at_each_sign_in_step(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    client.get("/staff/sign-in")
    before = staff_cookie(client)
    assert before
    submit_password(client, account.email, PASSWORD)
    pending = staff_cookie(client)
    submit_code(client, next_code(app, account), "/staff/sign-in/set-up")
    after = staff_cookie(client)
    assert len({before, pending, after}) == 3
    assert is_signed_in(client)
    # An id someone saw (or planted) before sign-in is worth nothing afterwards.
    for old in (before, pending):
        assert not session_row_exists(app, old)
        assert not is_signed_in(with_cookie(app, old))


def test_the_staff_cookie_is_strict_httponly_and_only_for_staff_pages(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    submit_password(client, account.email, PASSWORD)
    response = submit_code(client, next_code(app, account), "/staff/sign-in/set-up")
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("st=")]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert attributes["path"] == "Path=/staff/"
    assert "httponly" in attributes
    assert attributes["samesite"] == "SameSite=Strict"
    assert "expires" not in attributes and "max-age" not in attributes  # gone when the browser closes
    # The public side neither sets nor sees the staff cookie.
    public = new_client(app)
    assert not any(c.startswith("st=") for c in public.get("/en/").headers.getlist("Set-Cookie"))


def test_signing_out_ends_the_session_on_the_server(app):
    client, account = signed_in(app, "officer")
    cookie = staff_cookie(client)
    assert cookie and session_row_exists(app, cookie)
    response = post_form(client, "/staff/sign-out", token_from="/staff/account")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/signed-out"
    assert staff_cookie(client) is None
    assert client.get("/staff/signed-out").status_code == 200
    assert not session_row_exists(app, cookie)
    replayed = with_cookie(app, cookie).get("/staff/")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/staff/sign-in")
    assert audit_events(app, "staff.signed_out")[0].actor == account.actor


def test_signing_out_needs_the_csrf_token(app):
    client, _account = signed_in(app, "officer")
    assert client.post("/staff/sign-out").status_code == 400
    assert is_signed_in(client)


def _move_clock(client, **seconds_ago: float) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction(path="/staff/") as session:
        now = utcnow().timestamp()
        for key, ago in seconds_ago.items():
            session[key] = now - ago


def test_idle_sessions_end_after_30_minutes(app):
    client, _account = signed_in(app, "officer")
    _move_clock(client, seen=29 * 60)
    assert is_signed_in(client)  # and that request counts as activity
    _move_clock(client, seen=30 * 60 + 5)
    cookie = staff_cookie(client)
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/sign-in?next=/staff/"
    assert not session_row_exists(app, cookie)


def test_sessions_end_10_hours_after_sign_in_however_busy(app):
    client, _account = signed_in(app, "officer")
    _move_clock(client, since=10 * 3600 - 60, seen=0)
    assert is_signed_in(client)
    _move_clock(client, since=10 * 3600 + 5, seen=0)
    assert not is_signed_in(client)


def test_idle_and_absolute_limits_come_from_configuration(staff_app_factory):
    app = staff_app_factory({"STAFF_IDLE": timedelta(minutes=5), "STAFF_ABSOLUTE": timedelta(minutes=20)})
    client, account = signed_in(app, "officer")
    _move_clock(client, seen=6 * 60)
    assert not is_signed_in(client)
    client = new_client(app)
    sign_in(app, client, account)
    _move_clock(client, since=21 * 60, seen=0)
    assert not is_signed_in(client)


def test_the_server_forgets_a_session_whose_row_has_expired(app):
    client, _account = signed_in(app, "officer")
    with dbs(app) as s, s.begin():
        for row in s.scalars(select(WebSession)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    assert not is_signed_in(client)


def test_changing_the_password_ends_every_other_session(app):
    account = add_staff(app, "officer")
    here, elsewhere = new_client(app), new_client(app)
    sign_in(app, here, account)
    sign_in(app, elsewhere, account)
    new_password = "a different long passphrase"
    short = post_form(here, "/staff/account", {"current": PASSWORD, "new": "short", "again": "short"})
    assert short.status_code == 400 and "12 characters or more" in html_of(short)
    wrong = post_form(here, "/staff/account", {"current": "not it at all!", "new": new_password, "again": new_password})
    assert wrong.status_code == 400 and "current password is not right" in html_of(wrong)
    assert is_signed_in(elsewhere)  # nothing changed yet
    response = post_form(here, "/staff/account", {"current": PASSWORD, "new": new_password, "again": new_password})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/account?changed=1"
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert submit_password(new_client(app), account.email, PASSWORD).status_code == 400
    assert submit_password(new_client(app), account.email, new_password).status_code == 303
    assert audit_events(app, "staff.password_changed")[0].actor == account.actor


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(app):
    client, account = signed_in(app, "officer")
    lead, _ = signed_in(app, "lead")
    assert post_form(lead, f"/staff/team/{account.id}/deactivate",
                     token_from=f"/staff/team/{account.id}").status_code == 303
    assert not is_signed_in(client)
    refused = submit_password(new_client(app), account.email, PASSWORD)
    assert refused.status_code == 400 and BAD_CREDENTIALS in html_of(refused)


def _shown_once(html: str) -> str:
    match = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert match, "no password shown"
    return match.group(1)


def _enrol_from_the_page(app, client, email: str, password: str) -> str:  # type: ignore[no-untyped-def]
    """First sign-in as a person would do it: the key comes from the set-up page, the code from an app."""
    response = submit_password(client, email, password)
    assert response.headers["Location"] == "/staff/sign-in/set-up"
    page = html_of(client.get("/staff/sign-in/set-up"))
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ",
                                                                                           "")  # type: ignore[union-attr]
    response = client.post("/staff/sign-in/set-up", data={"csrf_token": csrf_from(page),
                                                          "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 303, error_messages(html_of(response))
    return secret


def test_a_member_added_by_a_lead_sets_up_their_code_at_first_sign_in(app):
    lead, lead_account = signed_in(app, "lead")
    response = post_form(lead, "/staff/team/new", {"name": "Nia Jones", "email": "Nia.Jones@Example.org",
                                                    "role": "officer", "language": "cy"})
    assert response.status_code == 200 and "Account added" in html_of(response)
    password = _shown_once(html_of(response))
    assert len(password) >= 12
    again = post_form(lead, "/staff/team/new", {"name": "Nia", "email": "nia.jones@example.org", "role": "lead"})
    assert again.status_code == 400 and "already an account with this email" in html_of(again)
    (added,) = audit_events(app, "staff.added")
    assert added.actor == lead_account.actor and "example" not in added.detail

    client = new_client(app)
    _enrol_from_the_page(app, client, "nia.jones@example.org", password)
    html = html_of(client.get("/staff/"))
    assert '<html lang="cy"' in html  # the language chosen for them


def test_a_code_reset_makes_the_person_set_up_again(app):
    client, account = signed_in(app, "officer")
    lead, _ = signed_in(app, "lead")
    assert post_form(lead, f"/staff/team/{account.id}/reset-code",
                     token_from=f"/staff/team/{account.id}").status_code == 303
    assert not is_signed_in(client)
    fresh = new_client(app)
    new_secret = _enrol_from_the_page(app, fresh, account.email, PASSWORD)
    assert new_secret != account.secret and is_signed_in(fresh)


def test_a_password_reset_gives_a_new_password_and_ends_sessions(app):
    client, account = signed_in(app, "officer")
    lead, _ = signed_in(app, "lead")
    response = post_form(lead, f"/staff/team/{account.id}/reset-password", token_from=f"/staff/team/{account.id}")
    assert response.status_code == 200 and "Password reset" in html_of(response)
    password = _shown_once(html_of(response))
    assert not is_signed_in(client)
    assert submit_password(new_client(app), account.email, PASSWORD).status_code == 400
    assert submit_password(new_client(app), account.email, password).status_code == 303


def test_a_role_change_ends_the_persons_sessions(app):
    client, account = signed_in(app, "officer")
    lead, _ = signed_in(app, "lead")
    response = post_form(lead, f"/staff/team/{account.id}", {"role": "auditor"})
    assert response.status_code == 303
    assert staff_row(app, account.id).role == "auditor"
    assert not is_signed_in(client)


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/staff/", "/\\evil.example",
                                    "http:/staff/x", "javascript:alert(1)"])
def test_next_cannot_send_anyone_off_site(app, target):
    account = add_staff(app, "officer")
    response = sign_in(app, new_client(app), account, next=target)
    assert response.headers["Location"] == "/staff/"


def test_next_returns_to_the_staff_page_asked_for(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    response = client.get("/staff/?owner=mine&flag=danger")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/staff/sign-in?next=")
    page = client.get(location)  # the guard's link, as the browser follows it
    submit = client.post("/staff/sign-in", data={"csrf_token": csrf_from(page), "email": account.email,
                                                 "password": PASSWORD})
    assert submit.status_code == 303
    done = submit_code(client, next_code(app, account), submit.headers["Location"])
    assert done.headers["Location"] == "/staff/?owner=mine&flag=danger"


def test_an_auditor_lands_on_the_audit_log(app):
    account = add_staff(app, "auditor")
    assert sign_in(app, new_client(app), account).headers["Location"] == "/staff/audit"


def test_the_sign_in_page_is_available_in_welsh_before_sign_in(app):
    html = html_of(new_client(app).get("/staff/sign-in?lang=cy"))
    assert '<html lang="cy"' in html


def test_a_staff_session_row_written_by_anyone_else_is_not_a_session(app):
    """The public host can write web_session (its own sessions are there): a staff session row it makes,
    or changes, does not pass the staff process's check."""
    import json as _json

    from portal.store.sessions import id_hash as _hash
    client, account = signed_in(app, "lead")
    assert client.get("/staff/").status_code == 200
    cookie = staff_cookie(client)
    with dbs(app) as s:
        row = s.get(WebSession, _hash(cookie))
        mac, _, data = row.data.partition(".")
        assert len(mac) == 64 and _json.loads(data)["staff_id"] == account.id
        changed = data.replace(f'"staff_id": {account.id}', f'"staff_id": {account.id + 1000}')
        assert changed != data
        row.data = mac + "." + changed
        s.commit()
    assert client.get("/staff/").status_code in (302, 303)  # signed out, not someone else
    forged = "st-" + "f" * 40  # a row made from scratch, as a compromised public host could
    with dbs(app) as s:
        s.add(WebSession(id_hash=_hash(forged), data=data, expires_at=utcnow() + timedelta(hours=1)))
        s.commit()
    intruder = new_client(app)
    intruder.set_cookie("st", forged, path="/staff/")
    assert intruder.get("/staff/").status_code in (302, 303)
