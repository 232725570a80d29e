"""Closing with care, in the browser (issue 17), in English and Welsh, JavaScript off, at 360 px: an officer tries to
close a high-risk case with no MARAC referral as "not domestic abuse"; the page lists what is open and asks why;
saved with a reason, it waits for a lead; the lead finds it from the queue, reads the reason and signs it off, and
the case closes. Fields are found by their visible labels, in the page's language."""
from __future__ import annotations

from typing import Any

import pytest
from reporter_steps import LOCALES, page_language
from staff_steps import flash_text, lead_signs_in, make_report, make_staff, self_report_answers

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]


def words(live_server: Any, lang: str, text: str, **values: Any) -> str:
    return live_server.gettext(lang, text, **values)


def signed_in_page(new_context: Any, live_server: Any, role: str, lang: str) -> Any:
    account = make_staff(live_server, role, lang, enrolled=True)
    page = new_context(js=False, width=360, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, account)
    assert page_language(page) == lang
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_a_high_risk_case_closes_only_with_a_reason_and_a_leads_sign_off(new_context, live_server, lang):
    # An IDVA's referral with a DASH of 17: high risk on arrival.
    answers = {**self_report_answers("He has threatened to kill her."), "org_name": "IDVA service",
               "worker_name": "Rhian", "work_phone": "029 2000 0000", "their_name": "Ann", "dash_done": "yes",
               "dash_score": 17}
    reference = make_report(live_server, kind="agency", answers=answers, language=lang)
    say = {text: words(live_server, lang, text) for text in (
        "Change status or close", "Closed", "Not domestic abuse", "Save", "Why close it now, with this still open?",
        "The case is high risk and no MARAC referral has been recorded.",
        "Say why the case should close with this still open",
        "Sent to a team lead to sign off. The case stays open until a lead signs it off.",
        "Show them", "Sign it off: close the case", "Closure signed off: the case is closed.")}

    officer = signed_in_page(new_context, live_server, "officer", lang)
    officer.goto(f"/staff/cases/{reference}")
    officer.get_by_role("link", name=say["Change status or close"]).click()
    assert say["The case is high risk and no MARAC referral has been recorded."] in officer.inner_text("main")
    officer.get_by_label(say["Closed"], exact=True).check()
    officer.get_by_label(say["Not domestic abuse"], exact=True).check()
    officer.get_by_role("button", name=say["Save"], exact=True).click()
    assert say["Say why the case should close with this still open"] in officer.inner_text(".error-summary")
    assert officer.get_by_label(say["Not domestic abuse"], exact=True).is_checked()  # nothing lost
    officer.get_by_label(say["Why close it now, with this still open?"]).fill("She says it was a film plot.")
    officer.get_by_role("button", name=say["Save"], exact=True).click()
    assert say["Sent to a team lead to sign off. The case stays open until a lead signs it off."] in flash_text(officer)
    overflow = officer.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 360, f"the case page is {overflow} px wide at 360 px"

    lead = signed_in_page(new_context, live_server, "lead", lang)
    lead.goto("/staff/")
    lead.locator(".closures-waiting").get_by_role("link", name=say["Show them"]).click()
    lead.get_by_role("link", name=reference).click()
    assert "She says it was a film plot." in lead.inner_text("main")
    lead.get_by_label(say["Sign it off: close the case"]).check()
    lead.get_by_role("button", name=say["Save"], exact=True).click()
    assert say["Closure signed off: the case is closed."] in flash_text(lead)
    assert words(live_server, lang, "Reopen the case") in lead.inner_text("main")
