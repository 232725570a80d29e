"""Action against a perpetrator (issue 18; MHA 4.3.2-4.3.5, 8.4, 8.5), the service: nothing starts without the
victim's view and the safety plan (4.3.2); the proportionality review (4.3.3) comes next and needs the options and
the pre-court protocol; only someone who may authorise (8.4), never the person who asked, decides, having confirmed
the steps were considered; an extreme incident (8.5) skips only the review, is recorded as such and still needs the
victim's view and a decision; steps out of order are refused by name; the three seals are apart; all audited."""
from __future__ import annotations

import pytest

from portal.casework import enforcement as en
from portal.casework import perpetrators as pp
from portal.casework.common import NotAllowed, opener
from portal.crypto.sealing import CannotOpen
from portal.intake.reports import find_by_reference
from portal.store.followup_models import (
    ENFORCEMENT_DECISION_PURPOSE,
    ENFORCEMENT_PURPOSE,
    ENFORCEMENT_REVIEW_PURPOSE,
    Enforcement,
    Perpetrator,
)
from portal.store.models import StaffUser
from tests.staff_helpers import add_staff, audit_events, dbs, new_client, send_report

VIEW = "She wants him warned but fears he will come back angry."
PLAN = "Police marker on the address; she stays with her sister the week the letter goes."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def people(app):  # type: ignore[no-untyped-def]
    officer, lead, authoriser = add_staff(app, "officer"), add_staff(app, "lead"), add_staff(app, "lead")
    with dbs(app) as s:
        s.get(StaffUser, authoriser.id).can_authorise = True
        s.commit()
    return officer, lead, authoriser


def run(app, reference: str, who, work):  # type: ignore[no-untyped-def]
    with app.test_request_context("/staff/"), dbs(app) as s:
        return work(s, find_by_reference(s, reference), s.get(StaffUser, who.id))


def case_with_perpetrator(app, who, tenure: str = "sole") -> tuple[str, str]:  # type: ignore[no-untyped-def]
    reference = send_report(new_client(app))
    perpetrator_id = run(app, reference, who, lambda s, r, st: pp.save_perpetrator(
        s, r, st, name="", relationship="Partner", tenure=tenure).id)
    return reference, perpetrator_id


def start(app, reference, who, perpetrator_id, **kw):  # type: ignore[no-untyped-def]
    values = {"kind": "warning", "victim_view": VIEW, "safety_plan": PLAN, **kw}
    return run(app, reference, who, lambda s, r, st: en.start(s, r, st, s.get(Perpetrator, perpetrator_id),
                                                               **values).id)


def review(app, reference, who, enforcement_id, **kw):  # type: ignore[no-untyped-def]
    values = {"options": "Acceptable behaviour agreement tried", "pre_court": "Letter before action sent", **kw}
    return run(app, reference, who, lambda s, r, st: en.review(s, r, st, s.get(Enforcement, enforcement_id),
                                                                **values))


def decide(app, reference, who, enforcement_id, **kw):  # type: ignore[no-untyped-def]
    values = {"authorise": True, "steps_checked": True, **kw}
    return run(app, reference, who, lambda s, r, st: en.decide(s, r, st, s.get(Enforcement, enforcement_id),
                                                                **values))


def stored(app, enforcement_id: str) -> Enforcement:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        found = s.get(Enforcement, enforcement_id)
        s.expunge(found)
        return found


