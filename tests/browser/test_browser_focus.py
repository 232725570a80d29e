"""Keyboard focus is never under the sticky exit bar (WCAG 2.2, 2.4.11 Focus Not Obscured): tabbing
backwards and forwards over a whole form, and following every link of the error summary, at 320, 360 and
1280 px and at 200% zoom, in both languages, with JavaScript on and off. With JavaScript, focus moves to the
error summary when a form comes back refused, and each link brings its question's label or legend into view
with the field."""
from __future__ import annotations

import pytest
from reporter_steps import LOCALES, focus_under_exit_bar, focused, reporter_sends, under_exit_bar

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
JS = pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
# (width, height, zoom): a small phone, a common phone, a laptop, and the laptop at 200% zoom.
SCREENS = pytest.mark.parametrize("screen", [(320, 640, 1), (360, 640, 1), (1280, 800, 1), (1280, 800, 2)],
                                  ids=["320", "360", "1280", "1280-at-200%"])


def open_page(new_context, path, lang, js, screen):
    width, height, zoom = screen
    page = new_context(js=js, locale=LOCALES[lang], width=width, height=height, zoom=zoom).new_page()
    page.goto(path)
    return page


def tab_over_the_form(page, backwards: bool) -> tuple[int, list]:
    """Tab (or Shift+Tab) from one end of the form to the other: how many stops, and those the bar covers."""
    page.focus("button[name='action'][value='send']" if backwards else "#main-content")
    stops, covered = 0, []
    for _ in range(300):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if (backwards and now.get("href") == "#main-content") or (not backwards and now.get("value") == "send"):
            break
        stops += 1
        hidden = focus_under_exit_bar(page)
        if hidden:
            covered.append(hidden)
    return stops, covered


@JS
@SCREENS
@pytest.mark.parametrize("lang", LANGS)
def test_tabbing_backwards_and_forwards_over_the_form_never_hides_focus(new_context, lang, js, screen):
    page = open_page(new_context, f"/{lang}/tell-us/you", lang, js, screen)
    for backwards in (True, False):
        stops, covered = tab_over_the_form(page, backwards)
        assert stops > 40, f"only {stops} focus stops"
        assert covered == [], f"{len(covered)} of {stops} focus stops under the exit bar " \
                              f"({'Shift+Tab' if backwards else 'Tab'}): {covered[:5]}"


def refused_agency_form(page) -> None:
    """An agency referral with an error on a text field, a number field, a checkbox group, a radio group's
    follow-up and a detail field: every kind of link the error summary has."""
    page.check("#dash_done-0")
    page.fill("#dash_score", "99")
    page.fill("#work_email", "not an address")
    page.check("#contact_methods-1")  # texts, and no number
    page.check("#say_who-1")  # another name, and none given
    reporter_sends(page)


@JS
@SCREENS
@pytest.mark.parametrize("lang", LANGS)
def test_every_error_link_brings_its_field_into_view_below_the_exit_bar(new_context, lang, js, screen):
    page = open_page(new_context, f"/{lang}/tell-us/agency", lang, js, screen)
    refused_agency_form(page)
    links = page.eval_on_selector_all(".error-summary a", "links => links.map(a => a.getAttribute('href'))")
    assert len(links) >= 5, links
    for href in links:
        page.evaluate("window.scrollTo(0, 0)")
        page.click(f".error-summary a[href='{href}']")
        assert focused(page).get("id") == href[1:], f"{href} did not take focus to its field"
        assert focus_under_exit_bar(page) is None, f"{href}: the field is under the exit bar"
        if js:  # the question itself, not only its box, is in view and clear of the bar
            field = page.locator(href)
            label = (f"fieldset:has({href}) > legend" if field.get_attribute("type") in ("radio", "checkbox")
                     else f"label[for='{href[1:]}']")
            assert page.locator(label).first.is_visible()
            assert not under_exit_bar(page, label), f"{href}: its label or legend is under the exit bar"


@pytest.mark.parametrize("lang", LANGS)
def test_focus_moves_to_the_error_summary_when_a_form_is_refused(new_context, live_server, lang):
    page = new_context(locale=LOCALES[lang], width=360, height=640).new_page()
    page.goto(f"/{lang}/tell-us/you")
    page.check("#contact_methods-1")  # texts, and no number
    reporter_sends(page)
    now = focused(page)
    assert "error-summary" in now.get("classes", ""), f"focus is on {now}, not the error summary"
    assert focus_under_exit_bar(page) is None
    # The error sits on its own field: the mobile number for texts, not the number for calls.
    link = page.locator(".error-summary a")
    assert link.count() == 1 and link.get_attribute("href") == "#phone_text"
    message = live_server.gettext(lang, "Enter a mobile number we can text safely")
    assert link.inner_text().strip() == message
    assert message in page.inner_text("#phone_text-error")
    assert page.locator("#phone_call-error").count() == 0
    assert page.is_visible("#phone_text") and not page.is_visible("#phone_call")


@pytest.mark.parametrize("lang", LANGS)
def test_without_javascript_the_error_is_on_its_own_field_too(new_context, live_server, lang):
    page = new_context(js=False, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/someone")
    page.check("#contact_methods-1")
    reporter_sends(page)
    assert page.get_attribute(".error-summary a", "href") == "#phone_text"
    assert page.get_attribute("#phone_text", "aria-invalid") == "true"
    assert page.get_attribute("#phone_call", "aria-invalid") is None
    page.click(".error-summary a")
    assert focused(page).get("id") == "phone_text"
