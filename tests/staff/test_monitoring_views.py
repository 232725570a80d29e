"""Monitoring after closure and routing on the staff pages: closing with check-in dates (also through a lead's
sign-off), the check-in page (profile and linked cases first; refusals come back with everything typed), skipping
with a reason, the case page; the routing reason on claim and bulk assign; one's own routing details."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.store.followup_models import MonitorCheckin
from portal.store.models import CaseEntry, StaffUser
from tests.staff_helpers import (
    SAFE_TEXT,
    STORY,
    audit_events,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    set_report,
    signed_in,
    staff_row,
)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def local_today(app) -> date:  # type: ignore[no-untyped-def]
    return datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()


def new_case(app, **answers: str) -> str:  # type: ignore[no-untyped-def]
    return send_report(new_client(app), {**SAFE_TEXT, "story": STORY, **answers})


def checkins_of(app, reference: str) -> list[MonitorCheckin]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(MonitorCheckin).where(MonitorCheckin.report_id == report_row(app, reference).id)
                              .order_by(MonitorCheckin.due_on)))


def close_with(client, reference: str, **data: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/status",
                     {"status": "closed", "close_reason": "duplicate", **data})


def test_closing_offers_monitoring_with_default_dates_and_keeps_them(app):
    officer, _ = signed_in(app, "officer")
    reference = new_case(app)
    page = html_of(officer.get(f"/staff/cases/{reference}/status"))
    today = local_today(app)
    assert "Keep an eye on this case after closing?" in page
    assert (today + timedelta(days=28)).isoformat() in page and (today + timedelta(days=91)).isoformat() in page
    # Closing without monitoring: nothing set.
    other = new_case(app)
    assert close_with(officer, other, monitor="no").status_code == 303
    assert checkins_of(app, other) == [] and report_row(app, other).monitor_until is None
    # A bad date comes back with everything typed.
    response = close_with(officer, reference, monitor="yes", checkin_1="2001-01-01")
    assert response.status_code == 400 and "Enter at least one check-in date" in html_of(response)
    assert report_row(app, reference).is_open
    first, second = today + timedelta(days=7), today + timedelta(days=30)
    assert close_with(officer, reference, monitor="yes", checkin_1=first.isoformat(),
                      checkin_2=second.isoformat()).status_code == 303
    assert [c.due_on for c in checkins_of(app, reference)] == [first, second]
    assert report_row(app, reference).monitor_until == second
    case_page = html_of(officer.get(f"/staff/cases/{reference}"))
    assert case_page.index("Safe-contact profile") < case_page.index("Keeping an eye on the case after closing")
    assert "Do the check-in due on" in case_page and "Change the check-in dates" in case_page


def test_monitoring_chosen_before_a_leads_sign_off_applies_when_it_closes(app):
    officer, _ = signed_in(app, "officer")
    reference = new_case(app)
    day = local_today(app) + timedelta(days=14)
    response = post_form(officer, f"/staff/cases/{reference}/status",
                         {"status": "closed", "close_reason": "declined", "why": "They asked us to stop.",
                          "monitor": "yes", "checkin_1": day.isoformat()})
    assert response.status_code == 303 and report_row(app, reference).is_open
    assert checkins_of(app, reference) == []
    lead, _ = signed_in(app, "lead")
    assert post_form(lead, f"/staff/cases/{reference}/closure", {"decision": "approve"}).status_code == 303
    assert not report_row(app, reference).is_open
    assert [c.due_on for c in checkins_of(app, reference)] == [day]


def test_the_check_in_page_gates_contact_on_safety(app):
    officer, _ = signed_in(app, "officer")
    reference = new_case(app)
    set_report(app, reference, contacted=True)
    close_with(officer, reference, monitor="yes", checkin_1=local_today(app).isoformat())
    (row,) = checkins_of(app, reference)
    url = f"/staff/cases/{reference}/checkins/{row.id}"
    page = html_of(officer.get(url))
    assert page.index("Safe-contact profile") < page.index("Is it safe to contact them now?")
    assert "No case linked to this one is open." in page and "Text message" in page
    response = post_form(officer, url, {"outcome": "well", "method": "person:text", "notes": "Doing fine."})
    assert response.status_code == 400
    assert "Confirm it is safe to contact them now" in html_of(response) and "Doing fine." in html_of(response)
    response = post_form(officer, url, {"safe_checked": "y", "outcome": "well"})
    assert response.status_code == 400 and "Select which of their safe ways you used" in html_of(response)
    assert post_form(officer, url, {"safe_checked": "y", "outcome": "well", "method": "person:call"}
                     ).status_code == 400  # not one of their safe ways (a tampered form)
    assert checkins_of(app, reference)[0].state == "due"
    response = post_form(officer, url, {"safe_checked": "y", "outcome": "well", "method": "person:text",
                                        "notes": "Doing fine."})
    assert response.status_code == 303
    assert checkins_of(app, reference)[0].state == "done" and report_row(app, reference).monitor_until is None
    case_page = html_of(officer.get(f"/staff/cases/{reference}"))
    assert "Monitoring ended on" in case_page and "Doing fine." in case_page


def test_skipping_needs_a_reason(app):
    officer, _ = signed_in(app, "officer", language="cy")
    reference = new_case(app)
    close_with(officer, reference, monitor="yes", checkin_1=local_today(app).isoformat())
    (row,) = checkins_of(app, reference)
    url = f"/staff/cases/{reference}/checkins/{row.id}"
    response = post_form(officer, url + "/skip", {"skip_reason": ""}, token_from=url)
    assert response.status_code == 400 and "Gwall:" in html_of(response)
    assert checkins_of(app, reference)[0].state == "due"
    response = post_form(officer, url + "/skip", {"skip_reason": "He is back."}, token_from=url)
    assert response.status_code == 303 and checkins_of(app, reference)[0].state == "skipped"
    assert officer.get(url).status_code == 303  # done with: back to the case


def test_a_claim_that_does_not_match_asks_why_first(app):
    officer, account = signed_in(app, "officer")
    reference = new_case(app, staff_sex="woman")
    response = post_form(officer, f"/staff/cases/{reference}/claim", {"back": "/staff/"}, token_from="/staff/")
    page = html_of(response)
    assert response.status_code == 200 and "This case does not match what the person asked for" in page
    assert "They asked to speak to a woman. You have not said on your account that you are a woman." in page
    assert "Why are you taking this case anyway?" in page and "Claim it anyway" in page
    assert report_row(app, reference).owner_id is None
    with dbs(app) as s:
        s.get(StaffUser, account.id).sex = "man"
        s.commit()
    page = html_of(post_form(officer, f"/staff/cases/{reference}/claim", {"back": "/staff/"}, token_from="/staff/"))
    assert "They asked to speak to a woman. You said on your account that you are a man." in page
    response = post_form(officer, f"/staff/cases/{reference}/claim", {"back": "/staff/", "routing_reason": ""},
                         token_from="/staff/")
    assert response.status_code == 400 and report_row(app, reference).owner_id is None
    response = post_form(officer, f"/staff/cases/{reference}/claim",
                         {"back": "/staff/", "routing_reason": "Only officer on shift."}, token_from="/staff/")
    assert response.status_code == 303 and report_row(app, reference).owner_id == account.id
    with dbs(app) as s:
        entry = s.scalar(select(CaseEntry).where(CaseEntry.kind == "routing"))
        assert entry is not None and entry.code == "woman"
    assert "Only officer on shift." in html_of(officer.get(f"/staff/cases/{reference}"))


def test_bulk_assign_lists_the_mismatches_and_can_leave_them_out(app):
    lead, _ = signed_in(app, "lead")
    officer, account = signed_in(app, "officer")
    welsh, plain = new_case(app), new_case(app)
    set_report(app, welsh, contact_language="cy")
    data = {"report": [welsh, plain], "owner": str(account.id), "back": "/staff/"}
    response = post_form(lead, "/staff/assign", data, token_from="/staff/")
    page = html_of(response)
    assert response.status_code == 200 and welsh in page and "These cases do not match" not in page
    name = account.name or account.email
    assert f"They asked for Welsh. {name} has not said on their account that they can work a case in Welsh." in page
    assert f"Why does this case go to {name} anyway?" in page and "Leave it out: assign the other 1" in page
    response = post_form(lead, "/staff/assign", {**data, "routing": "leave_out"}, token_from="/staff/")
    assert response.status_code == 303
    assert report_row(app, plain).owner_id == account.id and report_row(app, welsh).owner_id is None
    # Once the officer says they work in Welsh, no warning.
    assert post_form(officer, "/staff/account/routing", {"sex": "", "speaks_welsh": "yes"},
                     token_from="/staff/account").status_code == 303
    assert staff_row(app, account.id).speaks_welsh
    assert post_form(lead, "/staff/assign", data, token_from="/staff/").status_code == 303
    assert report_row(app, welsh).owner_id == account.id


def test_own_routing_details_are_optional_and_audited_without_the_answer(app):
    officer, account = signed_in(app, "officer")
    page = html_of(officer.get("/staff/account"))
    assert "Are you a woman or a man?" in page and "I would rather not say" in page
    response = post_form(officer, "/staff/account/routing", {"sex": "woman", "speaks_welsh": "no"},
                         token_from="/staff/account")
    assert response.status_code == 303 and staff_row(app, account.id).sex == "woman"
    assert [e.detail for e in audit_events(app, "staff.routing_details_changed")] == ["sex"]
    assert post_form(officer, "/staff/account/routing", {"sex": "other", "speaks_welsh": "no"},
                     token_from="/staff/account").status_code == 400
