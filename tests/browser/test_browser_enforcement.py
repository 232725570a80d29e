"""Action against a perpetrator, end to end with JavaScript off (issue 18; MHA 4.3.2, 4.3.3, 8.4): an officer
records the perpetrator from the case page and starts a warning with the victim's view and the safety plan; a lead
does the proportionality review, then gives a colleague the permission to authorise on the team page; that
authoriser finds the action through the queue's link and authorises it. In English and in Welsh, finding every
field by its visible label.
"""
from __future__ import annotations

from typing import Any

import pytest
from reporter_steps import LOCALES, path_of
from staff_steps import flash_text, lead_signs_in, make_report, make_staff
from test_browser_intake import Words, choose

pytestmark = pytest.mark.browser


def staff_page(new_context: Any, lang: str, account: Any) -> Any:
    page = new_context(js=False, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, account)
    return page


def submit(page: Any, words: Words, button: str) -> None:
    page.get_by_role("button", name=words(button), exact=True).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_an_officer_starts_a_warning_a_lead_reviews_and_an_authoriser_authorises(new_context, live_server, lang):
    words = Words(live_server, lang)
    officer = make_staff(live_server, "officer", lang, name=f"Enforcement Officer {lang}", enrolled=True)
    lead = make_staff(live_server, "lead", lang, name=f"Enforcement Lead {lang}", enrolled=True)
    authoriser = make_staff(live_server, "lead", lang, name=f"Head of Neighbourhoods {lang}", enrolled=True)
    reference = make_report(live_server, owner=officer, days_ago=1)
    case = f"/staff/cases/{reference}"
    relationship = f"Ex-partner ({lang})"
    view = f"She wants him warned in writing ({lang}); she fears he will turn up at the door."
    plan = f"Police marker on the address, and she stays with her sister that week ({lang})."

    page = staff_page(new_context, lang, officer)
    page.goto(case)
    page.get_by_role("link", name=words("Record the perpetrator"), exact=True).click()
    page.get_by_label(words("Who are they to the person at risk?"), exact=True).fill(relationship)
    choose(page, words("Are they a tenant or contract holder?"),
           words("A joint tenant or joint contract holder with the person at risk"))
    submit(page, words, "Save the perpetrator record")
    assert path_of(page) == case and words("Perpetrator record saved.") in flash_text(page)
    assert relationship in page.locator("section.perpetrators").inner_text()
    page.get_by_role("link", name=words("Start action against the perpetrator"), exact=True).click()
    choose(page, words("What action?"), words("A warning"))
    page.get_by_label(words("What the person at risk wants, and the repercussions they fear"), exact=True).fill(view)
    page.get_by_label(words("The safety plan for this action: how the risk will be managed"), exact=True).fill(plan)
    submit(page, words, "Record the action")
    assert words("Action recorded. The proportionality review is next.") in flash_text(page)
    record = page.locator("ul.enforcement-actions").inner_text()
    assert view in record and words("Waiting for the proportionality review") in record

    page = staff_page(new_context, lang, lead)
    page.goto(case)
    page.get_by_role("link", name=words("Do the proportionality review"), exact=True).click()
    assert view in page.locator("main").inner_text()
    page.get_by_label(words("The options considered to avoid legal action"), exact=True).fill(
        "An acceptable behaviour contract was offered and refused.")
    page.get_by_label(words("The pre-court protocol"), exact=True).fill("A warning comes before any claim.")
    submit(page, words, "Record the proportionality review")
    assert words("Proportionality review recorded. An authoriser decides next.") in flash_text(page)
    page.goto(f"/staff/team/{authoriser.id}")
    submit(page, words, "Give the permission to authorise")
    assert words("They may now authorise action against a perpetrator.") in flash_text(page)

    page = staff_page(new_context, lang, authoriser)
    page.goto("/staff/")
    page.locator("p.enforcement-awaiting a").click()
    assert path_of(page) == "/staff/enforcement/awaiting"
    page.get_by_role("link", name=reference, exact=True).click()
    assert "/decision" in path_of(page) and plan in page.locator("main").inner_text()
    choose(page, words("Your decision"), words("Authorise the action"))
    page.get_by_label(words("I have checked that the proportionality review and the pre-court protocol were "
                            "considered"), exact=True).check()
    submit(page, words, "Record the decision")
    assert path_of(page) == case and words("Action authorised.") in flash_text(page)
    record = page.locator("ul.enforcement-actions").inner_text()
    assert words("Authorised") in record and authoriser.name in record


# ---- for the staff pages' axe test (test_browser_staff_axe.py) ------------------------------------------------

def give_enforcement(live_server: Any, reference: str, officer_id: int) -> tuple[str, str, str]:
    """A joint perpetrator on the case, on the Restricted Access List, with two warnings: one at its proportionality
    review, one waiting for a decision. Returns (perpetrator id, the reviewed one's id, the waiting one's id)."""
    from datetime import date, timedelta

    from portal.casework import enforcement as en
    from portal.casework import perpetrators as pp
    from portal.intake.reports import find_by_reference
    from portal.store.models import StaffUser

    tz = live_server.app.config["TIMEZONE"]
    with live_server.app.test_request_context("/staff/"), live_server.app.extensions["sessionmaker"]() as dbs:
        report, staff = find_by_reference(dbs, reference), dbs.get(StaffUser, officer_id)
        perpetrator = pp.save_perpetrator(dbs, report, staff, name="", relationship="Husband", tenure="joint")
        pp.set_restricted_access(dbs, report, staff, perpetrator, on=True, reason="Threats to the caretaker",
                                 review_on=date.today() + timedelta(days=90), tz=tz)
        at_review = en.start(dbs, report, staff, perpetrator, kind="warning", victim_view="She agrees.",
                             safety_plan="Panic alarm fitted.")
        waiting = en.start(dbs, report, staff, perpetrator, kind="injunction", victim_view="She wants it.",
                           safety_plan="Police marker.", exemption=True, incident="He hit the caretaker.")
        return perpetrator.id, at_review.id, waiting.id


def make_authoriser(live_server: Any, staff_id: int) -> None:
    from portal.store.models import StaffUser
    with live_server.app.extensions["sessionmaker"]() as dbs, dbs.begin():
        dbs.get(StaffUser, staff_id).can_authorise = True
