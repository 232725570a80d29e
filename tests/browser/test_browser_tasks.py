"""Actions are tasks, end to end (issue 18): an officer records security measures for the home with a colleague as
its owner and a due date, sees the task near the top of the case (after the safe-contact profile) with its owner,
due date and state, and marks it done with the task's own button; it moves to the finished tasks. In English and
in Welsh, JavaScript off, fields found by their visible labels."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from reporter_steps import path_of
from staff_steps import flash_text, lead_signs_in, make_report, make_staff
from test_browser_intake import Words, choose

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_an_officer_records_an_action_as_a_task_and_marks_it_done(new_context, live_server, lang):
    words = Words(live_server, lang)
    tag = uuid.uuid4().hex[:6]
    officer = make_staff(live_server, "officer", lang, name=f"Tasks Officer {tag}", enrolled=True)
    colleague = make_staff(live_server, "officer", lang, name=f"Tasks Colleague {tag}", enrolled=True)
    reference = make_report(live_server, owner=officer, language=lang)
    page = new_context(js=False, width=1024, height=800).new_page()
    lead_signs_in(page, officer)
    page.goto(f"/staff/cases/{reference}")
    assert words("No tasks yet. Record an action to give it an owner and a due date.") in page.inner_text(
        "#tasks-title + p")
    page.get_by_role("link", name=words("Record an action"), exact=True).click()
    page.wait_for_url(f"**/staff/cases/{reference}/action")
    choose(page, words("Action"), words("Security measures for the home"))
    choose(page, words("Which security measures?"), words("New or stronger locks"))
    assert page.get_by_role("group", name=words("Who will do it?"), exact=True).get_by_label(
        officer.name, exact=True).is_checked()  # the case owner, unless the officer chooses someone else
    choose(page, words("Who will do it?"), colleague.name)
    due = date.today() + timedelta(days=10)
    page.get_by_label(words("Due by (optional)"), exact=True).fill(due.isoformat())
    page.get_by_role("button", name=words("Save"), exact=True).click()
    page.wait_for_url(f"**/staff/cases/{reference}")
    assert words("Action recorded.") in flash_text(page)

    tasks = page.locator("section[aria-labelledby='tasks-title']")
    kind = words("Security measures for the home")
    shown = tasks.inner_text()
    for text in (kind, colleague.name, words("Planned")):
        assert text in shown, text
    assert words("Overdue") not in shown
    assert page.evaluate("""() => document.querySelector('#profile-title').compareDocumentPosition(
        document.querySelector('#tasks-title')) & Node.DOCUMENT_POSITION_FOLLOWING""")  # the profile stays first
    tasks.get_by_role("button", name=words("%(kind)s: %(move)s", kind=kind, move=words("Done")), exact=True).click()
    page.wait_for_url(f"**/staff/cases/{reference}")
    assert path_of(page) == f"/staff/cases/{reference}"
    assert words("Task updated: %(kind)s (%(state)s).", kind=kind, state=words("Done")) in flash_text(page)
    finished = tasks.inner_text()
    assert words("Finished tasks") in finished and kind in finished
    assert tasks.locator("button").count() == 0  # nothing left to change from the case page


# ---- for the staff pages' axe test (test_browser_staff_axe.py) ------------------------------------------------

def task_of(live_server: Any, reference: str) -> int:
    """The id of a case's first task (fill_case_record's security action)."""
    from sqlalchemy import select

    from portal.store.followup_models import CaseTask
    from portal.store.models import Report
    with live_server.app.extensions["sessionmaker"]() as dbs:
        report_id = dbs.scalar(select(Report.id).where(Report.reference == reference))
        return int(dbs.scalar(select(CaseTask.id).where(CaseTask.report_id == report_id).order_by(CaseTask.id)))