def test_the_whole_workflow_in_order_with_three_seals(app, people):
    officer, lead, authoriser = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    enforcement_id = start(app, reference, officer, perpetrator_id)
    assert stored(app, enforcement_id).stage == "review"
    review(app, reference, lead, enforcement_id)
    row = stored(app, enforcement_id)
    assert row.stage == "authorise" and row.reviewed_by == lead.id
    decide(app, reference, authoriser, enforcement_id, note="Proportionate.")
    row = stored(app, enforcement_id)
    assert row.stage == "authorised" and row.decided_by == authoriser.id and not row.exemption
    with app.test_request_context("/staff/"):
        keys = opener()
        assert VIEW in keys.open(row.sealed, ENFORCEMENT_PURPOSE, row.id).decode()
        assert "Letter before action" in keys.open(row.review_sealed, ENFORCEMENT_REVIEW_PURPOSE, row.id).decode()
        assert "Proportionate." in keys.open(row.decision_sealed, ENFORCEMENT_DECISION_PURPOSE, row.id).decode()
        with pytest.raises(CannotOpen):  # each seal is bound to its own purpose
            keys.open(row.review_sealed, ENFORCEMENT_PURPOSE, row.id)
    assert [e.action for e in audit_events(app) if e.action.startswith("case.enforcement")] == [
        "case.enforcement_started", "case.enforcement_reviewed", "case.enforcement_authorised"]
    assert all(e.detail == "warning" for e in audit_events(app) if e.action == "case.enforcement_reviewed")


@pytest.mark.parametrize("missing", ["victim_view", "safety_plan"])
def test_nothing_starts_without_the_victims_view_and_the_safety_plan(app, people, missing):
    officer, _, _ = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    with pytest.raises(en.NeedsVictimView):
        start(app, reference, officer, perpetrator_id, **{missing: "  "})
    with dbs(app) as s:
        assert s.query(Enforcement).count() == 0


def test_an_action_not_offered_and_excluding_a_sole_holder_are_refused(app, people):
    officer, _, _ = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    with pytest.raises(NotAllowed):
        start(app, reference, officer, perpetrator_id, kind="eviction_now")
    for kind in ("exclude_joint", "rhw32", "rhw33"):
        with pytest.raises(en.NotJointContract):
            start(app, reference, officer, perpetrator_id, kind=kind)
    joint_case, joint = case_with_perpetrator(app, officer, tenure="joint")
    assert stored(app, start(app, joint_case, officer, joint, kind="rhw32")).kind == "rhw32"


def test_the_review_needs_options_and_the_pre_court_protocol_and_comes_once(app, people):
    officer, lead, authoriser = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    enforcement_id = start(app, reference, officer, perpetrator_id)
    with pytest.raises(en.StepOutOfOrder):  # no decision before the review
        decide(app, reference, authoriser, enforcement_id)
    with pytest.raises(en.NeedsReview):
        review(app, reference, lead, enforcement_id, options="")
    with pytest.raises(en.NeedsReview):
        review(app, reference, lead, enforcement_id, pre_court=" ")
    review(app, reference, lead, enforcement_id)
    with pytest.raises(en.StepOutOfOrder):
        review(app, reference, lead, enforcement_id)


def test_only_an_authoriser_other_than_the_requester_decides(app, people):
    officer, lead, authoriser = people
    reference, perpetrator_id = case_with_perpetrator(app, authoriser)  # the authoriser asks for it themselves
    enforcement_id = start(app, reference, authoriser, perpetrator_id)
    review(app, reference, lead, enforcement_id)
    with pytest.raises(en.NotAnAuthoriser):  # a lead is not an authoriser unless given the permission
        decide(app, reference, lead, enforcement_id)
    with pytest.raises(en.NotAnAuthoriser):
        decide(app, reference, officer, enforcement_id)
    with pytest.raises(en.OwnRequest):
        decide(app, reference, authoriser, enforcement_id)
    assert stored(app, enforcement_id).stage == "authorise"
    other = add_staff(app, "officer")
    with dbs(app) as s:
        s.get(StaffUser, other.id).can_authorise = True
        s.commit()
    decide(app, reference, other, enforcement_id)
    assert stored(app, enforcement_id).stage == "authorised"


def test_authorising_needs_the_steps_confirmed_and_declining_a_reason(app, people):
    officer, lead, authoriser = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    enforcement_id = start(app, reference, officer, perpetrator_id)
    review(app, reference, lead, enforcement_id)
    with pytest.raises(en.StepsNotChecked):
        decide(app, reference, authoriser, enforcement_id, steps_checked=False)
    with pytest.raises(en.NeedsReason):
        decide(app, reference, authoriser, enforcement_id, authorise=False, note="")
    decide(app, reference, authoriser, enforcement_id, authorise=False, note="Try the agreement first.")
    assert stored(app, enforcement_id).stage == "declined"
    with pytest.raises(en.StepOutOfOrder):  # decided once
        decide(app, reference, authoriser, enforcement_id)
    assert [e.detail for e in audit_events(app, "case.enforcement_declined")] == ["warning"]


