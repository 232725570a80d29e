"""Monitoring after closure and routing, in the browser, in English and Welsh, JavaScript off: an officer closes a
case and keeps an eye on it (a check-in due today), opens the check-in from the case, confirms it is safe to contact
them, records it, and monitoring ends; an officer who has not said they are a woman claims a case whose person asked
to speak to a woman: a page asks why first, and the reason is kept on the case. Fields by their visible labels."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reporter_steps import LOCALES, page_language
from staff_steps import flash_text, lead_signs_in, make_report, make_staff, queue_row

pytestmark = pytest.mark.browser

LANGS = ["en", "cy"]


def text_only_answers(story: str, **more: Any) -> dict[str, Any]:
    """Texts at any time: a check-in is not held up by the day the test runs."""
    return {"story": story, "danger_now": "no", "children": "no", "contact_methods": ["text"],
            "phone_text": "07700 900983", **more}


def closed_with_checkin(live_server: Any, owner: Any) -> tuple[str, str]:
    """A closed case, monitored, with a check-in due today (as the closing page would set it). Returns
    (reference, check-in id)."""
    from sqlalchemy import select

    from portal.casework.cases import close
    from portal.casework.monitoring import set_monitoring
    from portal.store.models import Report, StaffUser

    reference = make_report(live_server, answers=text_only_answers("Monitored after closing."), owner=owner)
    app = live_server.app
    with app.test_request_context("/staff/"), app.extensions["sessionmaker"]() as dbs:
        report = dbs.scalar(select(Report).where(Report.reference == reference))
        staff = dbs.get(StaffUser, owner.id)
        close(dbs, report, staff, "duplicate")
        today = datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()
        (row,) = set_monitoring(dbs, report, staff, [today])
        return reference, row.id


def signed_in_page(new_context: Any, live_server: Any, role: str, lang: str) -> Any:
    account = make_staff(live_server, role, lang, enrolled=True)
    page = new_context(js=False, width=360, locale=LOCALES[lang]).new_page()
    lead_signs_in(page, account)
    assert page_language(page) == lang
    return page, account


@pytest.mark.parametrize("lang", LANGS)
def test_an_officer_closes_with_monitoring_and_records_the_check_in(new_context, live_server, lang):
    def say(text: str, **values: Any) -> str:
        return live_server.gettext(lang, text, **values)

    page, officer = signed_in_page(new_context, live_server, "officer", lang)
    reference = make_report(live_server, answers=text_only_answers("He is back in the area."), owner=officer,
                            language=lang)
    today = datetime.now(ZoneInfo(live_server.app.config["TIMEZONE"])).date().isoformat()
    page.goto(f"/staff/cases/{reference}")
    page.get_by_role("link", name=say("Change status or close")).click()
    page.get_by_label(say("Closed"), exact=True).check()
    page.get_by_label(say("Duplicate of another report"), exact=True).check()
    page.get_by_label(say("Yes: set check-ins after closing"), exact=True).check()
    page.get_by_label(say("First check-in")).fill(today)
    page.get_by_label(say("Second check-in")).fill("")
    page.get_by_role("button", name=say("Save"), exact=True).click()
    assert say("Case closed. Check-ins are set for after closing.") in flash_text(page)
    assert say("Keeping an eye on the case after closing") in page.inner_text("main")

    page.locator(f"main a[href^='/staff/cases/{reference}/checkins/']").click()
    main = page.inner_text("main")
    assert main.index(say("Safe-contact profile")) < main.index(say("Is it safe to contact them now?"))
    # Recording a contact without confirming it is safe: refused, nothing lost.
    page.get_by_label(say("We spoke to them: no new concern")).check()
    page.get_by_label(say("Text message"), exact=True).check()
    page.get_by_label(say("Notes (optional)")).fill("She is safe; the locks are holding.")
    page.get_by_role("button", name=say("Record the check-in")).click()
    assert say("Confirm it is safe to contact them now, or record that you checked the records only") in \
        page.inner_text(".error-summary")
    assert page.get_by_label(say("Notes (optional)")).input_value() == "She is safe; the locks are holding."
    page.get_by_label(say("I have checked their current safe-contact profile and the linked cases: it is safe to "
                          "contact them now")).check()
    page.get_by_role("button", name=say("Record the check-in")).click()
    assert say("Check-in recorded. That was the last one: monitoring has ended.") in flash_text(page)
    assert "She is safe; the locks are holding." in page.inner_text("main")


@pytest.mark.parametrize("lang", LANGS)
def test_claiming_a_case_that_asked_for_a_woman_asks_why(new_context, live_server, lang):
    def say(text: str, **values: Any) -> str:
        return live_server.gettext(lang, text, **values)

    reference = make_report(live_server, answers=text_only_answers("Please, a woman.", staff_sex="woman"),
                            danger_now=True, days_ago=60, language=lang)
    page, _officer = signed_in_page(new_context, live_server, "officer", lang)
    page.goto("/staff/?owner=none&flag=danger")
    queue_row(page, reference).locator("button[formaction$='/claim']").click()
    assert page.locator("h1").inner_text() == say("This case does not match what the person asked for")
    assert say("They asked to speak to a woman. You have not said on your account that you are a woman.") in \
        page.inner_text("main")
    page.get_by_role("button", name=say("Claim it anyway")).click()  # no reason: asked again
    assert say("Say why the case goes to someone who does not match what the person asked for") in \
        page.inner_text(".error-summary")
    page.get_by_label(say("Why are you taking this case anyway?")).fill("The only officer on shift tonight.")
    page.get_by_role("button", name=say("Claim it anyway")).click()
    assert say("You have claimed %(reference)s.", reference=reference) in flash_text(page)
    page.goto(f"/staff/cases/{reference}")
    assert "The only officer on shift tonight." in page.inner_text("main")
