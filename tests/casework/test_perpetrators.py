"""The perpetrator record (issue 18; whg 2.18, Plus Dane 9, VIVID 4.3), the service: recorded apart from the person
at risk's, everything typed sealed and bound to the record; tenure a code; the Restricted Access List flag needs a
reason and a review date after today, and taking it off clears both; joint tenancy advice only on a joint tenancy,
with mediation offered, declined or recorded as unsafe; every change audited with codes only."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.casework import perpetrators as pp
from portal.casework.common import NotAllowed
from portal.crypto.sealing import CannotOpen
from portal.intake.reports import find_by_reference
from portal.store.followup_models import PERPETRATOR_PURPOSE, Perpetrator
from portal.store.models import StaffUser
from tests.staff_helpers import add_staff, audit_events, dbs, new_client, send_report

TZ = "Europe/London"
ADDRESS = "14 Heol y Bryn, Abergavenny"


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return add_staff(app, "officer")


def today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


def run(app, reference: str, officer, work):  # type: ignore[no-untyped-def]
    with app.test_request_context("/staff/"), dbs(app) as s:
        report = find_by_reference(s, reference)
        return work(s, report, s.get(StaffUser, officer.id))


def record(app, reference: str, officer, tenure: str = "joint") -> str:  # type: ignore[no-untyped-def]
    return run(app, reference, officer, lambda s, r, st: pp.save_perpetrator(
        s, r, st, name="Darren", relationship="Husband", tenure=tenure, address=ADDRESS).id)


def row(app, perpetrator_id: str) -> Perpetrator:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        found = s.get(Perpetrator, perpetrator_id)
        assert found is not None
        s.expunge(found)
        return found


def content(app, perpetrator_id: str) -> dict:  # type: ignore[no-untyped-def]
    with app.test_request_context("/staff/"), dbs(app) as s:
        opened = pp._open(s.get(Perpetrator, perpetrator_id))
        return opened[0]


def test_a_perpetrator_is_recorded_sealed_and_bound_to_its_record(app, officer):
    reference = send_report(new_client(app))
    perpetrator_id = record(app, reference, officer)
    stored = row(app, perpetrator_id)
    assert stored.tenure == "joint" and not stored.restricted_access and stored.mediation == ""
    assert b"Darren" not in stored.sealed and ADDRESS.encode() not in stored.sealed
    assert content(app, perpetrator_id)["address"] == ADDRESS
    with app.test_request_context("/staff/"):
        from portal.casework.common import opener
        with pytest.raises(CannotOpen):
            opener().open(stored.sealed, PERPETRATOR_PURPOSE, "another-id")
    assert [e.detail for e in audit_events(app, "case.perpetrator_added")] == ["tenure:joint"]


def test_changing_the_record_keeps_what_the_seal_held(app, officer):
    reference = send_report(new_client(app))
    perpetrator_id = record(app, reference, officer)
    tomorrow = today() + timedelta(days=30)
    run(app, reference, officer, lambda s, r, st: pp.set_restricted_access(
        s, r, st, s.get(Perpetrator, perpetrator_id), on=True, reason="Threatened a caretaker", review_on=tomorrow,
        tz=TZ))
    run(app, reference, officer, lambda s, r, st: pp.save_perpetrator(
        s, r, st, s.get(Perpetrator, perpetrator_id), name="Darren", relationship="Ex-husband", tenure="sole"))
    opened = content(app, perpetrator_id)
    assert opened["relationship"] == "Ex-husband" and opened["ral_reason"] == "Threatened a caretaker"
    assert row(app, perpetrator_id).tenure == "sole"
    assert [e.detail for e in audit_events(app, "case.perpetrator_updated")] == ["tenure:sole"]


def test_a_tenure_not_offered_or_no_relationship_is_refused(app, officer):
    reference = send_report(new_client(app))
    with pytest.raises(NotAllowed):
        run(app, reference, officer, lambda s, r, st: pp.save_perpetrator(
            s, r, st, name="", relationship="Son", tenure="landlord"))
    with pytest.raises(NotAllowed):
        run(app, reference, officer, lambda s, r, st: pp.save_perpetrator(
            s, r, st, name="", relationship="  ", tenure="sole"))
    with dbs(app) as s:
        assert list(s.scalars(select(Perpetrator))) == []


def test_the_restricted_access_list_needs_a_reason_and_a_later_review_date(app, officer):
    reference = send_report(new_client(app))
    perpetrator_id = record(app, reference, officer)

    def ral(on: bool, reason: str, review_on: date | None):  # type: ignore[no-untyped-def]
        return run(app, reference, officer, lambda s, r, st: pp.set_restricted_access(
            s, r, st, s.get(Perpetrator, perpetrator_id), on=on, reason=reason, review_on=review_on, tz=TZ))

    with pytest.raises(pp.NeedsRalReason):
        ral(True, "", today() + timedelta(days=10))
    with pytest.raises(pp.NeedsRalReason):
        ral(True, "Violent to staff", None)
    with pytest.raises(pp.RalReviewPast):
        ral(True, "Violent to staff", today())
    assert not row(app, perpetrator_id).restricted_access
    ral(True, "Violent to staff", today() + timedelta(days=90))
    stored = row(app, perpetrator_id)
    assert stored.restricted_access and stored.ral_review_on == today() + timedelta(days=90)
    assert not pp.ral_review_due(stored, TZ)
    stored.ral_review_on = today()
    assert pp.ral_review_due(stored, TZ)
    ral(False, "", None)
    stored = row(app, perpetrator_id)
    assert not stored.restricted_access and stored.ral_review_on is None
    assert content(app, perpetrator_id)["ral_reason"] == ""
    assert [e.detail for e in audit_events(app, "case.perpetrator_ral")] == ["on", "off"]


@pytest.mark.parametrize("mediation", ["offered", "declined", "unsafe"])
def test_joint_tenancy_advice_and_mediation_including_unsafe(app, officer, mediation):
    reference = send_report(new_client(app))
    perpetrator_id = record(app, reference, officer)
    run(app, reference, officer, lambda s, r, st: pp.record_joint_tenancy(
        s, r, st, s.get(Perpetrator, perpetrator_id), advice_victim="Told her about sole tenancy options",
        advice_perpetrator="Told him about housing advice", mediation=mediation))
    assert row(app, perpetrator_id).mediation == mediation
    assert content(app, perpetrator_id)["advice_victim"] == "Told her about sole tenancy options"
    assert [e.detail for e in audit_events(app, "case.perpetrator_joint")] == [f"mediation:{mediation}"]


def test_joint_tenancy_advice_is_refused_on_a_sole_tenancy_and_a_mediation_not_offered(app, officer):
    reference = send_report(new_client(app))
    sole = record(app, reference, officer, tenure="sole")
    with pytest.raises(pp.NotJoint):
        run(app, reference, officer, lambda s, r, st: pp.record_joint_tenancy(
            s, r, st, s.get(Perpetrator, sole), advice_victim="", advice_perpetrator="", mediation="offered"))
    joint = record(app, reference, officer)
    with pytest.raises(NotAllowed):
        run(app, reference, officer, lambda s, r, st: pp.record_joint_tenancy(
            s, r, st, s.get(Perpetrator, joint), advice_victim="", advice_perpetrator="", mediation="maybe"))
    assert row(app, joint).mediation == ""


def test_another_cases_record_is_not_found_or_changed(app, officer):
    first, second = send_report(new_client(app)), send_report(new_client(app))
    perpetrator_id = record(app, first, officer)
    assert run(app, second, officer, lambda s, r, st: pp.find_perpetrator(s, r, perpetrator_id)) is None
    with pytest.raises(NotAllowed):
        run(app, second, officer, lambda s, r, st: pp.set_restricted_access(
            s, r, st, s.get(Perpetrator, perpetrator_id), on=False, tz=TZ))
