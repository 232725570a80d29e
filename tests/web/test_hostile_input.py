"""Input anyone can send never makes a server error (issue 12, finding 3): a clear 400 or 404 page instead,
in the right language, and nothing in the log but the exception's type.

First one test per finding of the outside review (each failed before its fix), then a property-style test
that feeds random text, Unicode and raw bytes to every form field, cookie, path segment and query parameter
of both processes. The test apps re-raise any unhandled exception, so a crash fails the test loudly.
"""
from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.staff_helpers import (
    STORY,
    add_staff,
    csrf_from,
    html_of,
    new_client,
    next_code,
    post_form,
    send_report,
    sign_in,
    signed_in,
    submit_password,
)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


# --- the review's findings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["caf\u00e9", "\u0661\u0662\u0663", "x" * 43 + "\u00ff", "%FF%FE", "a b"])
def test_a_session_cookie_of_any_shape_is_no_session(app, value):
    client = new_client(app)
    client.set_cookie("s", value)
    assert client.get("/en/").status_code == 200
    client.set_cookie("st", value, path="/staff/")
    assert client.get("/staff/sign-in").status_code == 200
    assert client.get("/staff/").status_code == 302  # signed out, not a crash


def test_a_session_cookie_of_raw_bytes_is_no_session(app):
    client = new_client(app)
    for name, path in (("s", "/en/"), ("st", "/staff/sign-in")):
        response = client.get(path, headers={"Cookie": f"{name}=".encode() + bytes(range(128,
                                                                                         200))})  # type: ignore[dict-item]
        assert response.status_code == 200, name


def test_a_dash_score_of_hundreds_of_digits_is_a_clear_error(app):
    client = new_client(app)
    page = html_of(client.get("/en/tell-us/agency"))
    tokens = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
              # type: ignore[union-attr]
              "submission_key": re.search(r'name="submission_key" value="([^"]+)"',
                                          page).group(1)}  # type: ignore[union-attr]
    response = client.post("/en/tell-us/agency", data={**tokens, "dash_score": "9" * 400, "action": "send"})
    assert response.status_code == 400
    assert "Enter the number of &#39;yes&#39; answers as a whole number from 0 to 24" in html_of(response)


def test_a_retention_period_of_hundreds_of_digits_is_a_clear_error(app):
    client, _lead = signed_in(app, "lead")
    response = post_form(client, "/staff/settings", {"retention_days": "9" * 400, "notify_to": ""})
    assert response.status_code == 400 and "error-summary" in html_of(response)


@pytest.mark.parametrize("path", ["/en/", "/cy/", "/", "/staff/sign-in", "/staff/cases/ABCD-EFGH"])
def test_a_host_name_with_an_overlong_label_is_a_400_page(staff_app_factory, path):
    for serve in ("all", "public", "staff"):
        if (serve == "public" and path.startswith("/staff")) or (serve == "staff" and not path.startswith("/staff")):
            continue
        app = staff_app_factory({"SERVE": serve})
        app.testing = False  # the real error handling, as in production
        response = app.test_client().get(path, headers={"Host": "a" * 70 + ".example"})
        assert response.status_code == 400, (serve, path)
        html = html_of(response)
        assert "<h1>" in html and "invalid.invalid" not in html, (serve, path)
        if path.startswith("/cy/"):
            assert 'lang="cy"' in html


def test_a_nul_in_the_sign_in_address_or_a_reference_is_refused_on_either_database(app):
    response = submit_password(new_client(app), "someone\x00@example.org", "a password that is long")
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in html_of(response)
    client, _officer = signed_in(app, "officer")
    for path in ("/staff/cases/%00", "/staff/cases/AB%00C-DEFG", "/staff/cases/%00/print"):
        assert client.get(path).status_code == 404, path
    token = csrf_from(client.get("/staff/account"))
    assert client.post("/staff/cases/%00/claim", data={"csrf_token": token}).status_code == 404


