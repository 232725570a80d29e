"""The whole journey, from the bilingual landing page to the confirmation, in English and Welsh:
with JavaScript on and off, by keyboard alone, and on a 320 px wide screen."""
from __future__ import annotations

import re

import pytest
from reporter_steps import (
    LOCALES,
    SLUGS,
    assert_no_sideways_scrolling,
    confirmation_reference,
    expected_contact_sentence,
    focused,
    page_language,
    path_of,
    reporter_arrives_at_landing,
    reporter_chooses_language_on_landing,
    reporter_continues_from_start,
    reporter_fills_in,
    reporter_says_who,
    reporter_sends,
    reporter_tabs_until,
)

from portal.public.views import KIND_SLUGS

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
OTHERS_PERSON = ("Our community safety team will read your report and decide how to help the person safely. They may "
                 "not know you have told us, so we will not contact them in a way that could put them at risk.")
THROUGH_REFERRER = ("You told us not to contact the person directly. Our community safety team will read your "
                    "referral and contact you about it, at the work phone number or email address you gave.")
EN_CONTACT_TIME = re.compile(r"aims to contact you (today|by the end of "
                             r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} [A-Z][a-z]+),")


def check_confirmation(page, live_server, lang, slug, expected):
    """The confirmation page: a reference like ABCD-2345 and when to expect contact; the report is stored."""
    assert path_of(page) == f"/{lang}/sent"
    assert page_language(page) == lang
    reference = confirmation_reference(page)
    stored = live_server.report(reference)
    assert stored["kind"] == KIND_SLUGS[slug]
    assert stored["contact_language"] == lang  # the form's default is the page's language
    answers = stored["content"]["answers"]
    for name, value in expected.items():
        assert answers.get(name) == value, f"stored {name}: {answers.get(name)!r}, typed {value!r}"
    main = page.inner_text("main")
    if slug == "someone":  # the person at risk may not know: no promise to contact them
        assert live_server.gettext(lang, OTHERS_PERSON) in main, main
    elif slug == "agency":  # only through the worker, as the worker asked: not "you asked us not to contact you"
        assert live_server.gettext(lang, THROUGH_REFERRER) in main, main
    else:
        sentence = expected_contact_sentence(live_server, lang, stored["first_contact_due"])
        assert sentence.search(main), f"no contact-time sentence like {sentence.pattern!r} in:\n{main}"
        if lang == "en":
            assert EN_CONTACT_TIME.search(main), main  # the same, without trusting the app's own wording
    return reference


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("lang", LANGS)
def test_reporter_goes_from_landing_page_to_confirmation(new_context, live_server, lang, slug, js):
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    reporter_arrives_at_landing(page)
    reporter_chooses_language_on_landing(page, lang)
    assert page_language(page) == lang
    reporter_continues_from_start(page, lang)
    reporter_says_who(page, lang, slug)
    assert page_language(page) == lang
    expected = reporter_fills_in(page, slug, f"Journey {lang}/{slug}/{js}: he reads my messages and hides my keys.")
    reporter_sends(page)
    check_confirmation(page, live_server, lang, slug, expected)


def is_exit_skip_link(now):
    return now.get("tag") == "a" and "skip-link" in now.get("classes", "") and now.get("href") == "/exit"


