"""A contractor tells us what they saw on a repair visit (/tell-us/work): in English and in Welsh, with
JavaScript off, on a 360 px wide phone, filling in the form by its visible labels, as a person reads it; a first
try with a mistake loses nothing; and the same form by keyboard alone."""
from __future__ import annotations

from typing import Any

import pytest
from reporter_steps import (
    LOCALES,
    assert_no_sideways_scrolling,
    confirmation_reference,
    focused,
    page_language,
    path_of,
    reporter_tabs_until,
)
from sqlalchemy import select

from portal.store.models import Report

pytestmark = pytest.mark.browser

STORY = {"en": "Fixing the back door on Tuesday I heard him shouting at her, and she had a cut on her arm.",
         "cy": "Wrth drwsio’r drws cefn ddydd Mawrth clywais i e’n gweiddi arni, ac roedd toriad ar ei braich."}
THROUGH_ME = ("You told us not to contact the person directly. Our community safety team will read what you told us "
              "and contact you first, at the work phone number or email address you gave.")


def words(live_server: Any, lang: str) -> Any:
    """The live app's own words in `lang`, with or without a message context."""
    from flask_babel import force_locale, gettext, pgettext

    def say(message: str, context: str | None = None, **variables: Any) -> str:
        with live_server.app.test_request_context("/"), force_locale(lang):
            return pgettext(context, message) if context else gettext(message, **variables)
    return say


def restriction_of(live_server: Any, reference: str) -> str:
    with live_server.app.extensions["sessionmaker"]() as dbs:
        return dbs.scalar(select(Report.restricted).where(Report.reference == reference))


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_contractor_reports_with_javascript_off_on_a_narrow_phone(new_context, live_server, lang):
    say = words(live_server, lang)
    page = new_context(js=False, width=360, height=740, locale=LOCALES[lang]).new_page()
    page.goto(f"/{lang}/who")
    org = live_server.app.config["ORG_NAME"][lang]
    page.get_by_role("link", name=say("I work for %(org)s or one of its contractors", org=org)).click()
    page.wait_for_url(f"**/{lang}/tell-us/work")
    assert page_language(page) == lang
    assert page.locator("h1").inner_text() == say("Tell us what you saw or heard")
    assert_no_sideways_scrolling(page, 360)

    page.get_by_label(say("Your name"), exact=True).fill("Dai Jones")
    how = page.get_by_role("group", name=say("How do you work with us?"))
    how.get_by_label(say("For a contractor, or another company working for us")).check()
    page.get_by_label(say("Which company do you work for?")).fill("Valleys Joinery")
    page.get_by_label(say("Your job"), exact=True).fill("Joiner")
    page.get_by_label(say("What did you see or hear?")).fill(STORY[lang])
    page.get_by_label(say("The address or area where you saw or heard it")).fill("14 Heol Fawr, CF10 1AA")
    page.get_by_role("group", name=say("Is anyone in danger right now?")).get_by_label(
        say("No", "answer: is anyone in danger"), exact=True).check()
    page.get_by_role("group", name=say("Do any children live in or visit the home?")).get_by_label(
        say("Yes, children live there")).check()
    page.get_by_label(say("The name of the person at risk, if you know it")).fill("Ceri")
    page.get_by_role("group", name=say("Does the person know you are telling us?")).get_by_label(
        say("No", "answer: does the person"), exact=True).check()
    page.get_by_label(say("Is there anyone who works for us, or for one of our contractors, who must not see this "
                          "report?")).fill("Gareth, the housing officer")
    ways = page.get_by_role("group", name=say("How can we contact them safely?"))
    ways.get_by_label(say("Through me, or someone else they trust")).check()
    page.get_by_label(say("Who should we go through (it may be you), and how do we reach them?")).fill(
        "Me, on my work phone")

    # Sent without a way to reach the worker: refused, with everything still there.
    page.get_by_role("button", name=say("Send")).click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert say("Enter a work phone number or email address") in summary.inner_text()
    assert page.get_by_label(say("What did you see or hear?")).input_value() == STORY[lang]
    assert page.get_by_label(say("Which company do you work for?")).input_value() == "Valleys Joinery"
    assert ways.get_by_label(say("Through me, or someone else they trust")).is_checked()
    assert how.get_by_label(say("For a contractor, or another company working for us")).is_checked()
    assert_no_sideways_scrolling(page, 360)

    page.get_by_label(say("Your work phone number")).fill("01632 960 123")
    page.get_by_role("button", name=say("Send")).click()
    page.wait_for_load_state()
    assert path_of(page) == f"/{lang}/sent" and page_language(page) == lang
    reference = confirmation_reference(page)
    main = page.inner_text("main")
    assert say(THROUGH_ME) in main, main
    for hidden in ("Gareth", say("Who must not see this report (as the reporter told us)")):
        assert hidden not in main
    assert_no_sideways_scrolling(page, 360)

    stored = live_server.report(reference)
    assert stored["kind"] == "staff" and stored["contact_language"] == lang
    answers = stored["content"]["answers"]
    assert (answers["works_as"], answers["company"], answers["story"], answers["contact_methods"]) == (
        "contractor", "Valleys Joinery", STORY[lang], ["trusted"])
    assert (answers["danger_now"], answers["children"], answers["they_know"]) == ("no", "live", "no")
    assert answers["must_not_see"] == "Gareth, the housing officer"
    assert restriction_of(live_server, reference) == "leads"


def test_the_work_form_by_keyboard_alone(new_context, live_server):
    """Tab, arrow keys, Space, Enter and typing: no clicks."""
    page = new_context(locale=LOCALES["en"]).new_page()
    keys = page.keyboard
    page.goto("/en/who")
    reporter_tabs_until(page, lambda f: f.get("href") == "/en/tell-us/work")
    keys.press("Enter")
    page.wait_for_url("**/en/tell-us/work")

    def type_into(field_id: str, text: str) -> None:
        reporter_tabs_until(page, lambda f: f.get("id") == field_id)
        keys.type(text)

    type_into("worker_name", "Sam Caretaker")
    reporter_tabs_until(page, lambda f: f.get("name") == "works_as")
    keys.press("ArrowDown")  # from "As an employee" to "As a volunteer", which arrows also select
    assert focused(page)["value"] == "volunteer" and focused(page)["checked"]
    type_into("work_email", "sam@example.org")
    type_into("story", "Keyboard: I saw him take her keys.")
    reporter_tabs_until(page, lambda f: f.get("id") == "contact_methods-6")  # "Do not contact them"
    keys.press("Space")
    assert focused(page)["checked"]
    reporter_tabs_until(page, lambda f: f.get("tag") == "button" and f.get("value") == "send")
    keys.press("Enter")
    page.wait_for_url("**/en/sent")
    stored = live_server.report(confirmation_reference(page))
    answers = stored["content"]["answers"]
    assert stored["kind"] == "staff"
    assert (answers["works_as"], answers["work_email"], answers["contact_methods"]) == (
        "volunteer", "sam@example.org", ["none"])
    assert live_server.gettext("en", THROUGH_ME) in page.inner_text("main")
