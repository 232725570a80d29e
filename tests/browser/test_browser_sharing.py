"""Information sharing in a real browser (issue 17), in English and in Welsh, every field found by its visible
label: a team lead records a share "with consent" to an agency the person never agreed to, is refused and told
why, records it on the safeguarding basis with a reason instead; cannot countersign it herself; a second lead
finds it from the queue's link to the shares awaiting a countersignature and countersigns it from the case.

The words come from the live app's own catalogue, in the staff member's language.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from reporter_steps import page_language, path_of
from staff_steps import flash_text, lead_signs_in, make_report, make_staff, self_report_answers

pytestmark = pytest.mark.browser

WHAT = "Her address and the risk checklist."
REASON = "Two children at home; he threatened to take them tonight."


def words_for(live_server: Any, lang: str) -> Any:
    return lambda text, **values: live_server.gettext(lang, text, **values)


def choose(page: Any, question: str, option: str) -> None:
    page.get_by_role("group", name=question, exact=True).get_by_label(option, exact=True).check()


def save(page: Any) -> None:
    page.click("main form button[type='submit']")
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_share_outside_consent_is_refused_then_made_on_safeguarding_and_countersigned(new_context, live_server,
                                                                                      lang):
    words = words_for(live_server, lang)
    sharer = make_staff(live_server, "lead", lang, name=f"Sharing Lead {lang}", enrolled=True)
    second = make_staff(live_server, "lead", lang, name=f"Second Lead {lang}", enrolled=True)
    answers = self_report_answers(f"Sharing {lang}: he follows me to work.", consent_share="yes",
                                  share_with=["police"])
    reference = make_report(live_server, answers=answers, owner=sharer)

    page = new_context(js=False).new_page()
    lead_signs_in(page, sharer)
    assert page_language(page) == lang
    page.goto(f"/staff/cases/{reference}")
    page.get_by_role("link", name=words("Record information shared"), exact=True).click()
    page.wait_for_url(f"**/staff/cases/{reference}/share")
    summary = page.inner_text(".consent-summary")
    assert words("The police") in summary and words("Social services") not in summary

    choose(page, words("Who was information shared with?"), words("Social services"))
    page.get_by_label(words("Date shared"), exact=True).fill(date.today().isoformat())
    choose(page, words("On what lawful basis?"), words("With their consent"))
    page.get_by_label(words("What was shared"), exact=True).fill(WHAT)
    save(page)
    assert path_of(page) == f"/staff/cases/{reference}/share"  # refused: the same form, everything kept
    assert words("This is not within what they agreed to") in page.inner_text(".notice-warning")
    assert words("They have not agreed to share with this kind of agency. Select another lawful basis, or record "
                 "their consent first") in page.inner_text(".error-summary")
    assert page.get_by_label(words("What was shared"), exact=True).input_value() == WHAT

    choose(page, words("On what lawful basis?"), words(
        "Without consent: a high risk of serious harm, a child or adult at risk, or to protect someone's life"))
    page.get_by_label(words("Why it was shared without consent"), exact=True).fill(REASON)
    save(page)
    assert path_of(page) == f"/staff/cases/{reference}"
    assert words("Information sharing recorded.") in flash_text(page)
    shares = page.inner_text("ul.shares")
    assert REASON in shares and WHAT in shares and words("Social services") in shares
    assert page.locator("ul.shares .countersign-awaited").count() == 1

    # The lead who shared cannot countersign it: the page says so and offers no button.
    page.get_by_role("link", name=words("Countersign"), exact=True).click()
    page.wait_for_url(f"**/staff/cases/{reference}/countersign")
    assert words("You shared this: another team lead must countersign it.") in page.inner_text("main")
    assert page.get_by_role("button", name=words("Countersign this share")).count() == 0

    other = new_context(js=False).new_page()
    lead_signs_in(other, second)
    other.goto("/staff/")
    other.get_by_role("link", name=words("Shares to countersign"), exact=True).click()
    other.wait_for_url("**/staff/shares/countersign")
    row = other.locator("table.awaiting tbody tr", has_text=reference)
    assert row.count() == 1 and sharer.name in row.inner_text() and REASON not in other.inner_text("main")
    row.get_by_role("link", name=reference).click()
    other.wait_for_url(f"**/staff/cases/{reference}/countersign")
    assert REASON in other.inner_text("main")
    other.get_by_role("button", name=words("Countersign this share")).click()
    other.wait_for_url(f"**/staff/cases/{reference}")
    assert words("Share countersigned.") in flash_text(other)
    assert second.name in other.inner_text("ul.shares") and other.locator(".countersign-awaited").count() == 0
    other.goto("/staff/shares/countersign")
    assert other.locator("table.awaiting tbody tr", has_text=reference).count() == 0