def test_a_new_staff_name_with_a_nul_is_a_clear_error(app):
    client, _lead = signed_in(app, "lead")
    response = post_form(client, "/staff/team/new", {"name": "Ann\x00", "email": "ann@example.org", "role": "officer",
                                                      "language": "en"})
    assert response.status_code == 400
    assert "Enter their name using letters, numbers, spaces and punctuation only" in html_of(response)


def test_a_code_of_unicode_digits_is_simply_wrong(app):
    account = add_staff(app, "officer")
    client = new_client(app)
    sign_in(app, client, account)  # enrolled
    client = new_client(app)
    assert submit_password(client, account.email, account.password).status_code == 303
    arabic = next_code(app, account).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    page = client.get("/staff/sign-in/code")
    response = client.post("/staff/sign-in/code", data={"csrf_token": csrf_from(page), "code": arabic})
    assert response.status_code == 400 and "staff:" not in html_of(response)


@pytest.mark.parametrize("dates", [("0001-01-01", "0001-02-01"), ("9999-12-01", "9999-12-31"),
                                   ("0001-01-01", "9999-12-31")])
def test_indicators_for_a_period_at_the_ends_of_the_calendar_say_so(app, dates):
    client, _lead = signed_in(app, "lead")
    query = f"?period=custom&from={dates[0]}&to={dates[1]}"
    response = client.get("/staff/indicators" + query)
    assert response.status_code == 400 and "Enter dates between the years 2000 and 2200." in html_of(response)
    assert client.get("/staff/indicators.csv" + query).status_code in {200, 400}


def test_a_crash_on_the_staff_only_process_shows_its_own_page_and_is_logged_once(staff_app_factory, caplog):
    app = staff_app_factory({"SERVE": "staff"})
    app.testing = False

    def broken() -> str:
        raise RuntimeError(STORY)

    from portal.staff.access import allow
    allow()(broken)  # open, like the sign-in pages
    app.add_url_rule("/staff/broken", "staff.broken", broken)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/staff/broken")
    assert response.status_code == 500 and "Sorry, there is a problem" in html_of(response)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == ["unhandled RuntimeError"]
    assert not any(r.exc_info for r in errors) and STORY not in caplog.text


# --- anything at all ----------------------------------------------------------------------------------------

# Text of every kind (control characters, NUL, astral, bidi, combining), and raw bytes that are not UTF-8.
TEXT = st.text(max_size=60)
RAW = st.binary(max_size=40)
# The shapes that broke something somewhere once, each sent to every field, parameter and cookie at once.
NASTY: list[str | bytes] = ["", "9" * 400, "-1", "1e309", "NaN", "\x00", "a\x00b",
                            "\u0661\u0662\u0663\u0664\u0665\u0666",
                            "caf\u00e9", "\U0001F600", "\u202e", "../..", "%", "a" * 5000, b"\xff\xfe\x80", b"\xc3("]
VALUE = st.one_of(TEXT, RAW, st.sampled_from(NASTY))
PARAMETERS = ["page", "lang", "next", "period", "from", "to", "month", "quarter", "flag", "owner", "status",
              "kind", "language", "overdue", "changed"]
EXAMPLES = 15  # random ones per URL, beside the sweep of NASTY; the seed is fixed so a failure repeats


def _encode(value: str | bytes) -> str:
    return quote_from_bytes(value, safe="") if isinstance(value, bytes) else quote(value, safe="")


def _raw_header(value: str | bytes) -> str:
    """A header value as a client could send it: bytes as they are (WSGI carries headers as latin-1)."""
    if isinstance(value, str):
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            value = value.encode("utf-8")
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return text.replace("\r", "").replace("\n", "")  # a line break would end the header itself


def _fields(html: str) -> list[str]:
    return sorted(set(re.findall(r'<(?:input|textarea|select|button)[^>]*\bname="([^"]+)"', html)) - {"csrf_token"})


def _fill(rule: Any, segment: str) -> str:
    return re.sub(r"<[^>]+>", segment, rule.rule)


