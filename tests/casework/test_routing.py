"""Routing: a case whose person asked for a woman, a man or Welsh, given to someone who does not match (or has not
said), needs a reason, sealed in a "routing" entry listing what was unmatched (audited)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.casework import routing
from portal.casework.queue import AlreadyClaimed
from portal.store.models import CaseEntry, Report, StaffUser
from tests.staff_helpers import SAFE_TEXT, STORY, add_staff, audit_events, dbs, new_client, report_row, send_report


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def staff(sex: str = "", welsh: bool = False) -> StaffUser:
    return StaffUser(email="x@example.org", role="officer", sex=sex, speaks_welsh=welsh)


def test_mismatches():
    report = Report(staff_sex="woman", contact_language="cy")
    assert routing.mismatches(report, staff()) == ("woman", "welsh")
    assert routing.mismatches(report, staff("man", True)) == ("woman",)
    assert routing.mismatches(report, staff("woman", True)) == ()
    assert routing.mismatches(Report(staff_sex="man", contact_language="en"), staff("woman")) == ("man",)
    assert routing.mismatches(Report(staff_sex="", contact_language="en"), staff()) == ()
    assert routing.mismatches(report, None) == ()


def case(app, **answers) -> str:  # type: ignore[no-untyped-def]
    return send_report(new_client(app), {**SAFE_TEXT, "story": STORY, **answers})


def routing_entries(app, reference: str) -> list[CaseEntry]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(CaseEntry).where(CaseEntry.report_id == report_row(app, reference).id,
                                                      CaseEntry.kind == "routing")))


def test_staff_sex_is_kept_at_submission(app):
    assert report_row(app, case(app, staff_sex="woman")).staff_sex == "woman"


def test_a_claim_that_does_not_match_needs_a_reason_kept_sealed(app):
    reference = case(app, staff_sex="woman")
    account = add_staff(app, "officer")
    with app.test_request_context(), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        officer = s.get(StaffUser, account.id)
        assert report is not None and officer is not None
        with pytest.raises(routing.RoutingNeedsReason) as refused:
            routing.claim_routed(s, report, officer)
        assert refused.value.codes == ("woman",)
        assert report_row(app, reference).owner_id is None
        assert routing.claim_routed(s, report, officer, "No woman officer is working this week.") == ("woman",)
        with pytest.raises(AlreadyClaimed):
            routing.claim_routed(s, report, officer, "again")
    assert report_row(app, reference).owner_id == account.id
    (entry,) = routing_entries(app, reference)
    assert entry.code == "woman" and b"this week" not in entry.sealed
    assert audit_events(app, "case.claimed")[-1].detail == "unmatched:woman"
    assert audit_events(app, "case.routing_added")[-1].detail == "woman"


def test_a_match_needs_no_reason(app):
    reference = case(app, staff_sex="woman")
    account = add_staff(app, "officer")
    with app.test_request_context(), dbs(app) as s:
        officer = s.get(StaffUser, account.id)
        assert officer is not None
        officer.sex = "woman"
        s.commit()
        report = s.scalar(select(Report).where(Report.reference == reference))
        assert routing.claim_routed(s, report, officer) == ()
    assert routing_entries(app, reference) == []


def test_bulk_assign_needs_one_reason_for_the_ones_that_do_not_match(app):
    odd, fine = case(app, staff_sex="man"), case(app)
    lead_account, owner_account = add_staff(app, "lead"), add_staff(app, "officer")
    with app.test_request_context(), dbs(app) as s:
        lead, owner = s.get(StaffUser, lead_account.id), s.get(StaffUser, owner_account.id)
        reports = list(s.scalars(select(Report).where(Report.reference.in_((odd, fine)))))
        assert list(routing.unmatched(reports, owner).values()) == [("man",)]
        with pytest.raises(routing.RoutingNeedsReason):
            routing.assign_routed(s, reports, lead, owner)
        assert routing.assign_routed(s, reports, lead, owner, "Covering leave.") == 2
        assert routing.assign_routed(s, reports, lead, None) == 2  # to nobody: nothing to match
    assert [e.code for e in routing_entries(app, odd)] == ["man"] and routing_entries(app, fine) == []


def test_an_older_report_gets_staff_sex_from_its_answers_when_the_case_is_opened(app):
    from portal.casework.cases import open_case
    from tests.staff_helpers import set_report

    reference = case(app, staff_sex="man")
    set_report(app, reference, staff_sex="")  # as a report from before the column was kept
    account = add_staff(app, "officer")
    with app.test_request_context(), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        open_case(s, report, s.get(StaffUser, account.id), "test")
    assert report_row(app, reference).staff_sex == "man"
