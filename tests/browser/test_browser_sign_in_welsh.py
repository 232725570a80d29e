"""Signing in in Welsh from a browser that asks for English (issue 19), JavaScript off: the sign-in page's switch
to Cymraeg, the password, the set-up or the code, a staff page, signing out, the signed-out page, the next
sign-in page and a page that expired with its session, each in Welsh."""
from __future__ import annotations

import re

import pytest
from reporter_steps import page_language, path_of
from staff_steps import make_staff, officer_signs_out, staff_enters_code, staff_enters_password

pytestmark = pytest.mark.browser


def welsh_heading(page, live_server, english: str) -> None:  # type: ignore[no-untyped-def]
    """The page is in Welsh, and its heading is the Welsh for `english`, not the English."""
    welsh = live_server.gettext("cy", english)
    assert welsh != english, f"no Welsh for {english!r} in the catalogue"
    assert page_language(page) == "cy", f"{path_of(page)} is in {page_language(page)}"
    assert page.locator("main h1").inner_text().strip() == welsh, path_of(page)


def end_the_session(live_server, context) -> None:  # type: ignore[no-untyped-def]
    """This browser's staff session row gone, as after idle expiry (the browser keeps its cookies and the page)."""
    from portal.store.models import WebSession
    from portal.store.sessions import id_hash

    (cookie,) = [c["value"] for c in context.cookies() if c["name"] == "st"]
    with live_server.app.extensions["sessionmaker"]() as dbs:
        row = dbs.get(WebSession, id_hash(cookie))
        assert row is not None
        dbs.delete(row)
        dbs.commit()


@pytest.mark.parametrize(("account_language", "enrolled"), [("cy", False), ("en", True)],
                         ids=["new-welsh-account-sets-up", "english-account-chooses-welsh"])
def test_the_whole_sign_in_in_welsh_with_javascript_off(new_context, live_server, account_language, enrolled):
    officer = make_staff(live_server, "officer", language=account_language, enrolled=enrolled)
    context = new_context(js=False, locale="en-GB")
    page = context.new_page()

    page.goto("/staff/sign-in")
    assert page_language(page) == "en"  # what the browser asks for, before anyone chooses
    switch = page.locator("header button.lang-switch")
    assert switch.inner_text().strip() == "Cymraeg" and switch.get_attribute("lang") == "cy"
    switch.click()
    page.wait_for_url(re.compile(r"/staff/sign-in$"))
    welsh_heading(page, live_server, "Sign in")
    assert page.locator("header button.lang-switch").inner_text().strip() == "English"  # and back again

    staff_enters_password(page, officer)
    if enrolled:
        assert path_of(page) == "/staff/sign-in/code"
        welsh_heading(page, live_server, "Enter your code")
    else:
        assert path_of(page) == "/staff/sign-in/set-up"
        welsh_heading(page, live_server, "Set up your authenticator app")
        assert page.inner_text("main code.secret").replace(" ", "") == officer.secret
    staff_enters_code(page, officer)
    assert path_of(page) == "/staff/"
    welsh_heading(page, live_server, "Queue")
    page.goto("/staff/account")
    welsh_heading(page, live_server, "Your account")
    assert "Cymraeg" in page.inner_text("main dl.summary")  # the account's language is now Welsh

    officer_signs_out(page)
    welsh_heading(page, live_server, "You have signed out")
    page.click("main a[href='/staff/sign-in']")
    page.wait_for_url(re.compile(r"/staff/sign-in$"))
    welsh_heading(page, live_server, "Sign in")  # remembered, though nobody is signed in

    end_the_session(live_server, context)  # the page stays open past its session
    page.fill("#email", officer.email)
    page.fill("#password", officer.password)
    page.click("form[action='/staff/sign-in'] button[type='submit']")
    welsh_heading(page, live_server, "This page has expired")
    assert live_server.gettext("cy", "Your session may have ended. Sign in and try again.") in page.inner_text("main")

    # Another window of this browser, nobody signed in: the sign-in page is in Welsh from the start.
    again = context.new_page()
    again.goto("/staff/sign-in")
    welsh_heading(again, live_server, "Sign in")
