"""Costs (issue 19): an optional cost on each action's task, recorded in pounds on the task's page at any state,
audited; the indicators total them by kind for tasks done in the period, a total hidden when few are behind it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.casework.indicators import compute
from portal.casework.periods import Period
from portal.staff.forms_tasks import pence_of
from portal.store.followup_models import CaseTask
from tests.staff_helpers import audit_events, dbs, html_of, new_client, post_form, send_report, set_report, signed_in


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def a_task(app, owner_id: int, kind: str = "security", *, done_on: date | None = None) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    reference = send_report(new_client(app))
    set_report(app, reference, contacted=True, owner_id=owner_id, status="case_open",
               first_contact_at=datetime.now(timezone.utc))
    with dbs(app) as s:
        from portal.store.models import Report
        report = s.scalar(select(Report).where(Report.reference == reference))
        task = CaseTask(report_id=report.id, kind=kind, created_at=datetime.now(timezone.utc), owner_id=owner_id,
                        due_on=date.today() + timedelta(days=2), target_days=2,
                        state="done" if done_on else "planned", done_on=done_on)
        s.add(task)
        s.commit()
        return reference, task.id


@pytest.mark.parametrize(("typed", "pence"), [("85", 8500), ("£85.50", 8550), (" 1,200.05 ", 120005), ("", None),
                                              ("0", 0)])
def test_amounts_in_pounds_are_read_as_pence(typed, pence):
    assert pence_of(typed) == pence


@pytest.mark.parametrize("typed", ["-5", "85.505", "eighty", "1e3", "NaN", "2000000"])
def test_what_is_not_an_amount_is_refused(typed):
    with pytest.raises(ValueError):
        pence_of(typed)


def test_a_cost_is_recorded_on_the_task_page_kept_on_an_error_and_audited(app):
    officer, account = signed_in(app, "officer")
    reference, task_id = a_task(app, account.id)
    page = f"/staff/cases/{reference}/tasks/{task_id}"
    response = post_form(officer, f"{page}/cost", {"cost": "eighty-five"}, token_from=page)
    assert response.status_code == 400 and "Enter the cost in pounds, like 85 or 85.50" in html_of(response)
    assert 'value="eighty-five"' in html_of(response)  # what was typed stays
    assert post_form(officer, f"{page}/cost", {"cost": "£85.50"}, token_from=page).status_code == 303
    html = html_of(officer.get(page))
    assert "£85.50" in html and 'value="85.50"' in html
    with dbs(app) as s:
        assert s.get(CaseTask, task_id).cost_pence == 8550
    assert post_form(officer, f"{page}/cost", {"cost": ""}, token_from=page).status_code == 303  # cleared
    assert [e.detail for e in audit_events(app, "case.task_cost")] == [f"{task_id} security cost_set",
                                                                       f"{task_id} security cost_cleared"]


def test_the_indicators_total_costs_by_kind_and_hide_a_total_few_are_behind(app):
    _officer, account = signed_in(app, "officer")
    day = date.today()
    for kind, pence in (("security", 8550), ("security", 12000), ("security", 4500), ("repairs.urgent", 30000)):
        _reference, task_id = a_task(app, account.id, kind, done_on=day)
        with dbs(app) as s:
            s.get(CaseTask, task_id).cost_pence = pence
            s.commit()
    a_task(app, account.id, "security", done_on=day)  # done, no cost recorded: not in the totals
    period = Period("custom", day - timedelta(days=1), day + timedelta(days=1))
    with dbs(app) as s:
        exact = compute(s, period, now=datetime.now(timezone.utc), threshold=1, nation="wales",
                        tz="Europe/London").followup
        hidden = compute(s, period, now=datetime.now(timezone.utc), threshold=2, nation="wales",
                         tz="Europe/London").followup
    assert exact is not None and hidden is not None
    assert (exact.costed["security"].value, exact.cost_pounds["security"]) == (3, 250.5)
    assert (exact.costed["repairs"].value, exact.cost_pounds["repairs"]) == (1, 300.0)
    assert hidden.cost_pounds["security"] == 250.5 and hidden.cost_pounds["repairs"] is None  # one: not shown
    lead, _ = signed_in(app, "lead")
    html = html_of(lead.get(f"/staff/indicators?period=custom&from={period.first}&to={period.last}"))
    assert "£250.50" in html and "£300.00" in html
