"""Back and Forward never bring back what someone typed, however they left the page, with JavaScript on or
off, in a Chromium with its back/forward cache on (as in people's browsers); and a link that leads away from
a half-filled form opens in a new tab, so that following it loses nothing.

The start page promises: "If you go back to a form after leaving it, it will be empty". Chromium restores a
no-store page from its back/forward cache, typed text and all, for up to 3 minutes while the site's cookies
are unchanged; pages that hold typed text are answered with 203, which it never keeps (portal/web/security.py).
"""
from __future__ import annotations

import pytest
from reporter_steps import (
    LOCALES,
    NOTHING_TYPED,
    path_of,
    reporter_fills_in,
    reporter_goes_back,
    reporter_goes_forward,
    reporter_sends,
    reporter_types_without_sending,
    typed_on_the_form,
)

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
# Every way of leaving from one form; the other two forms by the way nothing on the site can see.
LEAVING = [("you", "another-site"), ("you", "typed-address-here"), ("you", "safety-page-in-the-same-tab"),
           ("someone", "another-site"), ("agency", "another-site")]


def reporter_leaves(page, lang: str, way: str, another_site: str) -> None:
    if way == "another-site":  # typed into the address bar, or a bookmark: the portal hears nothing
        page.goto(another_site)
    elif way == "typed-address-here":
        page.goto(f"/{lang}/privacy")
    else:  # the footer's link, followed in the same tab (a long press and "open", or a browser ignoring _blank)
        page.goto(page.get_attribute(f"footer a[href='/{lang}/safety']", "href"))
    page.wait_for_timeout(1_500)  # "wait a minute": long enough for nothing, in a cache that keeps 3 minutes


@JS
@pytest.mark.parametrize(("slug", "way"), LEAVING)
@pytest.mark.parametrize("lang", LANGS)
def test_back_after_leaving_a_half_filled_form_shows_it_empty(new_context, another_site, lang, slug, way, js):
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/who")
    page.goto(f"/{lang}/tell-us/{slug}")
    story = f"Back {lang}/{slug}/{way}/{js}: he checks my phone every night."
    reporter_types_without_sending(page, story)
    assert typed_on_the_form(page)["story"] == story
    reporter_leaves(page, lang, way, another_site)

    reporter_goes_back(page)
    assert path_of(page) == f"/{lang}/tell-us/{slug}"
    assert typed_on_the_form(page) == NOTHING_TYPED, f"Back brought the typed report back ({way})"
    assert story not in page.content()

    # Forward and Back again: still nothing.
    reporter_goes_forward(page)
    reporter_goes_back(page)
    assert typed_on_the_form(page) == NOTHING_TYPED
    assert story not in page.content()


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_back_to_the_sign_in_page_never_shows_a_typed_receipt(new_context, another_site, lang, js):
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/replies")
    page.fill("#receipt", "1234 5678 9012 3456")
    page.goto(another_site)
    page.wait_for_timeout(1_000)
    reporter_goes_back(page)
    assert path_of(page) == f"/{lang}/replies"
    assert page.input_value("#receipt") == ""


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_footer_links_on_a_half_filled_form_open_in_a_new_tab_and_lose_nothing(new_context, live_server, lang, js):
    context = new_context(js=js, locale=LOCALES[lang])
    page = context.new_page()
    page.goto(f"/{lang}/tell-us/you")
    story = f"New tab {lang}/{js}: he says he will take the children."
    reporter_types_without_sending(page, story)
    for name in ("safety", "privacy", "accessibility"):
        link = page.locator(f"footer a[href='/{lang}/{name}']")
        assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
        label = {"safety": "Staying safe online (opens in a new tab)", "privacy": "Privacy (opens in a new tab)",
                 "accessibility": "Accessibility (opens in a new tab)"}[name]
        assert link.inner_text().strip() == live_server.gettext(lang, label)  # it says so before it happens
        with context.expect_page() as opened:
            link.click()
        new_tab = opened.value
        new_tab.wait_for_load_state()
        assert path_of(new_tab) == f"/{lang}/{name}"
        new_tab.close()
    assert path_of(page) == f"/{lang}/tell-us/you"
    assert typed_on_the_form(page)["story"] == story and typed_on_the_form(page)["phone_text"] == "07700 900461"


@pytest.mark.parametrize("lang", LANGS)
def test_exit_from_a_tab_opened_from_the_form_leaves_the_form_too(new_context, live_server, lang):
    """With JavaScript, the quick exit in the "Staying safe online" tab leaves every tab of the site: the form
    it was opened from must not stay on the screen with the story in it."""
    context = new_context(locale=LOCALES[lang])
    page = context.new_page()
    page.goto(f"/{lang}/tell-us/you")
    reporter_types_without_sending(page, "Exit from the other tab.")
    with context.expect_page() as opened:
        page.click(f"footer a[href='/{lang}/safety']")
    safety = opened.value
    safety.wait_for_load_state()
    safety.click(".exit-bar a.exit-button")
    safety.wait_for_url(live_server.neutral_url)
    page.wait_for_url(live_server.neutral_url)
    assert "Exit from the other tab." not in page.content()


def test_pages_without_typed_text_are_still_kept_for_a_quick_back(new_context, another_site):
    """The contrast that shows the cache is on: a page with nothing typed in it comes back from the cache."""
    page = new_context().new_page()
    page.goto("/en/who")
    page.evaluate("window.sameDocument = true")
    page.goto(another_site)
    reporter_goes_back(page)
    assert path_of(page) == "/en/who"
    assert page.evaluate("window.sameDocument === true")


@JS
def test_back_to_the_conversation_never_shows_a_half_written_message(new_context, another_site, js):
    """A message half written to the team, the person goes elsewhere without sending: Back shows the box empty."""
    page = new_context(js=js).new_page()
    page.goto("/en/tell-us/you")
    reporter_fills_in(page, "you", "A report, then a receipt.")
    reporter_sends(page)
    page.click("main a[href='/en/receipt/new']")
    page.click("form[action='/en/receipt/new'] button[type='submit']")
    page.wait_for_url("**/en/receipt")
    page.click("form[action='/en/receipt'] button[type='submit']")
    page.wait_for_url("**/en/replies/messages")
    page.fill("#text", "Half a message: he is back on Friday.")
    page.goto(another_site)
    page.wait_for_timeout(1_000)
    reporter_goes_back(page)
    assert path_of(page) == "/en/replies/messages"
    assert page.input_value("#text") == ""
    assert "Half a message" not in page.content()
