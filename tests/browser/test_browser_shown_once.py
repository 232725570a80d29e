"""The receipt and the reference are shown once: the next request for either, from this tab or another, a
refresh, or Back and Forward after leaving, does not show it again, and says what to do instead."""
from __future__ import annotations

import re

import pytest
from reporter_steps import (
    LOCALES,
    confirmation_reference,
    path_of,
    reporter_fills_in,
    reporter_goes_back,
    reporter_goes_forward,
    reporter_sends,
)

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
DIGITS = re.compile(r"\d{4} \d{4} \d{4} \d{4}")


def reporter_sends_a_report(page, lang: str, story: str) -> str:
    page.goto(f"/{lang}/tell-us/you")
    reporter_fills_in(page, "you", story)
    reporter_sends(page)
    return confirmation_reference(page)


def reporter_asks_for_a_receipt(page, lang: str) -> str:
    page.click(f"main a[href='/{lang}/receipt/new']")
    page.wait_for_url(f"**/{lang}/receipt/new")
    page.click(f"form[action='/{lang}/receipt/new'] button[type='submit']")
    page.wait_for_url(f"**/{lang}/receipt")
    return " ".join(page.locator(".panel .receipt .receipt-pair").all_inner_texts())


def shows_no_receipt(page, receipt: str) -> bool:
    html = page.content()
    return receipt not in html and receipt.replace(" ", "") not in html and not DIGITS.search(page.inner_text("main"))


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_the_receipt_is_shown_once_across_tabs_reloads_and_history(new_context, live_server, another_site, lang, js):
    context = new_context(js=js, locale=LOCALES[lang])
    page = context.new_page()
    reporter_sends_a_report(page, lang, f"Receipt once {lang}/{js}.")
    receipt = reporter_asks_for_a_receipt(page, lang)
    assert DIGITS.fullmatch(receipt), receipt
    heading = live_server.gettext(lang, "Your receipt has already been shown")

    other_tab = context.new_page()  # someone else with the browser, or the person in another tab
    other_tab.goto(f"/{lang}/receipt")
    assert shows_no_receipt(other_tab, receipt)
    assert other_tab.inner_text("h1").strip() == heading
    # It says plainly what to do if it was lost.
    assert live_server.gettext(lang, "If you did not keep it") in other_tab.inner_text("main")
    assert other_tab.locator(f"main a[href='/{lang}/replies/delete']").count() == 1
    other_tab.close()

    page.reload()
    assert shows_no_receipt(page, receipt) and page.inner_text("h1").strip() == heading

    page.goto(another_site)  # left without the exit, then Back, then Forward
    reporter_goes_back(page)
    assert path_of(page) == f"/{lang}/receipt" and shows_no_receipt(page, receipt)
    reporter_goes_forward(page)
    reporter_goes_back(page)
    assert shows_no_receipt(page, receipt)


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_the_receipt_page_left_for_another_site_comes_back_without_it(new_context, another_site, lang, js):
    """The receipt on the screen, the person goes elsewhere without pressing anything: Back must not show it
    (Chromium would restore it, digits and all, from its back/forward cache)."""
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    reporter_sends_a_report(page, lang, "Receipt left on screen.")
    receipt = reporter_asks_for_a_receipt(page, lang)
    page.goto(another_site)
    page.wait_for_timeout(1_000)
    reporter_goes_back(page)
    assert path_of(page) == f"/{lang}/receipt"
    assert shows_no_receipt(page, receipt)


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_the_reference_is_shown_once_across_tabs_and_history(new_context, live_server, another_site, lang, js):
    context = new_context(js=js, locale=LOCALES[lang])
    page = context.new_page()
    reference = reporter_sends_a_report(page, lang, f"Reference once {lang}/{js}.")

    other_tab = context.new_page()
    other_tab.goto(f"/{lang}/sent")
    assert reference not in other_tab.content()
    assert live_server.gettext(lang, "For your safety, we show the reference only once. You do not need it to get "
                                     "help.") in other_tab.inner_text("main")
    other_tab.close()

    page.goto(another_site)
    reporter_goes_back(page)
    assert path_of(page) == f"/{lang}/sent" and reference not in page.content()
    reporter_goes_forward(page)
    reporter_goes_back(page)
    assert reference not in page.content()
    page.reload()
    assert reference not in page.content()
    # A receipt can still be had from the page that no longer shows the reference.
    assert page.locator(f"main a[href='/{lang}/receipt/new']").count() == 1
