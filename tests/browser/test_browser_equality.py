"""Equality monitoring in a real browser, JavaScript off, on a 360 px phone, in English and Welsh: a person
reporting for themselves unfolds the four optional questions and answers them by their visible labels; a mistake
elsewhere on the form keeps every answer; once sent, the answers are sealed apart from the report's answers, never
on the case page, and after the triage side counts them, gone from the report and in the lead's indicators."""
from __future__ import annotations

from typing import Any

import pytest
from reporter_steps import (
    LOCALES,
    assert_no_sideways_scrolling,
    confirmation_reference,
    reporter_fills_in,
    reporter_sends,
    stored_text,
)
from staff_steps import lead_signs_in, make_staff

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]


def count_now(live_server: Any) -> int:
    """What `portal equality count --now` does on the triage host."""
    from portal.casework.equality import count_answers

    with live_server.app.app_context(), live_server.app.extensions["sessionmaker"]() as dbs:
        return count_answers(dbs, force=True).counted


@pytest.mark.parametrize("lang", LANGS)
def test_a_reporter_answers_the_equality_questions_and_only_the_totals_remain(new_context, live_server, lang):
    say = {text: live_server.gettext(lang, text) for text in (
        "Four optional questions about you, for equality monitoring", "What is your age?", "45 to 54",
        "What is your sex?", "Female", "What is your ethnic group?", "Mixed or multiple ethnic groups",
        "Prefer not to say", "Do you consider yourself disabled, or to have a long-term health condition?")}
    page = new_context(js=False, width=360, height=740, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/tell-us/you")
    story = f"equality {lang}: he checks my phone every night."
    reporter_fills_in(page, "you", story)
    page.get_by_text(say["Four optional questions about you, for equality monitoring"]).click()
    page.get_by_role("group", name=say["What is your age?"]).get_by_label(say["45 to 54"]).check()
    page.get_by_role("group", name=say["What is your sex?"]).get_by_label(say["Female"]).check()
    page.get_by_role("group", name=say["What is your ethnic group?"]).get_by_label(
        say["Mixed or multiple ethnic groups"]).check()
    disability = say["Do you consider yourself disabled, or to have a long-term health condition?"]
    page.get_by_role("group", name=disability).get_by_label(say["Prefer not to say"]).check()
    assert_no_sideways_scrolling(page, 360)
    page.fill("#phone_call", "0770")  # half a phone number: the form comes back
    reporter_sends(page)
    assert page.locator(".error-summary").count() == 1
    assert page.get_by_role("group", name=say["What is your age?"]).get_by_label(say["45 to 54"]).is_checked()
    assert page.locator("details.equality").get_attribute("open") is not None  # still in sight
    page.fill("#phone_call", "07700 900982")
    reporter_sends(page)
    reference = confirmation_reference(page)
    kept = stored_text(page)
    assert "45_54" not in str(kept) and "mixed" not in kept["url"]

    content = live_server.report(reference)["content"]
    assert content["equality"] == {"age": "45_54", "sex": "female", "ethnic": "mixed", "disability": "prefer_not"}
    assert not any(key.startswith("eq_") for key in content["answers"])

    lead = new_context(js=False, width=360, locale=LOCALES[lang]).new_page()
    lead_signs_in(lead, make_staff(live_server, "lead", lang, enrolled=True))
    lead.goto(f"/staff/cases/{reference}")
    assert story in lead.inner_text("main")
    assert say["What is your ethnic group?"] not in lead.inner_text("main")  # never shown with the case

    assert count_now(live_server) >= 1
    assert "equality" not in live_server.report(reference)["content"]  # counted, and gone from the report
    lead.goto("/staff/indicators")
    table = lead.locator("#equality-ethnic")
    row = table.locator("tr", has_text=say["Mixed or multiple ethnic groups"])
    assert int(row.locator("td").inner_text()) >= 1
    assert_no_sideways_scrolling(lead, 360)
