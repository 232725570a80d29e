"""Quick exit: the button, the skip link, Shift three times; what it leaves behind, and the Back button."""
from __future__ import annotations

import pytest
from reporter_steps import (
    LOCALES,
    assert_page_is_usable,
    exit_announcement,
    focused,
    path_of,
    reporter_goes_back,
    reporter_presses_exit_button,
    reporter_presses_shift,
    reporter_presses_shift_three_times,
    reporter_types_with_a_capital,
    waits_for_neutral_page,
)

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])


def plant_traces(page):
    """What a careless page might leave: the exit must clear it all the same (Clear-Site-Data)."""
    page.evaluate("localStorage.setItem('trace', 'left by a test'); sessionStorage.setItem('trace', 'left by a test')")


def storage(page):
    return page.evaluate("[localStorage.length, sessionStorage.length]")


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_exit_button_lands_on_the_neutral_page(new_context, live_server, lang, js):
    """With JavaScript off the button is a plain link, and still works."""
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/someone")
    button = page.locator(".exit-bar a.exit-button")
    assert button.get_attribute("href") == "/exit"
    assert live_server.gettext(lang, "Exit this page") in button.inner_text()
    with page.expect_response("**/exit") as exit_response:
        reporter_presses_exit_button(page)
    assert exit_response.value.all_headers().get("clear-site-data") == '"cache", "cookies", "storage"'
    waits_for_neutral_page(page, live_server)


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_skip_link_exit_works_by_keyboard(new_context, live_server, lang, js):
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/you")
    page.keyboard.press("Tab")
    now = focused(page)
    assert now["href"] == "/exit" and "skip-link" in now["classes"] and now["onScreen"], now
    assert now["text"] == live_server.gettext(lang, "Exit this page now")
    if lang == "en":
        assert now["text"] == "Exit this page now"
    page.keyboard.press("Enter")
    waits_for_neutral_page(page, live_server)


def test_exit_button_answers_space_like_the_button_it_says_it_is(new_context, live_server):
    """The exit link has role="button", so a screen reader announces "Exit this page, button", and a
    keyboard user presses Space on a button (WAI-ARIA APG button pattern; WCAG 2.1.1, 4.1.2)."""
    page = new_context().new_page()
    page.goto("/en/who")
    button = page.locator(".exit-bar a.exit-button")
    assert button.get_attribute("role") == "button"
    for _ in range(3):
        page.keyboard.press("Tab")
        if focused(page).get("classes") == "exit-button":
            break
    assert focused(page).get("classes") == "exit-button", focused(page)
    page.keyboard.press("Space")
    page.wait_for_url(live_server.neutral_url, timeout=3_000)