@pytest.mark.parametrize("lang", LANGS)
def test_reporter_tells_us_by_keyboard_alone(new_context, live_server, lang):
    """Tab, Shift+Tab, Space, Enter and typing: no clicks. The first Tab on every page finds the exit."""
    page = new_context(locale=LOCALES[lang]).new_page()
    keys = page.keyboard
    exit_words = live_server.gettext(lang, "Exit this page now")

    reporter_arrives_at_landing(page)
    keys.press("Tab")
    first = focused(page)
    assert is_exit_skip_link(first) and first["onScreen"], f"first Tab on the landing page focused {first}"
    reporter_tabs_until(page, lambda f: f.get("href") == f"/{lang}/" and "button" in f.get("classes", ""))
    keys.press("Enter")
    page.wait_for_url(f"**/{lang}/")

    # The start page: the exit first, then "Skip to main content", then on into the page.
    keys.press("Tab")
    first = focused(page)
    assert is_exit_skip_link(first), f"first Tab on the start page focused {first}"
    assert first["text"] == exit_words and first["onScreen"], first
    keys.press("Tab")
    assert focused(page).get("href") == "#main-content"
    keys.press("Enter")
    assert focused(page).get("id") == "main-content"
    reporter_tabs_until(page, lambda f: f.get("href") == f"/{lang}/who")
    keys.press("Enter")
    page.wait_for_url(f"**/{lang}/who")

    keys.press("Tab")
    assert is_exit_skip_link(focused(page))
    reporter_tabs_until(page, lambda f: f.get("href") == f"/{lang}/tell-us/you")
    keys.press("Enter")
    page.wait_for_url(f"**/{lang}/tell-us/you")

    keys.press("Tab")
    assert is_exit_skip_link(focused(page))
    story = f"Keyboard {lang}: he follows me to work."
    reporter_tabs_until(page, lambda f: f.get("id") == "story")
    keys.type(story)
    reporter_tabs_until(page, lambda f: f.get("id") == "danger_now-0")
    keys.press("Space")  # the first answer, "Yes": arrow keys are not needed to answer
    reporter_tabs_until(page, lambda f: f.get("id") == "contact_methods-0")
    keys.press("Space")
    assert focused(page)["checked"]
    keys.press("Tab")  # the number for calls sits right under "Phone call"
    assert focused(page).get("id") == "phone_call"
    keys.type("07700 900983")
    keys.press("Shift+Tab")
    assert focused(page).get("id") == "contact_methods-0" and focused(page)["checked"]
    reporter_tabs_until(page, lambda f: f.get("id") == "safe_times-2")  # afternoon: the target stands, any time
    keys.press("Space")
    reporter_tabs_until(page, lambda f: f.get("tag") == "button" and f.get("value") == "send")
    keys.press("Enter")
    page.wait_for_url(f"**/{lang}/sent")
    check_confirmation(page, live_server, lang, "you",
                       {"story": story, "danger_now": "yes", "contact_methods": ["call"],
                        "phone_call": "07700 900983", "safe_times": ["afternoon"]})
    # Someone in danger is told again, on the confirmation page, to call 999.
    assert page.locator(".danger-box[role='alert']").is_visible()
    keys.press("Tab")
    assert is_exit_skip_link(focused(page))


@pytest.mark.parametrize("lang", LANGS)
def test_reporter_on_a_320px_screen_never_scrolls_sideways(new_context, live_server, lang):
    page = new_context(width=320, height=640, locale=LOCALES[lang]).new_page()
    reporter_arrives_at_landing(page)
    assert_no_sideways_scrolling(page)
    reporter_chooses_language_on_landing(page, lang)
    assert_no_sideways_scrolling(page)
    page.click("summary")  # the helplines, opened
    assert_no_sideways_scrolling(page)
    reporter_continues_from_start(page, lang)
    assert_no_sideways_scrolling(page)
    reporter_says_who(page, lang, "someone")
    assert_no_sideways_scrolling(page)
    page.check("#contact_methods-0")  # a phone call, but no number: the error page
    reporter_sends(page)
    assert page.locator(".error-summary").is_visible()
    assert_no_sideways_scrolling(page)
    expected = reporter_fills_in(page, "someone", f"Small screen {lang}.")
    page.uncheck("#contact_methods-0")
    reporter_sends(page)
    check_confirmation(page, live_server, lang, "someone", expected)
    assert_no_sideways_scrolling(page)


@pytest.mark.parametrize("lang", LANGS)
def test_every_other_page_fits_a_320px_screen(new_context, lang):
    page = new_context(width=320, height=640, locale=LOCALES[lang]).new_page()
    for path in ("tell-us/you", "tell-us/agency", "tell-us/work", "your-behaviour", "safety", "privacy",
                 "accessibility", "no-such-page"):
        page.goto(f"/{lang}/{path}")
        assert_no_sideways_scrolling(page)


def test_a_mistyped_welsh_address_gets_a_welsh_page_not_found(new_context, live_server):
    """Someone reading in Welsh mistypes an address under /cy/. Their browser (a shared or borrowed device)
    prefers English. The language is the URL (portal/i18n.py), so the page must still be in Welsh."""
    page = new_context(locale="en-GB").new_page()
    response = page.goto("/cy/tell-us/nobody")  # a known route, unknown value: Welsh
    assert response.status == 404 and page_language(page) == "cy"
    response = page.goto("/cy/no-such-page")  # no route at all
    assert response.status == 404
    assert page_language(page) == "cy", "a 404 under /cy/ is served in English (html lang, words, org name)"
    assert page.get_attribute("main a[href$='/']", "href") == "/cy/"
