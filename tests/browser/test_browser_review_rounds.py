"""Case reviews in the browser (issue 19), in English and in Welsh, JavaScript off, on a 360 px screen, every field
found by its visible label: a lead sets a review round of one officer's cases (a refusal first, which keeps what
was chosen), an auditor reviews one of its cases against the checklist beside the case file (a refusal first, which
keeps what was typed) and leaves a follow-up, and the officer finds it on their case."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reporter_steps import LOCALES, assert_no_sideways_scrolling, page_language, path_of
from staff_steps import flash_text, lead_signs_in, make_report, make_staff, self_report_answers
from test_browser_intake import Words, choose

pytestmark = pytest.mark.browser

WIDTH = 360
POINTS = ("First contact on time and by a safe way", "DASH risk assessment done", "MARAC criteria considered",
          "Information shared lawfully", "Actions done", "Language and staff preferences honoured", "Records clear")
FINDING = "No DASH in the file although she spoke of being strangled."
FOLLOW_UP = "Complete the DASH with her at a safe time and record why it was not done at first contact."


def today() -> str:
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


def progress(live_server: Any, lang: str, done: int, num: int) -> str:
    from flask_babel import force_locale, ngettext
    with live_server.app.test_request_context("/"), force_locale(lang):
        return ngettext("%(done)d of %(num)d case reviewed", "%(done)d of %(num)d cases reviewed", num, done=done)


def narrow(new_context: Any, lang: str) -> Any:
    return new_context(js=False, width=WIDTH, height=800, locale=LOCALES[lang]).new_page()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_lead_sets_a_round_and_an_auditor_reviews_a_case_with_javascript_off(new_context, live_server, lang):
    words = Words(live_server, lang)
    tag = uuid.uuid4().hex[:6]
    officer = make_staff(live_server, "officer", lang, name=f"Rounds Officer {tag}", enrolled=True)
    lead = make_staff(live_server, "lead", lang, name=f"Rounds Lead {tag}", enrolled=True)
    auditor = make_staff(live_server, "auditor", lang, name=f"Rounds Auditor {tag}", enrolled=True)
    story = f"Rounds {tag}: he followed me home from work again."
    cases = {make_report(live_server, owner=officer, language=lang, answers=self_report_answers(story))
             for _ in range(2)}

    # The lead sets a round of the officer's cases received today.
    page = narrow(new_context, lang)
    lead_signs_in(page, lead)
    assert page_language(page) == lang
    page.get_by_role("navigation", name=words("Staff pages")).get_by_role(
        "link", name=words("Case reviews"), exact=True).click()
    page.wait_for_url("**/staff/review-rounds")
    assert_no_sideways_scrolling(page, WIDTH)
    choose(page, words("Which cases?"), words("Cases received in the period"))
    page.get_by_label(words("From"), exact=True).fill(today())
    page.get_by_label(words("To"), exact=True).fill(today())
    page.get_by_label(words("How many cases?"), exact=True).fill("lots")
    page.get_by_label(words("Only one officer's cases (optional)"), exact=True).select_option(label=officer.name)
    page.get_by_role("button", name=words("Draw the cases"), exact=True).click()
    page.wait_for_load_state()
    assert words("Enter how many cases to review, a whole number from 1 to %(max)d", max=100) in page.inner_text(
        ".error-summary")
    assert page.get_by_label(words("From"), exact=True).input_value() == today()  # what was chosen, kept
    assert page.get_by_label(words("Only one officer's cases (optional)"), exact=True).input_value() == str(
        officer.id)
    page.get_by_label(words("How many cases?"), exact=True).fill("2")
    page.get_by_role("button", name=words("Draw the cases"), exact=True).click()
    page.wait_for_url("**/staff/review-rounds/*")
    assert words("Review round set. Its cases have been drawn.") in flash_text(page)
    round_path = path_of(page)
    sample = page.locator("table.round-sample a.reference-link").all_inner_texts()
    assert set(sample) == cases
    assert progress(live_server, lang, 0, 2) in page.inner_text(".round-progress")
    assert_no_sideways_scrolling(page, WIDTH)

    # An auditor opens one of its cases: the checklist beside the case file.
    page = narrow(new_context, lang)
    lead_signs_in(page, auditor)
    page.goto("/staff/review-rounds")
    round_number = int(round_path.rsplit("/", 1)[1])
    page.get_by_role("link", name=words("Round %(number)d", number=round_number), exact=True).click()
    page.wait_for_url(f"**{round_path}")
    reference = sorted(cases)[0]
    page.get_by_role("link", name=reference, exact=True).click()
    page.wait_for_url(f"**{round_path}/cases/{reference}")
    assert story in page.inner_text(".review-case")  # the case file, read-only
    assert page.locator(".review-case form").count() == 0
    assert_no_sideways_scrolling(page, WIDTH)
    dash = words(POINTS[1])
    page.get_by_label(words("What you found: %(point)s (optional)", point=dash), exact=True).fill(FINDING)
    page.get_by_role("button", name=words("Save the review"), exact=True).click()
    page.wait_for_load_state()
    summary = page.inner_text(".error-summary")
    assert words("Select whether “%(point)s” was met", point=dash) in summary
    assert page.locator(".error-summary li").count() == len(POINTS)
    assert page.get_by_label(words("What you found: %(point)s (optional)", point=dash), exact=True
                             ).input_value() == FINDING
    for point in POINTS:
        choose(page, words(point), words("Not met") if point == POINTS[1] else words("Met"))
    page.get_by_label(words("Follow-up for the officer (optional)"), exact=True).fill(FOLLOW_UP)
    page.get_by_role("button", name=words("Save the review"), exact=True).click()
    page.wait_for_url(f"**{round_path}")
    assert words("Review of case %(reference)s recorded.", reference=reference) in flash_text(page)
    state = page.locator("table.round-sample tr", has_text=reference).inner_text()
    assert words("%(met)d met, %(not_met)d not met, %(na)d not applicable", met=6, not_met=1, na=0) in state
    results = page.locator("table.round-results tr", has_text=dash).inner_text()
    assert "0%" in results
    assert FOLLOW_UP not in page.inner_text("main") and FINDING not in page.inner_text("main")
    assert_no_sideways_scrolling(page, WIDTH)

    # The officer finds the follow-up on the case, with its task.
    page = narrow(new_context, lang)
    lead_signs_in(page, officer)
    page.goto(f"/staff/cases/{reference}")
    assert FOLLOW_UP in page.inner_text(".case-follow-ups")
    tasks = page.inner_text("section[aria-labelledby='tasks-title']")
    assert words("Follow-up from a case review") in tasks and officer.name in tasks
