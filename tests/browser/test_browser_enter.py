"""Enter (a phone keyboard's Go) in a single-line field does what the person expects: nothing on the long
report form, sign in on the receipt page; never the header's language button, which posts the form to the
other language (and, on the sign-in page, emptied the receipt typed)."""
from __future__ import annotations

import pytest
from reporter_steps import LOCALES, page_language, path_of, reporter_fills_in, reporter_sends

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])


def requests_made(page) -> list[str]:
    made: list[str] = []
    page.on("request", lambda request: made.append(f"{request.method} {request.url}"))
    return made


@JS
@pytest.mark.parametrize("slug", ["you", "someone", "agency"])
@pytest.mark.parametrize("lang", LANGS)
def test_enter_in_any_field_of_a_report_form_does_nothing(new_context, lang, slug, js):
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/{slug}")
    for option in page.eval_on_selector_all("#report-form input[aria-controls]", "inputs => inputs.map(i => i.id)"):
        page.check(f"#{option}")  # with JavaScript, the follow-up questions show under their answers
    fields = page.eval_on_selector_all("#report-form input.input", "inputs => inputs.map(i => i.id)")
    assert len(fields) >= 10, fields  # every single-line field the form has
    made = requests_made(page)
    typed = {}
    for field in fields:
        page.fill(f"#{field}", f"{field} 1")
        typed[field] = f"{field} 1"
        page.press(f"#{field}", "Enter")
    for choice in ("#danger_now-1", "#contact_methods-0"):  # a radio and a checkbox, by keyboard
        page.focus(choice)
        page.keyboard.press("Space")
        page.keyboard.press("Enter")
    page.wait_for_timeout(600)  # time for a wrong submission to start
    assert made == [], f"Enter sent the form: {made}"
    assert path_of(page) == f"/{lang}/tell-us/{slug}" and page_language(page) == lang
    assert {field: page.input_value(f"#{field}") for field in fields} == typed


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_enter_in_the_receipt_field_signs_in_in_the_same_language(new_context, live_server, lang, js):
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/replies")
    page.fill("#receipt", "1234")
    with page.expect_navigation():
        page.press("#receipt", "Enter")
    assert path_of(page) == f"/{lang}/replies" and page_language(page) == lang
    assert page.inner_text(".error-summary a").strip() == live_server.gettext(
        lang, "Enter your receipt as 16 numbers, like 0123 4567 8901 2345")


@JS
@pytest.mark.parametrize("lang", LANGS)
def test_enter_with_a_real_receipt_opens_the_conversation(new_context, lang, js):
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/you")
    reporter_fills_in(page, "you", "Enter signs in.")
    reporter_sends(page)
    page.click(f"main a[href='/{lang}/receipt/new']")
    page.click(f"form[action='/{lang}/receipt/new'] button[type='submit']")
    page.wait_for_url(f"**/{lang}/receipt")
    receipt = " ".join(page.locator(".panel .receipt .receipt-pair").all_inner_texts())

    later = new_context(js=js, locale=LOCALES[lang]).new_page()  # coming back another day
    later.goto(f"/{lang}/replies")
    later.fill("#receipt", receipt)
    with later.expect_navigation(url=f"**/{lang}/replies/messages"):
        later.press("#receipt", "Enter")
    assert page_language(later) == lang
