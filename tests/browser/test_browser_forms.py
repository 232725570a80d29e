"""The report form: a validation error keeps everything typed and leads to the field; switching language
half-way through keeps everything typed."""
from __future__ import annotations

import pytest
from reporter_steps import LOCALES, confirmation_reference, focused, page_language, path_of, reporter_sends

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]


def block_title(page) -> str:
    """The page's own title, without the organisation name after the dash."""
    return page.title().rsplit(" – ", 1)[0]


@pytest.mark.parametrize("lang", LANGS)
def test_phone_call_without_a_number_is_explained_and_nothing_typed_is_lost(new_context, live_server, lang):
    page = new_context(locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/you")
    title = block_title(page)
    story = f"Validation {lang}: he took my phone.\nSecond line, kept as typed."
    page.fill("#story", story)
    page.check("#danger_now-2")
    page.check("#contact_methods-0")  # "Phone call", and no number
    page.check("#safe_days-4")
    reporter_sends(page)

    assert path_of(page) == f"/{lang}/tell-us/you"
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    # The title says there is an error, in the page's language (prefix from the live catalogue).
    prefix = live_server.gettext(lang, "Error: %(title)s", title="\x00").split("\x00")[0]
    assert page.title().startswith(prefix), page.title()
    assert block_title(page) == live_server.gettext(lang, "Error: %(title)s", title=title)
    if lang == "en":
        assert page.title().startswith("Error: ")
    # Everything typed is still there.
    assert page.input_value("#story") == story
    assert page.is_checked("#danger_now-2") and page.is_checked("#contact_methods-0")
    assert page.is_checked("#safe_days-4")
    # The message is tied to the field, and the summary's link takes focus to it.
    message = live_server.gettext(lang, "Enter a phone number we can call safely")
    links = summary.locator("a")
    assert links.count() == 1
    assert links.first.inner_text().strip() == message
    assert links.first.get_attribute("href") == "#phone_call"
    field = page.locator("#phone_call")
    assert field.get_attribute("aria-invalid") == "true"
    assert "phone_call-error" in (field.get_attribute("aria-describedby") or "").split()
    assert message in page.inner_text("#phone_call-error")
    links.first.click()
    assert focused(page).get("id") == "phone_call"

    # Put right, it sends.
    page.fill("#phone_call", "07700 900984")
    reporter_sends(page)
    reference = confirmation_reference(page)
    # Browsers send a textarea's line breaks as CRLF (HTML form submission); the words are as typed.
    assert live_server.report(reference)["content"]["answers"]["story"].replace("\r\n", "\n") == story


@pytest.mark.parametrize("lang", LANGS)
def test_a_checkbox_group_error_links_to_its_first_box(new_context, live_server, lang):
    """An agency worker who gives no way to contact the person is told, and the link lands on the choices."""
    page = new_context(locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/agency")
    page.fill("#org_name", "Example Support")
    page.fill("#worker_name", "Jo")
    page.fill("#work_phone", "01632 960 002")
    reporter_sends(page)
    message = live_server.gettext(
        lang, "Select how we can contact them safely, or select that we should not contact them")
    link = page.locator(".error-summary a[href='#contact_methods-0']")
    assert link.inner_text().strip() == message
    link.click()
    assert focused(page).get("id") == "contact_methods-0"
    assert page.input_value("#org_name") == "Example Support"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", LANGS)
def test_switching_language_half_way_keeps_what_was_typed(new_context, live_server, lang, js):
    other = "cy" if lang == "en" else "en"
    page = new_context(js=js, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/you")
    story = f"Half-way {lang}/{js}: he says no one will believe me. Dywedodd e."
    page.fill("#story", story)
    page.check("#contact_methods-2")
    page.fill("#email", "safe@example.org")

    switch = page.locator("header .lang-switch")
    assert switch.inner_text().strip() == {"en": "English", "cy": "Cymraeg"}[other]
    assert switch.get_attribute("lang") == other
    switch.click()
    page.wait_for_url(f"**/{other}/tell-us/you")
    assert page_language(page) == other
    assert page.input_value("#story") == story
    assert page.is_checked("#contact_methods-2") and page.input_value("#email") == "safe@example.org"
    assert page.locator(".error-summary").count() == 0, "switching language must not judge the form"
    assert story not in page.url

    page.locator("header .lang-switch").click()  # and back again
    page.wait_for_url(f"**/{lang}/tell-us/you")
    assert page_language(page) == lang
    assert page.input_value("#story") == story
    assert page.input_value("#email") == "safe@example.org"

    # The form still sends after two round trips, with one report for it.
    reporter_sends(page)
    reference = confirmation_reference(page)
    stored = live_server.report(reference)
    assert stored["content"]["answers"]["story"] == story
    stored = [r["reference"] for r in live_server.reports() if r["content"]["answers"].get("story") == story]
    assert stored == [reference]


@pytest.mark.parametrize("lang", LANGS)
def test_two_errors_on_one_field_are_both_announced_and_ids_stay_unique(new_context, live_server, lang):
    """Ticking "Phone call" and "Text message" and giving no number puts two messages on the calls field.
    Each message must have its own id, and the field must point at both (aria-describedby), or a screen
    reader user hears only the first. (axe files a duplicate id only under "incomplete", so it is checked
    here directly.)"""
    page = new_context(locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/you")
    page.check("#contact_methods-0")
    page.check("#contact_methods-1")
    reporter_sends(page)
    assert page.locator(".error-summary").is_visible()
    duplicates = page.evaluate("""() => {
        const seen = {};
        for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
        return Object.entries(seen).filter(([, n]) => n > 1);
    }""")
    assert duplicates == [], f"duplicate ids on the error page: {duplicates}"
    unreferenced = page.evaluate("""() => {
        const described = new Set();
        for (const el of document.querySelectorAll('[aria-describedby]'))
            for (const id of el.getAttribute('aria-describedby').split(/\\s+/)) described.add(id);
        return [...document.querySelectorAll('.error-message')]
            .filter(p => !described.has(p.id)).map(p => p.outerHTML);
    }""")
    assert unreferenced == [], f"error messages no field points to: {unreferenced}"
