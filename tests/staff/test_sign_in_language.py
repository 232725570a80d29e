"""The language a member of staff chose, and their account's, carries through signing in, setting up, the code,
signing out and the expired page, whatever the browser's Accept-Language says (issue 19)."""
from __future__ import annotations

import html as markup
import re
from urllib.parse import quote

import pytest
from sqlalchemy import delete

from portal.store.models import WebSession
from tests.staff_helpers import (
    PASSWORD,
    add_staff,
    csrf_from,
    dbs,
    html_of,
    new_client,
    next_code,
    post_form,
    sign_in,
    staff_row,
    submit_code,
    submit_password,
)

WELSH = {"sign_in": "<h1>Mewngofnodi</h1>", "code": "<h1>Rhowch eich cod</h1>",
         "enrol": "<h1>Gosod eich ap dilysu</h1>", "queue": "<h1>Ciw</h1>",
         "signed_out": "<h1>Rydych chi wedi allgofnodi</h1>", "expired": "<h1>Mae'r dudalen hon wedi dod i ben</h1>"}
ENGLISH = {"sign_in": "<h1>Sign in</h1>", "code": "<h1>Enter your code</h1>", "queue": "<h1>Queue</h1>",
           "enrol": "<h1>Set up your authenticator app</h1>"}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def english_browser(app):  # type: ignore[no-untyped-def]
    """A browser that asks for English, as a Welsh speaker's work laptop often does."""
    client = new_client(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    return client


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return markup.unescape(html_of(response))


def language_of(html: str) -> str:
    match = re.search(r'<html lang="(\w+)"', html)
    assert match, html[:200]
    return match.group(1)


def choose(client, lang: str, on: str = "/staff/sign-in"):  # type: ignore[no-untyped-def]
    """Press the language switch on the page `on`, as the page offers it (a POST)."""
    page = html_of(client.get(on))
    back = re.search(r'name="back" value="([^"]*)"', page)
    assert back and f'name="language" value="{lang}"' in page, "no switch to that language on the page"
    response = client.post("/staff/sign-in/language", data={"csrf_token": csrf_from(page), "language": lang,
                                                             "back": back.group(1).replace("&amp;", "&")})
    assert response.status_code == 303
    return response


def lang_cookie(client):  # type: ignore[no-untyped-def]
    cookie = client.get_cookie("lang", path="/staff/")
    return cookie.value if cookie else None


def stale_post(client, url: str = "/staff/sign-in"):  # type: ignore[no-untyped-def]
    """A form sent with a token its session no longer knows: the expired page."""
    return client.post(url, data={"csrf_token": "stale." + "x" * 40, "email": "a@example.org", "password": "x"})


def end_every_session(app) -> None:  # type: ignore[no-untyped-def]
    """Every session row gone, as after idle expiry (the browser keeps its cookies)."""
    with dbs(app) as s:
        s.execute(delete(WebSession))
        s.commit()


def test_a_welsh_choice_carries_through_set_up_sign_out_and_the_expired_page(app):
    account = add_staff(app, "officer", language="en")  # a new account: the first sign-in sets up the app
    client = english_browser(app)
    assert ENGLISH["sign_in"] in html_of(client.get("/staff/sign-in"))  # the browser's language, at first
    assert choose(client, "cy").headers["Location"] == "/staff/sign-in"
    page = html_of(client.get("/staff/sign-in"))
    assert language_of(page) == "cy" and WELSH["sign_in"] in page
    assert 'name="language" value="en"' in page and 'lang="en">English</button>' in page  # and back again

    wrong = submit_password(client, account.email, "not the password")
    assert wrong.status_code == 400 and WELSH["sign_in"] in html_of(wrong)  # a refusal, in Welsh too
    assert submit_password(client, account.email, PASSWORD).headers["Location"] == "/staff/sign-in/set-up"
    setup = html_of(client.get("/staff/sign-in/set-up"))
    assert language_of(setup) == "cy" and WELSH["enrol"] in setup
    response = submit_code(client, next_code(app, account), "/staff/sign-in/set-up")
    assert response.headers["Location"] == "/staff/"
    assert staff_row(app, account.id).language == "cy"  # the language last chosen is now the account's
    assert WELSH["queue"] in html_of(client.get("/staff/"))

    out = post_form(client, "/staff/sign-out", token_from="/staff/account")
    assert out.headers["Location"] == "/staff/signed-out"
    signed_out = html_of(client.get("/staff/signed-out"))
    assert language_of(signed_out) == "cy" and WELSH["signed_out"] in signed_out
    assert WELSH["sign_in"] in html_of(client.get("/staff/sign-in"))  # the next sign-in remembers it
    expired = stale_post(client)
    assert expired.status_code == 400 and WELSH["expired"] in page_text(expired)
    assert "Efallai fod eich sesiwn wedi dod i ben" in html_of(expired)


def test_the_accounts_language_applies_from_the_password_on(app):
    account = add_staff(app, "officer", language="cy")
    sign_in(app, new_client(app), account)  # set up once; now the code step
    client = english_browser(app)
    assert ENGLISH["sign_in"] in html_of(client.get("/staff/sign-in"))  # nobody known yet: the browser's
    assert submit_password(client, account.email, PASSWORD).headers["Location"] == "/staff/sign-in/code"
    code = html_of(client.get("/staff/sign-in/code"))
    assert language_of(code) == "cy" and WELSH["code"] in code
    wrong = submit_code(client, f"{(int(next_code(app, account)) + 1) % 1_000_000:06d}")
    assert wrong.status_code == 400 and WELSH["code"] in html_of(wrong)
    submit_code(client, next_code(app, account))
    assert WELSH["queue"] in html_of(client.get("/staff/"))
    assert staff_row(app, account.id).language == "cy"


def test_a_first_sign_in_sets_up_in_the_accounts_language(app):
    account = add_staff(app, "officer", language="cy")
    client = english_browser(app)
    submit_password(client, account.email, PASSWORD)
    assert WELSH["enrol"] in html_of(client.get("/staff/sign-in/set-up"))


def test_a_choice_on_the_code_step_keeps_the_sign_in_and_becomes_the_accounts(app):
    account = add_staff(app, "officer", language="cy")
    sign_in(app, new_client(app), account)
    client = english_browser(app)
    submit_password(client, account.email, PASSWORD)
    assert choose(client, "en", on="/staff/sign-in/code").headers["Location"] == "/staff/sign-in/code"
    code = html_of(client.get("/staff/sign-in/code"))
    assert ENGLISH["code"] in code  # still the code step: the password is not asked again
    assert submit_code(client, next_code(app, account)).headers["Location"] == "/staff/"
    assert staff_row(app, account.id).language == "en" and ENGLISH["queue"] in html_of(client.get("/staff/"))


def test_a_language_remembered_from_someone_else_does_not_change_an_account(app):
    """The browser remembers the last person's Welsh; the next person, whose account is in English, does not
    press the switch: their pages are in English from the password on, and their account is unchanged."""
    welsh = add_staff(app, "officer", language="cy")
    english = add_staff(app, "officer", language="en")
    client = english_browser(app)
    sign_in(app, client, welsh)
    post_form(client, "/staff/sign-out", token_from="/staff/account")
    assert WELSH["sign_in"] in html_of(client.get("/staff/sign-in"))
    submit_password(client, english.email, PASSWORD)
    assert ENGLISH["enrol"] in html_of(client.get("/staff/sign-in/set-up"))
    submit_code(client, next_code(app, english), "/staff/sign-in/set-up")
    assert staff_row(app, english.id).language == "en" and ENGLISH["queue"] in html_of(client.get("/staff/"))


def test_a_session_that_ended_while_away_gives_its_pages_in_the_accounts_language(app):
    account = add_staff(app, "officer", language="cy")
    client = english_browser(app)
    sign_in(app, client, account)
    page = html_of(client.get("/staff/account"))
    end_every_session(app)  # idle expiry, while the page stayed open
    expired = client.post("/staff/account", data={"csrf_token": csrf_from(page), "current": "x", "new": "y",
                                                  "again": "y"})
    assert expired.status_code == 400 and WELSH["expired"] in page_text(expired)
    again = client.get("/staff/")
    assert again.status_code == 302 and again.headers["Location"].startswith("/staff/sign-in")
    assert WELSH["sign_in"] in html_of(client.get(again.headers["Location"]))


def test_the_switch_comes_back_to_the_page_with_its_next_and_without_a_lang(app):
    client = english_browser(app)
    on = "/staff/sign-in?next=" + quote("/staff/?owner=mine&flag=danger", safe="") + "&lang=en"
    response = choose(client, "cy", on=on)
    assert response.headers["Location"] == "/staff/sign-in?next=" + quote("/staff/?owner=mine&flag=danger",
                                                                          safe="")
    page = client.post("/staff/sign-in/language", data={"csrf_token": csrf_from(client.get("/staff/sign-in")),
                                                        "language": "en", "back": "//evil.example/staff/"})
    assert page.headers["Location"] == "/staff/sign-in"  # never off the staff pages


def test_the_switch_needs_its_token_and_one_of_our_languages(app):
    client = english_browser(app)
    client.get("/staff/sign-in")
    assert client.post("/staff/sign-in/language", data={"language": "cy"}).status_code == 400
    assert lang_cookie(client) is None
    token = csrf_from(client.get("/staff/sign-in"))
    client.post("/staff/sign-in/language", data={"csrf_token": token, "language": "fr"})
    assert lang_cookie(client) is None and ENGLISH["sign_in"] in html_of(client.get("/staff/sign-in"))


def test_the_language_cookie_holds_only_the_language_and_only_for_staff_pages(app):
    client = english_browser(app)
    response = choose(client, "cy")
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("lang=")]
    value, *attributes = [part.strip() for part in cookie.split(";")]
    assert value == "lang=cy"
    names = {part.split("=")[0].lower(): part for part in attributes}
    assert names["path"] == "Path=/staff/" and "httponly" in names and names["samesite"] == "SameSite=Strict"
    client.set_cookie("lang", "xx", path="/staff/")  # anything else is ignored
    assert ENGLISH["sign_in"] in html_of(client.get("/staff/sign-in"))
    public = new_client(app)
    public.set_cookie("lang", "cy")
    assert '<html lang="en"' in html_of(public.get("/en/"))  # the public side's language is its address


def test_switching_on_a_page_that_expired_with_its_token_saves_it_for_someone_still_signed_in(app):
    account = add_staff(app, "officer", language="en")
    client = english_browser(app)
    sign_in(app, client, account)
    expired = client.post("/staff/account", data={"csrf_token": "stale." + "x" * 40})
    assert expired.status_code == 400
    html = html_of(expired)
    assert 'action="/staff/sign-in/language"' in html
    client.post("/staff/sign-in/language", data={"csrf_token": csrf_from(html), "language": "cy", "back": ""})
    assert staff_row(app, account.id).language == "cy" and WELSH["queue"] in html_of(client.get("/staff/"))
