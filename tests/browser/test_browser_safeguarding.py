"""Safeguarding, end to end (issue 17; whg 1.5): a person reporting for themselves says that someone at risk is under
16; the report arrives as child safeguarding (flagged, sorted with children); the officer opening the case sees the
prompt at the top, follows it and records the referral to children's services, and the prompt gives way to the
referral on the case's record. In English with JavaScript (the children's ages show only once children are said to
live there or visit) and in Welsh with JavaScript off (every question shows), finding fields by their visible
labels, on a 360 px wide screen.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reporter_steps import LOCALES, assert_no_sideways_scrolling, confirmation_reference, path_of
from staff_steps import flash_text, lead_signs_in, make_staff
from test_browser_intake import Words, choose

pytestmark = pytest.mark.browser

WIDTH = 360


def reporter_says_someone_under_16_is_at_risk(page: Any, words: Words, js: bool, story: str) -> None:
    page.get_by_label(words("What is happening?"), exact=True).fill(story)
    choose(page, words("Is anyone in danger right now?"), words.answer("answer: is anyone in danger", "No"))
    ages = page.get_by_label(words("How old are the children? (optional)"), exact=True)
    assert ages.is_visible() is not js  # with JavaScript, only once children live there or visit
    choose(page, words("Do any children live in or visit the home?"), words("Yes, children live there"))
    assert ages.is_visible()
    ages.fill("13 and 15")
    choose(page, words("Is anyone at risk under 18?"), words("Yes, someone under 16"))
    choose(page, words("Do you have care and support needs that make it hard to protect yourself, for example "
                       "because of illness, disability or older age?"),
           words.answer("answer: have care needs", "No"))
    choose(page, words("How can we contact you safely?"), words("Text message"))
    page.get_by_label(words("Mobile number for texts"), exact=True).fill("07700 900514")


@pytest.mark.parametrize(("lang", "js"), [("en", True), ("cy", False)])
def test_an_under_16_at_risk_arrives_as_child_safeguarding_and_the_officer_refers(new_context, live_server, lang, js):
    words = Words(live_server, lang)
    story = f"Safeguarding ({lang}): he shouts at my daughter and pushed her into the door."
    reporter = new_context(js=js, width=WIDTH, height=800, locale=LOCALES[lang]).new_page()
    reporter.goto(f"/{lang}/tell-us/you")
    assert_no_sideways_scrolling(reporter, WIDTH)
    reporter_says_someone_under_16_is_at_risk(reporter, words, js, story)
    reporter.get_by_role("button", name=words("Send"), exact=True).click()
    reporter.wait_for_url(f"**/{lang}/sent")
    reference = confirmation_reference(reporter)
    answers = live_server.report(reference)["content"]["answers"]
    assert (answers["age_at_risk"], answers["children_ages"], answers["care_needs"]) == ("under_16", "13 and 15", "no")

    from sqlalchemy import select

    from portal.store.models import Report
    with live_server.app.extensions["sessionmaker"]() as dbs:
        row = dbs.scalar(select(Report).where(Report.reference == reference))
        assert (row.under_16, row.children, row.band, row.adult_at_risk) == (True, True, 1, False)

    officer = make_staff(live_server, "officer", lang, name=f"Safeguarding Officer {lang}", enrolled=True)
    page = new_context(js=js, width=WIDTH, height=800, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, officer)
    page.goto(f"/staff/cases/{reference}")
    assert words("Child safeguarding") in page.locator(".case-header .tags").inner_text()
    prompt = page.locator(".safeguarding-prompt")
    assert prompt.count() == 1 and prompt.is_visible()
    assert words("Someone at risk is under 16: this is child safeguarding. Refer to children's services under the "
                 "safeguarding policy today.") in prompt.inner_text()
    assert page.evaluate("""() => document.querySelector('.safeguarding-prompt').compareDocumentPosition(
        document.querySelector('.case-actions')) & Node.DOCUMENT_POSITION_FOLLOWING""")  # above the work on it
    assert_no_sideways_scrolling(page, WIDTH)

    prompt.get_by_role("link", name=words("Record the referral to children's services"), exact=True).click()
    page.wait_for_url(f"**/staff/cases/{reference}/safeguarding/referral?concern=child")
    assert page.get_by_role("group", name=words("What is the referral about?"), exact=True).get_by_label(
        words("A child"), exact=True).is_checked()
    assert_no_sideways_scrolling(page, WIDTH)
    choose(page, words("Who was it referred to?"), words("Children's services"))
    today = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    page.get_by_label(words("Date it was referred"), exact=True).fill(today)
    what = f"Referred by phone ({lang}); the duty social worker took it, reference CS-{lang}-2291."
    page.get_by_label(words("What was referred?"), exact=True).fill(what)
    page.get_by_role("button", name=words("Record the referral"), exact=True).click()
    page.wait_for_url(f"**/staff/cases/{reference}")
    assert path_of(page) == f"/staff/cases/{reference}"
    assert words("Safeguarding referral recorded. Record its outcome when you hear it.") in flash_text(page)
    assert page.locator(".safeguarding-prompt").count() == 0
    record = page.locator("ul.safeguarding-referrals").inner_text()
    for shown in (words("A child"), words("Children's services"), what, officer.name, words("Outcome awaited.")):
        assert shown in record, shown
    assert_no_sideways_scrolling(page, WIDTH)


@pytest.mark.parametrize("slug", ["you", "someone", "agency", "work"])
def test_the_childrens_ages_show_under_either_yes_and_keep_what_was_typed(new_context, slug):
    """Two answers share one follow-up: "Yes, children live there" and "Yes, children visit" both show it."""
    page = new_context(width=WIDTH, height=800).new_page()
    page.goto(f"/en/tell-us/{slug}")
    ages = page.locator("#children_ages")
    for option in ("#children-0", "#children-1"):
        assert page.get_attribute(option, "aria-controls") == "children-1-follow-up"
    assert not ages.is_visible()
    page.check("#children-0")  # live there
    assert ages.is_visible()
    ages.fill("7 and 12")
    page.check("#children-2")  # no
    assert not ages.is_visible()
    page.check("#children-1")  # visit
    assert ages.is_visible() and ages.input_value() == "7 and 12"
    page.check("#children-0")
    assert ages.is_visible()


# ---- for the staff pages' axe test (test_browser_staff_axe.py) ------------------------------------------------

def flag_for_safeguarding(live_server: Any, reference: str) -> None:
    """Raise every safeguarding flag on a case, so that its page shows all three prompts."""
    from sqlalchemy import update

    from portal.store.models import Report
    with live_server.app.extensions["sessionmaker"]() as dbs, dbs.begin():
        dbs.execute(update(Report).where(Report.reference == reference).values(under_16=True, adult_at_risk=True,
                                                                              exploitation=True, children=True))


def give_referrals(live_server: Any, reference: str, staff_id: int) -> str:
    """Two referrals on a case: one with its outcome, one awaited (whose id is returned, for its outcome page)."""
    from datetime import date, timedelta

    from portal.casework.safeguarding import record_outcome, record_referral
    from portal.intake.reports import find_by_reference
    from portal.store.models import StaffUser

    tz = live_server.app.config["TIMEZONE"]
    with live_server.app.test_request_context("/staff/"), live_server.app.extensions["sessionmaker"]() as dbs:
        report, staff = find_by_reference(dbs, reference), dbs.get(StaffUser, staff_id)
        done = record_referral(dbs, report, staff, concern="exploitation", referred_to="police",
                               referred_on=date.today() - timedelta(days=3), what="Her benefits go to his account.",
                               tz=tz)
        record_outcome(dbs, report, staff, done.id, outcome="strategy", outcome_on=date.today() - timedelta(days=1),
                       note="Strategy meeting on Thursday.", tz=tz)
        return record_referral(dbs, report, staff, concern="exploitation", referred_to="other",
                               other="Hope for Justice", referred_on=date.today(), what="", tz=tz).id
