"""Search, links and restricted cases in the browser, as an officer and a lead work them (issue 16), in English
and Welsh, with JavaScript off at 360 px: a caller's phone number typed another way finds her earlier case; the
case page shows the possible link; the officer links the two as one household; a lead restricts one case to
named staff and it leaves the officer's queue and search; the lead is offered the glass on a case she is not
named on and opens it with a reason. Fields are found by their visible labels, in the page's language."""
from __future__ import annotations

from typing import Any

import pytest
from reporter_steps import LOCALES, page_language, path_of
from staff_steps import lead_signs_in, make_report, make_staff, queue_row, self_report_answers

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]


def words(live_server: Any, lang: str, text: str, **values: Any) -> str:
    return live_server.gettext(lang, text, **values) if values else live_server.gettext(lang, text)


def signed_in_page(new_context: Any, live_server: Any, role: str, lang: str) -> tuple[Any, Any]:
    account = make_staff(live_server, role, lang, enrolled=True)
    page = new_context(js=False, width=360, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, account)
    assert page_language(page) == lang
    return page, account


def search_for(page: Any, live_server: Any, lang: str, query: str) -> list[str]:
    page.click(f".staff-nav a:text-is('{words(live_server, lang, 'Search')}')")
    page.get_by_label(words(live_server, lang, "Reference, name, address, postcode, phone number or email "
                                               "address")).fill(query)
    page.get_by_role("button", name=words(live_server, lang, "Search"), exact=True).click()
    page.wait_for_load_state()
    return [href.rsplit("/", 1)[-1] for href in
            page.locator("#results ~ .table-wrap a").evaluate_all("links => links.map(a => a.getAttribute('href'))")]


@pytest.mark.parametrize("lang", LANGS)
def test_an_officer_finds_links_and_a_lead_restricts_and_breaks_the_glass(new_context, live_server, lang):
    # Values of this test's own (the live server is shared): a house number and a phone number per language.
    house, phone = ("14", "07700 900614") if lang == "en" else ("16", "07700 900616")
    earlier = make_report(live_server, answers={**self_report_answers("Last year he broke the door."),
                                                "address": f"{house} Heol Fawr, CF10 1AA", "your_name": "Siân Morgan",
                                                "phone_call": phone, "phone_text": phone},
                          days_ago=200, language=lang)
    today = make_report(live_server, answers={**self_report_answers("He is back and shouting."),
                                              "address": f"{house} heol fawr  cf101aa", "your_name": f"Siân {house}",
                                              "phone_call": phone, "phone_text": phone},
                        language=lang)
    officer, officer_account = signed_in_page(new_context, live_server, "officer", lang)
    officer.goto(f"/staff/cases/{earlier}")  # the earlier case was opened last year: it is indexed
    # A phone call: she gives her number, written as she says it.
    assert earlier in search_for(officer, live_server, lang, "+44 " + phone[1:])
    officer.goto(f"/staff/cases/{today}")
    links = officer.inner_text(".case-links")
    assert words(live_server, lang, "Possible links") in links and earlier in links
    for one in (("%(num)d other case at this address", "%(num)d other cases at this address"),
                ("%(num)d other case with this phone number", "%(num)d other cases with this phone number")):
        assert live_server.ngettext(lang, *one, 1) % {"num": 1} in links
    officer.click(f".case-links a[href$='/link?other={earlier}']")
    officer.get_by_label(words(live_server, lang, "The same household")).check()
    officer.get_by_role("button", name=words(live_server, lang, "Link the cases")).click()
    officer.wait_for_url(f"**/staff/cases/{today}")
    assert words(live_server, lang, "Linked by staff") in officer.inner_text(".case-links")
    assert words(live_server, lang, "Reported to us before: yes") in officer.inner_text(".case-actions")

    # A lead restricts the earlier case to a colleague: the officer no longer finds it anywhere.
    lead, _ = signed_in_page(new_context, live_server, "lead", lang)
    colleague = make_staff(live_server, "officer", lang, name=f"Nia Named {lang}", enrolled=True)
    lead.goto(f"/staff/cases/{earlier}")
    lead.click(f"a[href='/staff/cases/{earlier}/access']")
    lead.get_by_label(words(live_server, lang, "Only the people named below")).check()
    lead.get_by_label(f"Nia Named {lang}").check()
    lead.get_by_role("button", name=words(live_server, lang, "Save who may see it")).click()
    lead.wait_for_url("**/staff/")  # not among those named: told so, and back to the queue
    assert words(live_server, lang, "Who may see case %(reference)s was saved. You are not among them, so it is no "
                 "longer in your queue.", reference=earlier) in lead.inner_text("main")
    officer.goto("/staff/")
    assert queue_row(officer, earlier).count() == 0
    assert earlier not in search_for(officer, live_server, lang, "+44 " + phone[1:])
    assert officer.goto(f"/staff/cases/{earlier}").status == 404
    officer.goto(f"/staff/cases/{today}")
    assert earlier not in officer.inner_text(".case-links")
    # The lead is not named either: the glass, with a reason.
    assert lead.goto(f"/staff/cases/{earlier}").status == 403
    lead.get_by_role("button", name=words(live_server, lang, "Open the case")).click()
    assert words(live_server, lang, "Say why you need to open this restricted case") in lead.inner_text(
        ".error-summary")
    lead.get_by_label(words(live_server, lang, "Why do you need to open this case?")).fill(
        "The police asked us to check on her today")
    lead.get_by_role("button", name=words(live_server, lang, "Open the case")).click()
    lead.wait_for_url(f"**/staff/cases/{earlier}")
    assert path_of(lead) == f"/staff/cases/{earlier}"
    assert "The police asked us to check on her today" in lead.inner_text("main")
    assert colleague.id and officer_account.id
