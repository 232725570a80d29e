"""Closing with care: what is still open is listed; closing anyway needs a reason and a lead's sign-off, enforced
in the service whatever the request says; a lead's own closure is their sign-off; a closure can be sent back."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.casework.closing import ClosureNeedsReason, close_guarded, open_items
from portal.intake.reports import current_sealer
from portal.store.models import CaseEntry, StaffUser
from portal.store.risk_models import ClosureRequest
from tests.staff_helpers import (
    SAFE_TEXT,
    STORY,
    audit_events,
    dbs,
    html_of,
    new_client,
    post_form,
    record_assessment,
    report_row,
    send_report,
    signed_in,
    utcnow,
)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def new_case(app) -> str:  # type: ignore[no-untyped-def]
    return send_report(new_client(app), {**SAFE_TEXT, "story": STORY})


def close(client, reference: str, **data: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/status", {"status": "closed", **data})


def requests(app, reference: str) -> list[ClosureRequest]:  # type: ignore[no-untyped-def]
    rid = report_row(app, reference).id
    with dbs(app) as s:
        return list(s.scalars(select(ClosureRequest).where(ClosureRequest.report_id == rid)))


def test_a_high_risk_case_with_no_referral_cannot_be_closed_at_once(app):
    officer, _ = signed_in(app, "officer")
    reference = new_case(app)
    record_assessment(app, reference, level="high", score=20)
    page = html_of(officer.get(f"/staff/cases/{reference}/status"))
    assert "The case is high risk and no MARAC referral has been recorded." in page
    assert "No risk assessment has been recorded." not in page

    # The request a page would never send (no reason why) is refused, and nothing changes.
    response = close(officer, reference, close_reason="not_domestic_abuse")
    assert response.status_code == 400
    assert "Say why the case should close with this still open" in html_of(response)
    assert report_row(app, reference).is_open and not requests(app, reference)

    response = close(officer, reference, close_reason="not_domestic_abuse", why="They say it was a misunderstanding.")
    assert response.status_code == 303
    row = report_row(app, reference)
    assert row.is_open and row.status != "closed"  # waits for a lead
    (request,) = requests(app, reference)
    assert (request.state, request.open_items, request.close_reason) == ("pending", "high_risk_no_marac",
                                                                        "not_domestic_abuse")
    assert b"misunderstanding" not in request.sealed
    case_page = html_of(officer.get(f"/staff/cases/{reference}"))
    assert "A closure is waiting for a team lead's sign-off" in case_page
    # A second request while one waits is not taken.
    assert "Sign off or send back" not in html_of(officer.get(f"/staff/cases/{reference}/status"))
    assert officer.get(f"/staff/cases/{reference}/closure").status_code == 403  # officers cannot sign off

    lead, lead_account = signed_in(app, "lead")
    assert "1 closure is waiting for a lead's sign-off." in html_of(lead.get("/staff/"))
    assert reference in html_of(lead.get("/staff/closures"))
    decision = html_of(lead.get(f"/staff/cases/{reference}/closure"))
    assert "misunderstanding" in decision and "The case is high risk" in decision
    response = post_form(lead, f"/staff/cases/{reference}/closure", {"decision": "approve"})
    assert response.status_code == 303
    row = report_row(app, reference)
    assert (row.is_open, row.status, row.close_reason) == (False, "closed", "not_domestic_abuse")
    (request,) = requests(app, reference)
    assert (request.state, request.decided_by) == ("approved", lead_account.id)
    assert [e.detail for e in audit_events(app, "case.closure_requested")] == [
        "not_domestic_abuse open:high_risk_no_marac"]
    assert [e.actor for e in audit_events(app, "case.closure_signed_off")] == [lead_account.actor]
    assert "No closures are waiting." in html_of(lead.get("/staff/closures"))


def test_a_closure_sent_back_needs_a_note_and_leaves_the_case_open(app):
    officer, _ = signed_in(app, "officer")
    reference = new_case(app)  # no assessment at all
    assert close(officer, reference, close_reason="declined", why="They asked us to stop.").status_code == 303
    lead, _ = signed_in(app, "lead")
    response = post_form(lead, f"/staff/cases/{reference}/closure", {"decision": "send_back"})
    assert response.status_code == 400 and "Say why the closure goes back" in html_of(response)
    response = post_form(lead, f"/staff/cases/{reference}/closure", {"decision": "send_back",
                                                                     "note": "Do the DASH first."})
    assert response.status_code == 303
    assert report_row(app, reference).is_open
    assert [r.state for r in requests(app, reference)] == ["declined"]
    assert audit_events(app, "case.closure_sent_back")
    # The officer may ask again.
    assert close(officer, reference, close_reason="declined", why="Tried twice; they declined.").status_code == 303
    assert sorted(r.state for r in requests(app, reference)) == ["declined", "pending"]


def test_a_leads_own_closure_is_the_sign_off_and_a_tidy_case_closes_at_once(app):
    lead, account = signed_in(app, "lead")
    reference = new_case(app)
    assert "as a team lead, closing it is your sign-off" in html_of(lead.get(f"/staff/cases/{reference}/status"))
    assert close(lead, reference, close_reason="declined", why="Declined all help twice.").status_code == 303
    assert not report_row(app, reference).is_open
    (request,) = requests(app, reference)
    assert (request.state, request.decided_by, request.open_items) == ("approved", account.id, "no_assessment")

    officer, _ = signed_in(app, "officer")
    tidy = new_case(app)
    record_assessment(app, tidy)
    assert close(officer, tidy, close_reason="support_in_place").status_code == 303
    assert not report_row(app, tidy).is_open and not requests(app, tidy)
    duplicate = new_case(app)  # a duplicate's work is on the other case: no assessment needed
    assert close(officer, duplicate, close_reason="duplicate").status_code == 303
    assert not report_row(app, duplicate).is_open


def test_the_guard_lists_a_running_breathing_space_and_the_service_refuses_without_a_reason(app):
    reference = new_case(app)
    record_assessment(app, reference)
    today = date.today()
    with app.app_context():
        from portal.store.db import db

        report = report_row(app, reference)
        officer = db().scalar(select(StaffUser).where(StaffUser.role == "officer")) or StaffUser(
            email=f"{uuid.uuid4().hex}@x.org", name="O", role="officer", password_hash="x", totp_secret="x",
            created_at=utcnow())
        db().add(officer)
        db().flush()
        sealer = current_sealer()
        for ends in (today - timedelta(days=1), today + timedelta(days=30)):
            entry_id = str(uuid.uuid4())
            db().add(CaseEntry(id=entry_id, report_id=report.id, at=utcnow(), staff_id=officer.id, kind="action",
                               code="breathing_space", starts_on=today - timedelta(days=40), ends_on=ends,
                               key_id=sealer.key_id, sealed=sealer.seal_json({}, "action", entry_id)))
            db().commit()
            report = db().merge(report)
            assert open_items(db(), report, "support_in_place") == (() if ends < today else ("breathing_space",))
        with pytest.raises(ClosureNeedsReason):
            close_guarded(db(), report, officer, "support_in_place", "   ")
        assert report.is_open
