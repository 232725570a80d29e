"""Actions are tasks (issue 18), the pages: recording an action with an owner and a due date shows its task near
the top of the case (after the safe-contact profile), an overdue one said so in words; the case page's buttons and
the task's own page change its state, owner and due date with JavaScript off; refused changes come back as errors;
the new offers (the safety plan's parts sealed) and no perpetrator action on the form; a lead's targets page."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.store.followup_models import CaseTask
from tests.staff_helpers import (
    add_staff,
    csrf_from,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    set_report,
    signed_in,
)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


@pytest.fixture
def reference(app, officer):  # type: ignore[no-untyped-def]
    reference = send_report(new_client(app))
    set_report(app, reference, owner_id=officer[1].id)
    return reference


def tasks(app) -> list[CaseTask]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(CaseTask).order_by(CaseTask.id)))


def errors(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'class="error-message"><span class="visually-hidden">[^<]*</span>([^<]+)<',
                                          html)]


def action(client, reference: str, **data):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/action", data)


def test_an_action_with_an_owner_and_due_date_shows_as_a_task_after_the_profile(app, officer, reference):
    client, account = officer
    colleague = add_staff(app, "officer", name="Carys Colleague")
    due = (date.today() + timedelta(days=14)).isoformat()
    form = html_of(client.get(f"/staff/cases/{reference}/action"))
    assert f'value="{account.id}" checked' in form  # the case owner by default
    assert 'value="perpetrator"' not in form and 'value="safety_plan"' in form
    assert action(client, reference, kind="security", measures=["locks"], owner=str(colleague.id),
                  due_on=due, done="planned").status_code == 303
    (task,) = tasks(app)
    assert (task.kind, task.owner_id, task.due_on.isoformat(), task.state) == ("security", colleague.id, due,
                                                                                "planned")
    html = html_of(client.get(f"/staff/cases/{reference}"))
    tasks_at, profile_at = html.index('id="tasks-title"'), html.index('id="profile-title"')
    assert profile_at < tasks_at < html.index("The report")
    section = html[tasks_at:html.index("</section>", tasks_at)]
    assert "Security measures for the home" in section and "Carys Colleague" in section
    assert "Overdue" not in section and "Planned" in section


def test_an_overdue_task_says_so_in_words_and_buttons_change_its_state(app, officer, reference):
    client, _account = officer
    action(client, reference, kind="referral", referral_to="homelessness")
    (task,) = tasks(app)
    with dbs(app) as s, s.begin():
        s.get(CaseTask, task.id).due_on = date.today() - timedelta(days=3)
    page = client.get(f"/staff/cases/{reference}")
    html = html_of(page)
    section = html[html.index('id="tasks-title"'):]
    assert "Referral: Local authority homelessness team" in section
    assert '<strong class="overdue-label">Overdue</strong>' in section
    url = f"/staff/cases/{reference}/tasks/{task.id}/state"
    assert client.post(url, data={"csrf_token": csrf_from(page), "state": "in_progress"}).status_code == 303
    assert client.post(url, data={"csrf_token": csrf_from(page), "state": "done"}).status_code == 303
    assert tasks(app)[0].state == "done" and tasks(app)[0].done_on == date.today()
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Finished tasks" in html and "Overdue" not in html[html.index('id="tasks-title"'):]
    refused = client.post(url, data={"csrf_token": csrf_from(page), "state": "not_needed"})  # finished
    assert refused.status_code == 400 and errors(html_of(refused)) == [
        "This task is finished: reopen it first if it was not done after all"]
    assert client.post(url, data={"csrf_token": csrf_from(page), "state": "reopen"}).status_code == 303
    assert tasks(app)[0].state == "planned"


def test_the_task_page_changes_owner_and_due_date_and_refuses_a_past_date(app, officer, reference):
    client, account = officer
    lead = add_staff(app, "lead", name="Lowri Lead")
    action(client, reference, kind="safe_phone")
    (task,) = tasks(app)
    page_url = f"/staff/cases/{reference}/tasks/{task.id}"
    page = html_of(client.get(page_url))
    assert "<h1>Safe phone</h1>" in page and "Lowri Lead" in page
    assert post_form(client, f"{page_url}/owner", {"owner": str(lead.id)}, token_from=page_url).status_code == 303
    later = (date.today() + timedelta(days=20)).isoformat()
    assert post_form(client, f"{page_url}/due", {"due_on": later}, token_from=page_url).status_code == 303
    assert (tasks(app)[0].owner_id, tasks(app)[0].due_on.isoformat()) == (lead.id, later)
    past = post_form(client, f"{page_url}/due", {"due_on": "2020-01-06"}, token_from=page_url)
    assert past.status_code == 400 and errors(html_of(past)) == ["The due date must be today or later"]
    assert later in html_of(past) or tasks(app)[0].due_on.isoformat() == later
    nobody = post_form(client, f"{page_url}/owner", {"owner": "999999"}, token_from=page_url)
    assert nobody.status_code == 400
    assert tasks(app)[0].owner_id == lead.id
    assert client.get(f"/staff/cases/{reference}/tasks/{task.id + 100}").status_code == 404
    other = send_report(new_client(app))
    assert client.get(f"/staff/cases/{other}/tasks/{task.id}").status_code == 404  # not this case's task


def test_the_safety_plan_is_structured_and_sealed(app, officer, reference, instance):
    client, _account = officer
    empty = action(client, reference, kind="safety_plan")
    assert empty.status_code == 400 and "Enter at least one part of the safety plan" in errors(html_of(empty))
    assert action(client, reference, kind="safety_plan", plan_contacts="Ring Quenbury on 999",
                  plan_places="Aunt in Zelminster", plan_bag="Passport by the Frobnitz door",
                  plan_tech="Location sharing off", done="done").status_code == 303
    (task,) = tasks(app)
    assert (task.kind, task.state, task.done_on) == ("safety_plan", "done", date.today())
    raw = b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    assert b"Quenbury" not in raw and b"Zelminster" not in raw
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Who to call" in html and "Ring Quenbury on 999" in html and "Aunt in Zelminster" in html
    assert "Children&#39;s plan" not in html[html.index("Ring Quenbury"):]  # a part left empty is not shown
    # The printed summary leaves the plan's parts out unless the officer chooses to print them.
    printed = html_of(client.get(f"/staff/cases/{reference}/print"))
    assert "Aunt in Zelminster" not in printed and "What the safety plan says is not on this paper." in printed
    chosen = html_of(client.get(f"/staff/cases/{reference}/print?chosen=1&part=actions&part=safety_plan"))
    assert "Aunt in Zelminster" in chosen


def test_an_urgent_repair_is_due_the_next_working_day_and_a_repair_needs_its_urgency(app, officer, reference):
    client, _account = officer
    missing = action(client, reference, kind="repairs")
    assert missing.status_code == 400 and errors(html_of(missing)) == ["Select how urgent the repair is"]
    assert action(client, reference, kind="repairs", urgency="urgent").status_code == 303
    (task,) = tasks(app)
    assert (task.kind, task.target_days) == ("repairs.urgent", 1)
    assert report_row(app, reference).owner_id is not None


def test_a_lead_sets_the_targets_on_their_own_page(app):
    client, _lead = signed_in(app, "lead")
    assert "/staff/settings/tasks" in html_of(client.get("/staff/settings"))
    page = html_of(client.get("/staff/settings/tasks"))
    assert 'name="security" type="text" value="2"' in page and 'name="repairs_urgent" type="text" value="1"' in page
    values = dict(re.findall(r'name="([a-z_]+)" type="text" value="(\d+)"', page))
    bad = post_form(client, "/staff/settings/tasks", {**values, "security": "99"})
    assert bad.status_code == 400 and "Enter a whole number of working days from 0 to 60" in errors(html_of(bad))
    assert post_form(client, "/staff/settings/tasks", {**values, "security": "3"}).status_code == 303
    assert 'name="security" type="text" value="3"' in html_of(client.get("/staff/settings/tasks"))
    officer, _ = signed_in(app, "officer")
    assert officer.get("/staff/settings/tasks").status_code == 403


def test_the_case_asks_for_the_measures_to_be_revisited_once_the_risk_is_high(app, officer, reference):
    from tests.staff_helpers import record_assessment

    client, _account = officer
    action(client, reference, kind="security", measures=["locks"], done="done")
    (task,) = tasks(app)
    with dbs(app) as s, s.begin():
        s.get(CaseTask, task.id).done_on = date.today() - timedelta(days=7)
    assert "revisit-measures" not in html_of(client.get(f"/staff/cases/{reference}"))
    record_assessment(app, reference, level="high")
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "revisit them with the person" in html[html.index('id="tasks-title"'):]