@pytest.mark.parametrize("lang", LANGS)
def test_shift_three_times_leaves_and_says_so_on_the_way(new_context, live_server, lang):
    page = new_context(locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/you")
    body = page.locator("body")
    status = page.locator("#exit-status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert exit_announcement(page) == ""

    reporter_presses_shift(page)
    assert exit_announcement(page) == body.get_attribute("data-exit-two")
    reporter_presses_shift(page)
    assert exit_announcement(page) == body.get_attribute("data-exit-one")
    singular = "Press Shift %(num)d more time to leave this page."
    plural = "Press Shift %(num)d more times to leave this page."
    assert body.get_attribute("data-exit-two") == live_server.ngettext(lang, singular, plural, 2)
    assert body.get_attribute("data-exit-one") == live_server.ngettext(lang, singular, plural, 1)
    if lang == "en":
        assert body.get_attribute("data-exit-two") == "Press Shift 2 more times to leave this page."
        assert body.get_attribute("data-exit-one") == "Press Shift 1 more time to leave this page."
    reporter_presses_shift(page)
    waits_for_neutral_page(page, live_server)


def test_shift_for_a_capital_letter_does_not_count(new_context, live_server):
    page = new_context().new_page()
    page.goto("/en/tell-us/you")
    page.click("#story")
    reporter_presses_shift(page)
    reporter_presses_shift(page)
    assert exit_announcement(page) != ""
    reporter_types_with_a_capital(page, "Hello")  # Shift held for the H, and other keys: the count restarts
    assert exit_announcement(page) == ""
    reporter_presses_shift(page)
    reporter_presses_shift(page)
    page.wait_for_timeout(300)  # give a wrong exit time to happen
    assert path_of(page) == "/en/tell-us/you", "Shift used for a capital letter was counted"
    assert page.input_value("#story") == "Hello"
    assert exit_announcement(page) == page.locator("body").get_attribute("data-exit-one")
    reporter_presses_shift(page)
    waits_for_neutral_page(page, live_server)


def test_shift_tab_to_move_back_does_not_count(new_context, live_server):
    """Keyboard users press Shift+Tab all the time; three of them must not throw them out."""
    page = new_context().new_page()
    page.goto("/en/tell-us/you")
    page.click("#check_question")
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
    page.wait_for_timeout(300)
    assert path_of(page) == "/en/tell-us/you"
    assert exit_announcement(page) == ""


def test_shift_presses_far_apart_do_not_count(new_context, live_server):
    """Each press must come within 5 seconds of the last (a fake clock: no real waiting)."""
    context = new_context()
    page = context.new_page()
    page.clock.install()
    page.goto("/en/who")
    reporter_presses_shift(page)
    reporter_presses_shift(page)
    page.clock.run_for(5_100)
    assert exit_announcement(page) == ""
    reporter_presses_shift(page)
    assert exit_announcement(page) == page.locator("body").get_attribute("data-exit-two")
    page.wait_for_timeout(200)
    assert path_of(page) == "/en/who"


@JS
def test_exit_leaves_no_cookies_or_storage(new_context, live_server, js):
    context = new_context(js=js)
    page = context.new_page()
    page.goto("/en/who")
    page.goto("/en/tell-us/you")
    cookies = context.cookies()
    assert [c["name"] for c in cookies] == ["s"], "the form page sets its one session cookie"
    if js:
        plant_traces(page)
        assert storage(page) == [1, 1]
    reporter_presses_exit_button(page)
    waits_for_neutral_page(page, live_server)
    assert [c for c in context.cookies() if c["domain"] == "127.0.0.1"] == []
    if js:
        assert storage(page) == [0, 0]  # the neutral page shares the test server's origin
    reporter_goes_back(page)
    assert path_of(page) == ("/en/who" if js else "/en/tell-us/you")
    if js:
        assert storage(page) == [0, 0]
    # Going back to a form makes a new session for it, never the old one again.
    assert cookies[0]["value"] not in [c["value"] for c in context.cookies()]


@JS
def test_back_after_exit_shows_a_usable_page_and_an_empty_form(new_context, live_server, js):
    """The start page promises: "If you go back, you will see an empty form"."""
    page = new_context(js=js).new_page()
    page.goto("/en/who")
    page.goto("/en/tell-us/you")
    page.fill("#story", "Typed before leaving")
    page.check("#contact_methods-1")
    if js:
        page.click("#story")
        reporter_presses_shift_three_times(page)  # the JavaScript way out blanks the page first
    else:
        reporter_presses_exit_button(page)
    waits_for_neutral_page(page, live_server)
    reporter_goes_back(page)
    assert_page_is_usable(page)
    if js:  # the form's history entry was replaced by the exit: Back skips it
        assert path_of(page) == "/en/who"
    else:  # a plain link: Back returns to the form, fetched afresh and empty
        assert path_of(page) == "/en/tell-us/you"
        assert page.input_value("#story") == ""
        assert not page.is_checked("#contact_methods-1")
    assert "Typed before leaving" not in page.content()


def test_exit_with_javascript_replaces_the_page_in_history(new_context, live_server):
    """From page B, reached from page A, the exit with JavaScript on uses location.replace(): Back then
    lands on A, not B, so Back does not show what was being looked at."""
    page = new_context().new_page()
    page.goto("/en/who")  # A
    page.click("a.choice-link[href='/en/tell-us/someone']")  # B
    page.wait_for_url("**/en/tell-us/someone")
    reporter_presses_exit_button(page)
    waits_for_neutral_page(page, live_server)
    reporter_goes_back(page)
    assert path_of(page) == "/en/who"
    assert_page_is_usable(page)


def test_exit_without_javascript_is_an_ordinary_link_in_history(new_context, live_server):
    """The contrast: with JavaScript off, Back returns to B (the accepted limit of a plain link)."""
    page = new_context(js=False).new_page()
    page.goto("/en/who")
    page.click("a.choice-link[href='/en/tell-us/someone']")
    reporter_presses_exit_button(page)
    waits_for_neutral_page(page, live_server)
    reporter_goes_back(page)
    assert path_of(page) == "/en/tell-us/someone"
    assert_page_is_usable(page)


def test_a_page_restored_by_back_is_never_left_blank(new_context):
    """portal.js: "coming back with the Back button shows the page, not a blank one".

    The Back-button tests above mean something only if this browser restores pages from the back/forward
    cache (Playwright turns it off by default; conftest turns it on), so that is checked first. With
    JavaScript on, the blanked page itself is replaced in history by the exit, so it cannot be reached by
    Back; here a page is blanked the way leave() does it, left for another page, and come back to.
    """
    page = new_context().new_page()
    page.goto("/en/who")
    page.evaluate("window.sameDocument = true; document.documentElement.classList.add('exiting')")
    page.goto("/en/safety")  # the blanked page cannot be clicked: go on as if by a link
    reporter_goes_back(page)
    assert path_of(page) == "/en/who"
    assert page.evaluate("window.sameDocument === true"), "Back did not restore from the back/forward cache"
    assert_page_is_usable(page)
