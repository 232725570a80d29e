"""What a phone shows first: on the bilingual landing page both language choices (a Welsh speaker on an
English phone must not scroll three screens to "Parhau yn Gymraeg"), and the footer in both languages; on
every other page the 999 box, prominent but compact, then the page's h1 as its first heading."""
from __future__ import annotations

import pytest
from reporter_steps import LOCALES

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]


def on_first_screen(page, selector: str) -> bool:
    return page.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight && box.width > 0;
    }""", selector)


@pytest.mark.parametrize("width", [320, 360])
@pytest.mark.parametrize("phone", LANGS)
def test_both_language_choices_are_on_the_first_screen_of_the_landing_page(new_context, live_server, phone, width):
    page = new_context(locale=LOCALES[phone], width=width, height=640).new_page()
    page.goto("/")
    for lang, words in (("en", "Continue in English"), ("cy", live_server.gettext("cy", "Continue in English"))):
        choice = f".language-choice a[href='/{lang}/'][hreflang='{lang}'][lang='{lang}']"
        assert page.inner_text(choice).strip() == words
        assert on_first_screen(page, choice), f"{words!r} is not on the first screen of a {phone} phone"
    # The footer is in both languages too, each link to its own language's page.
    for lang in LANGS:
        footer = page.locator(f"footer ul[lang='{lang}']")
        assert footer.locator(f"a[href='/{lang}/safety']").inner_text().strip() == live_server.gettext(
            lang, "Staying safe online")
        assert footer.locator(f"a[href='/{lang}/accessibility']").count() == 1


@pytest.mark.parametrize("path", ["", "who", "tell-us/you", "safety", "accessibility"])
@pytest.mark.parametrize("lang", LANGS)
def test_the_999_box_is_compact_and_the_h1_is_the_first_heading(new_context, live_server, lang, path):
    page = new_context(locale=LOCALES[lang], width=360, height=640).new_page()
    page.goto(f"/{lang}/{path}")
    first = page.evaluate("document.querySelector('h1, h2, h3, h4, h5, h6').tagName")
    assert first == "H1", f"the first heading of /{lang}/{path} is an {first}"
    box = page.locator("aside.emergency")
    assert live_server.gettext(lang, "In danger now? Call 999.") in box.inner_text()
    assert "55" in box.inner_text()
    height = box.bounding_box()["height"]
    assert height <= 640 / 4, f"the 999 box takes {height:.0f} of the first 640 px"
    assert on_first_screen(page, "h1"), "the page's heading is not on the first screen"


@pytest.mark.parametrize("lang", LANGS)
def test_each_helpline_says_its_own_hours_and_our_number_is_beside_them(new_context, live_server, lang):
    page = new_context(locale=LOCALES[lang], width=360, height=640).new_page()
    page.goto(f"/{lang}/who")
    summary = page.locator("aside.emergency summary")
    assert "day and night" not in summary.inner_text() and "ddydd a nos" not in summary.inner_text()
    summary.click()
    items = page.locator("aside.emergency .helplines li").all_inner_texts()
    by_id = {line.id: line for line in live_server.app.extensions["helplines"] if line.audience == "everyone"}
    for line in by_id.values():
        text = next(item for item in items if line.number in item)
        assert line.hours[lang] in text, f"{line.id}: no hours in {text!r}"
    organisation = live_server.app.config
    ours = next(item for item in items if organisation["ORG_PHONE"] in item)
    assert organisation["ORG_NAME"][lang] in ours and organisation["ORG_HOURS"][lang] in ours