def test_the_extreme_incident_exemption_skips_only_the_review(app, people):
    officer, lead, authoriser = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    with pytest.raises(en.NeedsIncident):
        start(app, reference, officer, perpetrator_id, kind="injunction", exemption=True, incident="")
    with pytest.raises(en.NeedsVictimView):  # the victim's view is still needed
        start(app, reference, officer, perpetrator_id, kind="injunction", exemption=True,
              incident="Hit the caretaker", victim_view="")
    enforcement_id = start(app, reference, officer, perpetrator_id, kind="injunction", exemption=True,
                           incident="He punched the caretaker on the stairs.")
    row = stored(app, enforcement_id)
    assert row.stage == "authorise" and row.exemption and row.review_sealed is None
    with pytest.raises(en.StepOutOfOrder):
        review(app, reference, lead, enforcement_id)
    with pytest.raises(en.NotAnAuthoriser):  # still decided by someone who may authorise
        decide(app, reference, lead, enforcement_id)
    with pytest.raises(en.StepsNotChecked):  # who still confirms the steps (here: that the incident was extreme)
        decide(app, reference, authoriser, enforcement_id, steps_checked=False)
    decide(app, reference, authoriser, enforcement_id)
    assert stored(app, enforcement_id).stage == "authorised"
    assert [e.detail for e in audit_events(app, "case.enforcement_started")] == ["injunction:exemption"]


def test_withdrawing_before_a_decision_only(app, people):
    officer, lead, authoriser = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    first = start(app, reference, officer, perpetrator_id)
    run(app, reference, officer, lambda s, r, st: en.withdraw(s, r, st, s.get(Enforcement, first)))
    assert stored(app, first).stage == "withdrawn"
    with pytest.raises(en.StepOutOfOrder):
        review(app, reference, lead, first)
    second = start(app, reference, officer, perpetrator_id)
    review(app, reference, lead, second)
    decide(app, reference, authoriser, second)
    with pytest.raises(en.StepOutOfOrder):
        run(app, reference, officer, lambda s, r, st: en.withdraw(s, r, st, s.get(Enforcement, second)))


def test_the_authorisers_list_shows_waiting_actions_without_content(app, people):
    officer, lead, authoriser = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    waiting = start(app, reference, officer, perpetrator_id, kind="possession", exemption=True, incident="Threats")
    start(app, reference, officer, perpetrator_id)  # still at the review: not on the list
    with app.test_request_context("/staff/"), dbs(app) as s:
        rows = en.awaiting_decision(s, s.get(StaffUser, authoriser.id))
        assert [(r.reference, r.enforcement_id, r.kind, r.exemption, r.own) for r in rows] == [
            (reference, waiting, "possession", True, False)]
        assert en.awaiting_count(s, s.get(StaffUser, authoriser.id)) == 1
        assert en.awaiting_decision(s, s.get(StaffUser, officer.id))[0].own


def test_the_authorisers_list_leaves_out_a_restricted_case_they_may_not_see(app, people):
    from portal.casework.restriction import restrict

    officer, lead, authoriser = people
    reference, perpetrator_id = case_with_perpetrator(app, officer)
    start(app, reference, officer, perpetrator_id, kind="possession", exemption=True, incident="Threats")
    run(app, reference, lead, lambda s, r, st: restrict(s, st, r, "named", [officer.id]))
    with app.test_request_context("/staff/"), dbs(app) as s:
        assert en.awaiting_decision(s, s.get(StaffUser, authoriser.id)) == []
        assert en.awaiting_count(s, s.get(StaffUser, authoriser.id)) == 0
        assert len(en.awaiting_decision(s, s.get(StaffUser, officer.id))) == 1
