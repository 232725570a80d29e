"""Rate limits that hold across workers: report submission per client (kept only as a keyed hash) and staff
sign-in per account, counted in the machine's real Redis (127.0.0.1:6379).

Two apps built from one configuration stand for two gunicorn workers: with Redis they share one count; in
memory each would allow the whole limit again. Without Redis these tests are skipped with a reason; CI sets
PORTAL_REQUIRE_REDIS=1 so a missing server fails instead.
"""
from __future__ import annotations

import os
import secrets

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.store.models import Report
from tests.conftest import CheckedClient, Reporter
from tests.staff_helpers import PASSWORD, add_staff, html_of, new_client, submit_password

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS", "redis://127.0.0.1:6379/0")
STORY = "Limit story: please help"
ANSWERS = {"story": STORY, "contact_methods": ["none"]}
ADDRESS = "203.0.113.77"


def _redis():  # type: ignore[no-untyped-def]
    import redis
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("PORTAL_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required (PORTAL_REQUIRE_REDIS=1) but {REDIS_URL} is unreachable")
        pytest.skip(f"no Redis at {REDIS_URL}: shared rate-limit tests not run")
    return client


@pytest.fixture
def redis_client():  # type: ignore[no-untyped-def]
    return _redis()


@pytest.fixture
def workers(staff_app_factory, redis_client):  # type: ignore[no-untyped-def]
    """Two 'workers' sharing one Redis, under a key prefix of this test's own."""
    prefix = "t" + secrets.token_hex(6)
    config = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix, "SUBMIT_LIMIT": "3 per minute"}
    apps = [staff_app_factory(config), staff_app_factory(config)]
    yield apps, prefix
    for key in redis_client.scan_iter(f"*{prefix}*"):
        redis_client.delete(key)


def send_from(app: Flask, address: str = ADDRESS):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Reporter(client).send(ANSWERS)


def count(app: Flask) -> int:
    with app.extensions["sessionmaker"]() as dbs:
        return dbs.scalar(select(func.count()).select_from(Report)) or 0


def test_two_workers_share_the_submission_limit_and_the_refusal_keeps_the_text(workers):
    (one, two), _prefix = workers
    assert [send_from(one).status_code, send_from(two).status_code, send_from(one).status_code] == [303] * 3
    refused = send_from(two)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Your report has not been sent yet" in html and STORY in html  # nothing typed is lost
    assert send_from(one, "198.51.100.9").status_code == 303  # another address has its own count
    assert count(one) == 4


def test_memory_storage_counts_per_worker(staff_app_factory):
    """Why Redis: in memory each worker allows the whole limit again."""
    one, two = (staff_app_factory({"SUBMIT_LIMIT": "2 per minute"}) for _ in range(2))
    statuses = [send_from(app).status_code for app in (one, one, two, two)]
    assert statuses == [303] * 4
    assert send_from(one).status_code == 429


def test_limit_keys_hold_no_readable_address_and_expire(workers, redis_client):
    (one, _two), prefix = workers
    send_from(one, ADDRESS)
    send_from(one, "2001:db8:1:2:3:4:5:6")
    keys = [key.decode() for key in redis_client.scan_iter(f"*{prefix}*")]
    assert keys, "the limit was not counted in Redis"
    for key in keys:
        assert ADDRESS not in key and "2001:db8" not in key and "203.0.113" not in key
        ttl = redis_client.ttl(key)
        assert 0 < ttl <= 3600, (key, ttl)  # gone when its window ends (the longest is an hour)
        value = redis_client.get(key) if redis_client.type(key) == b"string" else b""
        assert ADDRESS.encode() not in (value or b"")


def test_addresses_in_one_ipv6_64_share_a_count(workers):
    (one, _two), _prefix = workers
    statuses = [send_from(one, f"2001:db8:1:2::{n}").status_code for n in range(1, 5)]
    assert statuses == [303, 303, 303, 429]


def test_redis_down_never_refuses_a_report_and_still_counts_in_the_process(staff_app_factory, caplog):
    app = staff_app_factory({"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0", "SUBMIT_LIMIT": "2 per minute"})
    assert [send_from(app).status_code for _ in range(2)] == [303, 303]
    assert send_from(app).status_code == 429  # the per-process fallback still holds
    # Tried once, then counted here for a while: no request after the first waits on a dead Redis.
    assert caplog.text.count("rate limit storage unavailable") == 1
    assert ADDRESS not in caplog.text


def test_sign_in_lockout_holds_across_workers(workers):
    (one, two), _prefix = workers
    account = add_staff(one, "officer")
    for app in (one, two, one):
        assert submit_password(new_client(app), account.email, "wrong password here").status_code == 400
    locked = submit_password(new_client(two), account.email, PASSWORD)
    assert locked.status_code == 429 and "Too many attempts" in html_of(locked)


def test_checked_client_still_checks_pages(workers):
    """The refusal page is a normal public page: quick exit, headers, hygiene (CheckedClient asserts them)."""
    (one, _two), _prefix = workers
    one.test_client_class = CheckedClient
    for _ in range(3):
        send_from(one)
    assert send_from(one).status_code == 429


def test_the_refusal_is_in_welsh_on_welsh_pages(staff_app_factory):
    app = staff_app_factory({"SUBMIT_LIMIT": "1 per minute"})
    client = app.test_client()
    assert Reporter(client).send(ANSWERS, lang="cy").status_code == 303
    refused = Reporter(client).send(ANSWERS, lang="cy")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Nid yw eich adroddiad wedi'i anfon eto" in html.replace("&#39;", "'")
    assert STORY in html
