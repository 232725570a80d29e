"""Retention and rights (MHA 9.6): a request to erase a case with the safeguarding exception recorded, a lead's
approval, erasure that leaves only the counts and the audit trail; the list of open cases with no activity; a
subject access export, audited."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.casework import erasure
from portal.store.models import AuditEvent, CaseEntry, PurgedTally, Report
from tests.staff_helpers import (
    SAFE_TEXT,
    audit_events,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    signed_in,
    utcnow,
)

STORY_HERE = "He broke the kitchen window in Llandeilo."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def a_case(app) -> str:  # type: ignore[no-untyped-def]
    return send_report(new_client(app), {**SAFE_TEXT, "story": STORY_HERE})


def ask(client, reference: str, **answers: str):  # type: ignore[no-untyped-def]
    data = {"requested_by": "person", "received_on": "2026-11-30", "exception": "no", **answers}
    return post_form(client, f"/staff/cases/{reference}/erasure", data)


def test_a_request_without_an_exception_is_erased_by_a_lead_leaving_counts_and_the_audit_trail(app):
    reference = a_case(app)
    officer, officer_account = signed_in(app, "officer")
    response = ask(officer, reference, note="She asked by phone")
    assert response.status_code == 303
    assert "Request to erase recorded" in html_of(officer.get(f"/staff/cases/{reference}"))
    assert officer.get(f"/staff/cases/{reference}/erasure/decision").status_code == 403  # a lead decides
    report_id = report_row(app, reference).id
    lead, lead_account = signed_in(app, "lead")
    page = html_of(lead.get("/staff/retention"))
    assert reference in page and f"/staff/cases/{reference}/erasure/decision" in page
    response = post_form(lead, f"/staff/cases/{reference}/erasure/decision", {"decision": "erase"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/retention")
    assert f"Case {reference} erased" in html_of(lead.get("/staff/retention"))
    with dbs(app) as s:
        assert s.scalar(select(func.count()).select_from(Report).where(Report.reference == reference)) == 0
        assert s.scalar(select(func.count()).select_from(CaseEntry).where(CaseEntry.report_id == report_id)) == 0
        assert s.scalar(select(func.sum(PurgedTally.count)).where(PurgedTally.close_reason == "erased")) == 1
        trail = s.scalars(select(AuditEvent.action).where(AuditEvent.report_id == report_id)).all()
    assert "case.erasure_added" in trail and "case.erased" in trail  # the trail stays whole
    (erased,) = audit_events(app, "case.erased")
    assert erased.actor == f"staff:{lead_account.id}" and erased.detail == f"requested_by:staff:{officer_account.id}"
    assert lead.get(f"/staff/cases/{reference}").status_code == 404


def test_a_safeguarding_exception_keeps_the_case_and_needs_its_reason(app):
    reference = a_case(app)
    officer, _ = signed_in(app, "officer")
    response = ask(officer, reference, exception="yes")
    assert response.status_code == 400 and "Say what the safeguarding exception is" in html_of(response)
    assert 'value="2026-11-30"' in html_of(response)  # nothing typed is lost
    assert ask(officer, reference, exception="yes", exception_reason="Children on a plan").status_code == 303
    lead, lead_account = signed_in(app, "lead")
    page = html_of(lead.get(f"/staff/cases/{reference}/erasure/decision"))
    assert 'value="erase"' not in page and "cannot be erased" in page
    response = post_form(lead, f"/staff/cases/{reference}/erasure/decision", {"decision": "erase"})
    assert response.status_code == 400 and report_row(app, reference) is not None
    response = post_form(lead, f"/staff/cases/{reference}/erasure/decision", {"decision": "keep"})
    assert response.status_code == 400 and "Say why the case is kept" in html_of(response)
    response = post_form(lead, f"/staff/cases/{reference}/erasure/decision",
                         {"decision": "keep", "reason": "A child protection plan needs this record"})
    assert response.status_code == 303
    html = html_of(lead.get(f"/staff/cases/{reference}"))
    assert "A safeguarding exception applies:" in html and "Children on a plan" in html
    assert "A child protection plan needs this record" in html
    assert [e.detail for e in audit_events(app, "case.erasure_added")] == ["requested", "kept"]
    with dbs(app) as s:  # the service refuses too, whatever a page sends
        report = s.scalar(select(Report).where(Report.reference == reference))
        with pytest.raises(erasure.NoRequest):  # decided: nothing waits any more
            erasure.erase(s, report, _staff(s, lead_account.id), "Europe/London")


def _staff(s, staff_id: int):  # type: ignore[no-untyped-def]
    from portal.store.models import StaffUser
    return s.get(StaffUser, staff_id)


def test_the_service_refuses_an_exception_and_anyone_but_a_lead(app):
    reference = a_case(app)
    officer, officer_account = signed_in(app, "officer")
    ask(officer, reference, exception="yes", exception_reason="Court action")
    _lead, lead_account = signed_in(app, "lead")
    with dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        with pytest.raises(erasure.NotAllowed):
            erasure.erase(s, report, _staff(s, officer_account.id), "Europe/London")
        with pytest.raises(erasure.ExceptionApplies):
            erasure.erase(s, report, _staff(s, lead_account.id), "Europe/London")
    assert report_row(app, reference) is not None


def test_open_cases_with_nothing_done_are_listed_looking_is_not_doing(app):
    quiet, busy = a_case(app), a_case(app)
    long_ago = utcnow() - timedelta(days=400)
    with dbs(app) as s:
        for reference in (quiet, busy):
            s.scalar(select(Report).where(Report.reference == reference)).received_at = long_ago
        s.commit()
    officer, officer_account = signed_in(app, "officer")
    with dbs(app) as s:  # someone owns the quiet one: the list names them
        s.scalar(select(Report).where(Report.reference == quiet)).owner_id = officer_account.id
        s.commit()
    officer.get(f"/staff/cases/{quiet}")  # looking at it
    post_form(officer, f"/staff/cases/{busy}/note", {"text": "Rang the IDVA"}, token_from=f"/staff/cases/{busy}/note")
    lead, _ = signed_in(app, "lead")
    page = html_of(lead.get("/staff/retention?days=200"))
    section = page.split("Open cases with no activity")[1]
    assert quiet in section and busy not in section and officer_account.name in section
    assert "1 open case with nothing done for 200 days or more" in section
    short = html_of(lead.get("/staff/retention?days=5"))
    assert short.count('name="days" type="text" inputmode="numeric" value="30"')
    assert "That is not a whole number of at least 30 days, so this shows 30 days." in short  # not silently
    assert officer.get("/staff/retention").status_code == 403


def test_a_lead_sets_the_teams_period_of_no_activity_and_the_list_starts_from_it(app):
    quiet = a_case(app)
    with dbs(app) as s:
        s.scalar(select(Report).where(Report.reference == quiet)).received_at = utcnow() - timedelta(days=100)
        s.commit()
    lead, _ = signed_in(app, "lead")
    assert quiet not in html_of(lead.get("/staff/retention")).split("Open cases with no activity")[1]  # 180 days
    settings = {"notify_to": "", "oncall_to": "", "retention_days": "365"}
    refused = post_form(lead, "/staff/settings", {**settings, "inactive_days": "7"})
    assert refused.status_code == 400 and 'value="7"' in html_of(refused)  # too short: refused, kept as typed
    assert "Enter a number of days from 30 to 3650" in html_of(refused)
    assert post_form(lead, "/staff/settings", {**settings, "inactive_days": "90"}).status_code == 303
    page = html_of(lead.get("/staff/retention"))
    assert 'name="days" type="text" inputmode="numeric" value="90"' in page and "The team's period is 90 days" in page
    assert quiet in page.split("Open cases with no activity")[1]
    assert 'value="90"' in html_of(lead.get("/staff/settings"))
    assert audit_events(app, "settings.changed")[-1].detail.endswith("inactive_days")


def test_a_subject_access_export_shows_everything_and_is_audited(app):
    reference = a_case(app)
    lead, lead_account = signed_in(app, "lead")
    page = html_of(lead.get(f"/staff/cases/{reference}/subject-access"))
    assert STORY_HERE in page and "details of other people" in page
    response = lead.get(f"/staff/cases/{reference}/subject-access.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["reference"] == reference and data["answers"]["story"] == STORY_HERE
    assert data["profiles"]["person"]["phone_text"] == "07700 900982"
    views = [e.detail for e in audit_events(app, "case.opened")]
    assert "subject-access" in views and "subject-access-json" in views
    assert [e.actor for e in audit_events(app, "case.subject_access_exported")] == [f"staff:{lead_account.id}"]
    officer, _ = signed_in(app, "officer")
    assert officer.get(f"/staff/cases/{reference}/subject-access").status_code == 403
    assert officer.get(f"/staff/cases/{reference}/subject-access.json").status_code == 403