class Walker:
    """Sends one rule every kind of input: random path segments, query strings, cookies and form bodies (with
    a real CSRF token, so the view itself runs, not only the CSRF check). A 5xx fails at once."""

    def __init__(self, client: Any, rule: Any, reference: str):
        self.client, self.rule = client, rule
        # A client's own cookie jar replaces any Cookie header it is given: hostile cookies go by one without.
        self.jarless = client.application.test_client(use_cookies=False)
        self.base = _fill(rule, reference) if "<reference>" in rule.rule else _fill(rule, "1")
        page = client.get(self.base)
        html = html_of(page) if page.status_code == 200 else ""
        self.names = _fields(html) or ["text", "email", "code", "receipt"]
        self.token = csrf_from(html) if 'name="csrf_token"' in html else ""

    def send(self, segment: str | bytes, query: dict[str, Any], cookie: str | bytes, form: dict[str, Any]) -> None:
        path = _fill(self.rule, _encode(segment) or "x") if "<" in self.rule.rule else self.base
        qs = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in query.items())
        cookies = {"Cookie": f"s={_raw_header(cookie)}; st={_raw_header(cookie)}"}
        if "GET" in self.rule.methods:
            response = self.client.get(f"{path}?{qs}")
            assert response.status_code < 500, f"{response.status_code}: GET {path}?{qs}"
            response = self.jarless.get(f"{path}?{qs}", headers=cookies)
            assert response.status_code < 500, f"{response.status_code}: GET {path}?{qs} with {cookies}"
        if "POST" in self.rule.methods:
            body = "&".join([f"csrf_token={_encode(self.token)}", *(f"{_encode(k)}={_encode(v)}" for k,
                                                                    v in form.items())])
            for url in {path, self.base}:
                response = self.client.post(url, data=body.encode("ascii"),
                                            content_type="application/x-www-form-urlencoded")
                assert response.status_code < 500, f"{response.status_code}: POST {url} {body[:300]}"

    def sweep(self) -> None:
        for host in ("a" * 70 + ".example", "xn--" + "\u00e9" * 10, "[::1", "..", "a..b"):
            response = self.jarless.get(self.base, headers={"Host": host})
            assert response.status_code < 500, f"{response.status_code}: GET {self.base} Host: {host}"
        for value in NASTY:
            self.send(value, {name: value for name in PARAMETERS}, value, {name: value for name in self.names})

    def random(self) -> None:
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(segment=VALUE, query=st.dictionaries(st.sampled_from(PARAMETERS), VALUE, max_size=4), cookie=VALUE,
               form=st.fixed_dictionaries({}, optional={name: VALUE for name in self.names}))
        def one(segment: Any, query: dict[str, Any], cookie: Any, form: dict[str, Any]) -> None:
            self.send(segment, query, cookie, form)
        one()


def _walk(client: Any, rules: list[Any], reference: str, recover: Any) -> None:
    for rule in rules:
        walker = Walker(client, rule, reference)
        walker.sweep()
        walker.random()
        recover(client)  # nothing above may leave the walker unable to carry on (signed out, say)


def test_random_input_anywhere_on_the_public_process_is_never_a_server_error(staff_app_factory):
    app = staff_app_factory({"SERVE": "public"})
    reference = send_report(new_client(app))
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)
    assert len(rules) > 15
    _walk(new_client(app), rules, reference, lambda _client: None)


def test_random_input_anywhere_on_the_staff_process_is_never_a_server_error(staff_app_factory):
    reference = send_report(new_client(staff_app_factory({"SERVE": "public"})))  # the same database
    app = staff_app_factory({"SERVE": "staff"})
    lead = add_staff(app, "lead")
    client = new_client(app)
    sign_in(app, client, lead)

    def still_signed_in(c: Any) -> None:
        if c.get("/staff/account").status_code != 200:
            sign_in(app, c, lead)

    rules = sorted((r for r in app.url_map.iter_rules()
                    if r.endpoint.startswith("staff.") and r.endpoint not in {"staff.sign_out"}),
                   key=lambda r: r.rule)
    assert len(rules) > 20
    _walk(client, rules, reference, still_signed_in)
