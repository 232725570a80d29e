"""Follow-up questions only when they apply: with JavaScript, "Email address" shows only under "Email" and
"What may the voicemail say?" only under "Yes" (GOV.UK's conditional reveal: aria-controls and aria-expanded;
an answer is kept while hidden); with JavaScript off every question shows and the form works as before."""
from __future__ import annotations

import pytest
from reporter_steps import LOCALES, confirmation_reference, reporter_fills_in, reporter_sends

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]
# (option that reveals it, the follow-up field) on every form, and the agency form's own.
FOLLOW_UPS = [("contact_methods-0", "phone_call"), ("contact_methods-1", "phone_text"),
              ("contact_methods-2", "email"), ("contact_methods-3", "postal_address"),
              ("contact_methods-4", "meeting_place"), ("contact_methods-5", "trusted_person"),
              ("voicemail-0", "voicemail_message"), ("say_who-1", "cover_name"),
              ("someone_else-3", "someone_else_note"), ("help_wanted-8", "help_other")]
AGENCY_FOLLOW_UPS = [("dash_done-0", "dash_score"), ("consent_share-0", "share_with-0")]
WORK_FOLLOW_UPS = [("works_as-2", "company")]  # "For a contractor": which company


def follow_ups_for(slug: str) -> list[tuple[str, str]]:
    extra = {"agency": AGENCY_FOLLOW_UPS, "you": [("consent_share-0", "share_with-0")], "work": WORK_FOLLOW_UPS}
    return FOLLOW_UPS + extra.get(slug, [])


def height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("slug", ["you", "someone", "agency", "work"])
@pytest.mark.parametrize("lang", LANGS)
def test_follow_ups_show_only_under_their_answer_and_keep_what_was_typed(new_context, lang, slug):
    page = new_context(locale=LOCALES[lang], width=360, height=640).new_page()
    page.goto(f"/{lang}/tell-us/{slug}")
    for option, follow_up in follow_ups_for(slug):
        control = page.locator(f"#{option}")
        region = control.get_attribute("aria-controls")
        assert region and page.locator(f"#{region} #{follow_up}").count() == 1, (option, follow_up)
        # aria-expanded on a checkbox; a radio may not carry it (ARIA 1.2), so it has aria-controls only.
        expanded = control.get_attribute("aria-expanded")
        assert expanded == ("false" if control.get_attribute("type") == "checkbox" else None), (option, expanded)
        assert not page.is_visible(f"#{follow_up}"), f"{follow_up} shows before {option} is chosen"

    page.check("#contact_methods-1")  # "Text message"
    assert page.get_attribute("#contact_methods-1", "aria-expanded") == "true"
    assert page.is_visible("#phone_text") and not page.is_visible("#email") and not page.is_visible("#phone_call")
    page.fill("#phone_text", "07700 900461")
    page.uncheck("#contact_methods-1")
    assert not page.is_visible("#phone_text") and page.get_attribute("#contact_methods-1", "aria-expanded") == "false"
    page.check("#contact_methods-1")
    assert page.input_value("#phone_text") == "07700 900461", "the answer was lost when it was hidden"

    page.check("#voicemail-0")  # radios: "Yes" shows the message question, "No" hides it again
    assert page.is_visible("#voicemail_message")
    page.fill("#voicemail_message", "Say it is the dentist.")
    page.check("#voicemail-1")
    assert not page.is_visible("#voicemail_message")
    page.check("#voicemail-0")
    assert page.input_value("#voicemail_message") == "Say it is the dentist."


@pytest.mark.parametrize("lang", LANGS)
def test_without_javascript_every_question_shows_and_the_form_sends(new_context, live_server, lang):
    page = new_context(js=False, locale=LOCALES[lang], width=360, height=640).new_page()
    page.goto(f"/{lang}/tell-us/agency")
    for option, follow_up in follow_ups_for("agency"):
        assert page.is_visible(f"#{follow_up}"), follow_up
        assert page.get_attribute(f"#{option}", "aria-expanded") is None  # nothing claims to be collapsible
    reporter_fills_in(page, "agency", f"Everything visible {lang}.")
    page.fill("#voicemail_message", "No message, just a call back.")  # typed without ticking "Yes" first
    reporter_sends(page)
    reference = confirmation_reference(page)
    assert live_server.report(reference)["content"]["answers"]["voicemail_message"] == "No message, just a call back."


@pytest.mark.parametrize("lang", LANGS)
def test_the_form_is_much_shorter_on_a_phone_with_javascript(new_context, lang):
    heights = {}
    for js in (True, False):
        page = new_context(js=js, locale=LOCALES[lang], width=360, height=640).new_page()
        page.goto(f"/{lang}/tell-us/you")
        heights[js] = page.evaluate("document.documentElement.scrollHeight") if js else page.locator(
            "html").bounding_box()["height"]
    assert heights[True] < heights[False] - 1_000, heights


def test_a_follow_up_with_an_error_stays_in_view_so_its_error_link_works(new_context, live_server):
    """An email address in the wrong shape, typed under "Email" and then "Email" unticked: the error is on a
    follow-up whose option is not chosen. It must not be hidden, or the error summary's link leads nowhere."""
    page = new_context(width=360, height=640).new_page()
    page.goto("/en/tell-us/you")
    page.check("#contact_methods-2")
    page.fill("#email", "not an address")
    page.uncheck("#contact_methods-2")
    page.check("#contact_methods-6")  # "Do not contact me"
    reporter_sends(page)
    link = page.locator(".error-summary a[href='#email']")
    assert link.count() == 1
    assert page.is_visible("#email")
    link.click()
    assert page.evaluate("document.activeElement.id") == "email"
