"""An officer takes a phone call and enters it as a new case (issue 16), in English and in Welsh, with JavaScript
off on a 360 px wide screen, finding every field by its visible label as a screen reader or a voice-control user
would: the staff navigation's "New case", step 1 (a phone call, from the person themselves), step 2 (a refusal
that keeps everything typed, then saved), and the new case with its channel and who took it, sealed.

The words come from the live app's own catalogue, in the officer's language.
"""
from __future__ import annotations

from typing import Any

import pytest
from reporter_steps import LOCALES, assert_no_sideways_scrolling, page_language, path_of
from staff_steps import flash_text, lead_signs_in, make_staff

pytestmark = pytest.mark.browser

WIDTH = 360


class Words:
    """The live app's words in one language, with the context of a Welsh yes or no."""

    def __init__(self, live_server: Any, lang: str) -> None:
        self.live_server, self.lang = live_server, lang

    def __call__(self, text: str, **values: Any) -> str:
        return self.live_server.gettext(self.lang, text, **values)

    def answer(self, context: str, text: str) -> str:
        from flask_babel import force_locale, pgettext
        with self.live_server.app.test_request_context("/"), force_locale(self.lang):
            return pgettext(context, text)


def choose(page: Any, question: str, option: str) -> None:
    """Tick an option of a radio or checkbox group, found by the group's legend and the option's label."""
    page.get_by_role("group", name=question, exact=True).get_by_label(option, exact=True).check()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_an_officer_enters_a_phone_call_by_labels_with_javascript_off(new_context, live_server, lang):
    words = Words(live_server, lang)
    officer = make_staff(live_server, "officer", lang, name=f"Phone Officer {lang}", enrolled=True)
    page = new_context(js=False, width=WIDTH, height=800, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, officer)
    assert page_language(page) == lang

    page.get_by_role("navigation").get_by_role("link", name=words("New case"), exact=True).click()
    page.wait_for_url("**/staff/new-case")
    assert_no_sideways_scrolling(page, WIDTH)
    choose(page, words("How did the disclosure reach us?"), words("A phone call"))
    choose(page, words("Who is the disclosure from?"), words("The person themselves"))
    page.get_by_role("button", name=words("Continue"), exact=True).click()
    page.wait_for_url("**/staff/new-case/phone/self")
    assert page.locator("h1").inner_text() == words("New case: the person told us themselves")
    assert_no_sideways_scrolling(page, WIDTH)
    assert page.get_by_role("group", name=words("When was this disclosed to us?"), exact=True).get_by_label(
        words("Just now"), exact=True).is_checked()

    story = f"Phone call ({lang}): he took the car keys and will not let her leave."
    page.get_by_label(words("The person's name"), exact=True).fill("Rhian Jones")
    page.get_by_label(words("What did they tell us?"), exact=True).fill(story)
    choose(page, words("Is anyone in danger right now?"), words.answer("answer: is anyone in danger", "No"))
    choose(page, words("Do any children live in or visit the home?"), words("Yes, children visit"))
    choose(page, words("How can we contact them safely?"), words("Phone call"))
    choose(page, words("Which days are safe?"), words("Tuesday"))
    choose(page, words("Can we leave a voicemail?"), words.answer("answer: may we", "No"))
    page.get_by_label(words("A code word or question we can use to check we are speaking to them"),
                      exact=True).fill("Blue heron")
    choose(page, words("Which language do they want us to use?"), "Cymraeg" if lang == "cy" else "English")
    # Saved without the number to call: refused, and everything typed is still there.
    page.get_by_role("button", name=words("Save and open the case"), exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    assert words("Enter a phone number we can call safely") in page.inner_text(".error-summary")
    assert page.get_by_label(words("What did they tell us?"), exact=True).input_value() == story
    assert page.get_by_label(words("The person's name"), exact=True).input_value() == "Rhian Jones"
    assert page.get_by_role("group", name=words("Which days are safe?"), exact=True).get_by_label(
        words("Tuesday"), exact=True).is_checked()
    assert_no_sideways_scrolling(page, WIDTH)

    page.get_by_label(words("Phone number for calls"), exact=True).fill("07700 900777")
    page.get_by_role("button", name=words("Save and open the case"), exact=True).click()
    page.wait_for_url("**/staff/cases/*")
    reference = path_of(page).rsplit("/", 1)[1]
    assert words("Case opened. Its first-contact clock has started.") in flash_text(page)
    header = page.locator(".case-header")
    assert words("Phone call") in header.inner_text() and officer.name in header.inner_text()
    assert story in page.inner_text("main")
    assert_no_sideways_scrolling(page, WIDTH)

    stored = live_server.report(reference)
    assert stored["kind"] == "self" and stored["contact_language"] == ("cy" if lang == "cy" else "en")
    answers = stored["content"]["answers"]
    assert (answers["story"], answers["phone_call"], answers["check_question"]) == (story, "07700 900777",
                                                                                    "Blue heron")
    assert answers["safe_days"] == ["tue"] and answers["children"] == "visit" and answers["voicemail"] == "no"
    from sqlalchemy import select

    from portal.store.models import Report
    with live_server.app.extensions["sessionmaker"]() as dbs:
        row = dbs.scalar(select(Report).where(Report.reference == reference))
        assert (row.channel, row.taken_by) == ("phone", officer.id)
