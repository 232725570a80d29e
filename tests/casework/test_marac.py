"""MARAC referrals as the service enforces them (issue 17): the four SafeLives criteria as facts from the case and
the cases linked to it (either way round), at their 12-month edges; a referral needs a criterion, evidence for one
the record does not show, a reason for professional judgement and, without consent, a sealed reason to go ahead;
no date sent after today; the meeting may be ahead, the outcome not; the pack never holds a code word or cover
name, is sealed again on each save, and every step is audited with codes only."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.casework import marac
from portal.casework.common import NotAllowed, opener
from portal.casework.marac import (
    EvidenceNeeded,
    InTheFuture,
    JudgementNeedsReason,
    MeetingBeforeReferral,
    NoCriterion,
    OutcomeNeedsDate,
    OverrideNeedsReason,
    criteria,
    record_outcome,
    refer,
    referrals,
    year_after,
    year_before,
)
from portal.casework.marac_pack import SecretInPack, open_pack, pack_exported, save_pack, secrets_of
from portal.crypto.sealing import try_open
from portal.intake.reports import current_sealer, find_by_reference
from portal.store.models import CaseLink, StaffUser
from portal.store.risk_models import (
    INCIDENT_PURPOSE,
    MARAC_PURPOSE,
    RISK_PURPOSE,
    Incident,
    MaracReferral,
    RiskAssessment,
)
from tests.staff_helpers import add_staff, audit_events, dbs, new_client, send_report, set_report

OVERRIDE = "High risk of serious harm: he threatened to kill her on Sunday."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    """Three cases (the second and third will be linked to the first, or not) and an officer; a request context
    (the service reads the configuration) and a database session."""
    references = [send_report(new_client(app)) for _ in range(3)]
    officer = add_staff(app, "officer")
    with app.test_request_context("/staff/"), dbs(app) as s:
        reports = [find_by_reference(s, r) for r in references]
        yield s, reports, s.get(StaffUser, officer.id)


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def assessment(s, report, *, tool: str = "dash", score: int | None = None, grade: str = "", source: str = "ours",
               complete: bool = True, on: date | None = None, staff=None) -> RiskAssessment:  # type: ignore[no-untyped-def]
    row_id = str(uuid.uuid4())
    sealer = current_sealer()
    row = RiskAssessment(id=row_id, report_id=report.id, at=datetime.now(timezone.utc),
                         updated_at=datetime.now(timezone.utc), staff_id=staff.id if staff else None, source=source,
                         tool=tool, agency="police" if source == "agency" else "", assessed_on=on or today(),
                         score=score, grade=grade, level="", complete=complete, unanswered=0, escalation=False,
                         judgement=False, marac_planned=False, key_id=sealer.key_id,
                         sealed=sealer.seal_json({"answers": {}}, RISK_PURPOSE, row_id))
    s.add(row)
    s.commit()
    return row


def incident(s, report, staff, on: date, police: bool = True) -> Incident:  # type: ignore[no-untyped-def]
    row_id = str(uuid.uuid4())
    sealer = current_sealer()
    row = Incident(id=row_id, report_id=report.id, at=datetime.now(timezone.utc), staff_id=staff.id, occurred_on=on,
                   police=police, key_id=sealer.key_id,
                   sealed=sealer.seal_json({"number": "CAD 123"}, INCIDENT_PURPOSE, row_id))
    s.add(row)
    s.commit()
    return row


def link(s, one, other, staff) -> None:  # type: ignore[no-untyped-def]
    """Linked as the links service stores it: the lower id first (so one way round or the other)."""
    first, second = sorted((one.id, other.id))
    s.add(CaseLink(report_id=first, other_id=second, relation="household", staff_id=staff.id,
                   at=datetime.now(timezone.utc)))
    s.commit()


def referral(s, report, staff, **kwargs: Any) -> MaracReferral:  # type: ignore[no-untyped-def]
    values = {"ticked": ["judgement"], "consent": "given", "knows": "yes", "sent_on": today(),
              "judgement_reason": "Her fear is rising."} | kwargs
    return refer(s, report, staff, **values)


# --- visible high risk ------------------------------------------------------------------------------------------

def test_visible_high_risk_is_the_latest_dash_at_the_threshold_from_any_source(world):
    s, (case, _, _), staff = world
    assert not criteria(s, case).visible_high.met
    assessment(s, case, score=13, staff=staff, on=today() - timedelta(days=3))
    fact = criteria(s, case).visible_high
    assert not fact.met and (fact.tool, fact.score) == ("dash", 13)
    assessment(s, case, score=14, source="form", on=today() - timedelta(days=2))  # the agency's, on its form
    fact = criteria(s, case).visible_high
    assert fact.met and (fact.tool, fact.score, fact.on) == ("dash", 14, today() - timedelta(days=2))
    assessment(s, case, score=20, staff=staff, complete=False)  # part-done: not an assessment yet
    assert criteria(s, case).visible_high.score == 14
    assessment(s, case, score=9, source="agency", on=today() - timedelta(days=1))  # the latest says below
    assert not criteria(s, case).visible_high.met


def test_a_dara_graded_high_is_visible_high_risk_and_never_read_as_a_dash_score(world):
    s, (case, _, _), staff = world
    assessment(s, case, tool="dara", grade="medium", source="agency")
    fact = criteria(s, case).visible_high
    assert not fact.met and (fact.tool, fact.grade, fact.score) == ("dara", "medium", None)
    assessment(s, case, tool="dara", grade="high", source="agency")
    fact = criteria(s, case).visible_high
    assert fact.met and (fact.tool, fact.grade) == ("dara", "high")
    assessment(s, case, tool="other", score=30, source="agency")  # another tool's number is not a DASH score
    assert criteria(s, case).visible_high.tool == "dara"


def test_the_threshold_is_configuration(app, world):
    s, (case, _, _), staff = world
    assessment(s, case, score=12, staff=staff)
    assert not criteria(s, case).visible_high.met
    app.config["DASH_MARAC_THRESHOLD"] = 12
    assert criteria(s, case).visible_high.met


# --- potential escalation ---------------------------------------------------------------------------------------

def test_escalation_counts_police_incidents_here_and_on_linked_cases_both_ways(world):
    s, (case, linked, other), staff = world
    link(s, case, linked, staff)
    incident(s, case, staff, today() - timedelta(days=10))
    incident(s, case, staff, today() - timedelta(days=20), police=False)  # no call-out: not counted
    incident(s, other, staff, today() - timedelta(days=5))  # not linked
    fact = criteria(s, case).escalation
    assert (fact.met, fact.count, fact.needed) == (False, 1, 3)
    incident(s, linked, staff, today() - timedelta(days=30))
    incident(s, linked, staff, today() - timedelta(days=40))
    fact = criteria(s, case).escalation
    assert (fact.met, fact.count) == (True, 3)
    # And from the linked case's side (the link stored the other way round): the same three.
    assert criteria(s, linked).escalation.count == 3


def test_escalation_counts_the_last_12_months_to_the_day(world):
    s, (case, _, _), staff = world
    edge = year_before(today())
    incident(s, case, staff, edge)  # a year ago today: within the 12 months
    incident(s, case, staff, edge - timedelta(days=1))  # a day more: not
    incident(s, case, staff, today())
    incident(s, case, staff, today() - timedelta(days=100))
    assert criteria(s, case).escalation.count == 3
    assert criteria(s, case).escalation.met


def test_year_edges_on_29_february():
    assert year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert year_after(date(2028, 2, 29)) == date(2029, 2, 28)


def test_a_restricted_linked_case_is_left_out_for_who_may_not_see_it(app, world):
    s, (case, linked, _), staff = world
    link(s, case, linked, staff)
    for days in (1, 2, 3):
        incident(s, linked, staff, today() - timedelta(days=days))
    set_report(app, linked.reference, restricted="leads")
    s.expire_all()
    assert criteria(s, case).escalation.count == 3  # the closing guard's view: every linked case
    assert criteria(s, case, staff).escalation.count == 0  # an officer's


# --- repeat -----------------------------------------------------------------------------------------------------

def _referred_on(s, report, staff, day: date) -> MaracReferral:  # type: ignore[no-untyped-def]
    return referral(s, report, staff, sent_on=day)


def test_repeat_is_a_new_incident_within_12_months_after_the_last_referral(app, world):
    s, (case, _, _), staff = world
    long_ago = datetime.now(timezone.utc) - timedelta(days=800)
    set_report(app, case.reference, received_at=long_ago)
    s.expire_all()
    sent = today() - timedelta(days=400)
    _referred_on(s, case, staff, sent)
    assert not criteria(s, case).repeat.met
    incident(s, case, staff, sent)  # the same day as the referral: what it was about, not new
    assert not criteria(s, case).repeat.met
    incident(s, case, staff, year_after(sent) + timedelta(days=1))  # a day past the 12 months
    assert not criteria(s, case).repeat.met
    incident(s, case, staff, year_after(sent), police=False)  # on the last day of the 12 months: any incident
    fact = criteria(s, case).repeat
    assert fact.met and (fact.on, fact.new_on) == (sent, year_after(sent))


def test_repeat_reads_the_referral_on_a_linked_case_and_a_new_report_as_a_new_incident(app, world):
    s, (case, linked, _), staff = world
    set_report(app, linked.reference, received_at=datetime.now(timezone.utc) - timedelta(days=300))
    s.expire_all()
    _referred_on(s, linked, staff, today() - timedelta(days=200))  # referred on the earlier case
    assert not criteria(s, case).repeat.met  # not linked yet: this case's own history has no referral
    link(s, case, linked, staff)
    fact = criteria(s, case).repeat  # this case's report came in after that referral
    assert fact.met and fact.on == today() - timedelta(days=200)
    assert [r.report_id for r in criteria(s, case).previous] == [linked.id]


def test_repeat_without_a_sent_date_counts_from_when_it_was_recorded(app, world):
    s, (case, _, _), staff = world
    set_report(app, case.reference, received_at=datetime.now(timezone.utc) - timedelta(days=60))
    s.expire_all()
    row = referral(s, case, staff, sent_on=None)
    row.at = datetime.now(timezone.utc) - timedelta(days=30)
    s.commit()
    assert criteria(s, case).last_referral.id == row.id and not criteria(s, case).repeat.met
    incident(s, case, staff, today() - timedelta(days=29))
    assert criteria(s, case).repeat.met


# --- referring --------------------------------------------------------------------------------------------------

def test_consent_refused_or_not_sought_needs_a_sealed_override_reason(app, world):
    s, (case, _, _), staff = world
    for consent in ("refused", "not_sought"):
        with pytest.raises(OverrideNeedsReason):
            referral(s, case, staff, consent=consent, override_reason="   ")
    assert referrals(s, case) == []
    row = referral(s, case, staff, consent="refused", override_reason=OVERRIDE, knows="no")
    content = opener().open_json(row.sealed, MARAC_PURPOSE, row.id)
    assert content["override_reason"] == OVERRIDE and content["judgement_reason"] == "Her fear is rising."
    (event,) = audit_events(app, "marac.referred")
    assert event.detail == "criteria:judgement consent:refused override aware:no"
    assert OVERRIDE not in " ".join(e.detail for e in audit_events(app))
    assert referral(s, case, staff, consent="given").consent == "given"  # with consent, no reason is needed


def test_a_criterion_the_record_does_not_show_needs_evidence_and_judgement_a_reason(app, world):
    s, (case, _, _), staff = world
    with pytest.raises(NoCriterion):
        referral(s, case, staff, ticked=[])
    with pytest.raises(JudgementNeedsReason):
        referral(s, case, staff, judgement_reason="")
    with pytest.raises(EvidenceNeeded):
        referral(s, case, staff, ticked=["visible_high", "escalation"])
    assessment(s, case, score=16, staff=staff)
    with pytest.raises(EvidenceNeeded):  # visible high risk is shown now; escalation still is not
        referral(s, case, staff, ticked=["visible_high", "escalation"])
    assert referrals(s, case) == []
    row = referral(s, case, staff, ticked=["escalation", "visible_high"],
                   evidence="The police told us of four call-outs since June.")
    assert (row.visible_high, row.escalation, row.repeat, row.judgement) == (True, True, False, False)
    content = opener().open_json(row.sealed, MARAC_PURPOSE, row.id)
    assert content["facts"]["visible_high"] == {"met": True, "tool": "dash", "score": 16, "grade": "", "count": 0,
                                                "needed": 0, "on": today().isoformat(), "new_on": None}
    assert content["facts"]["escalation"]["count"] == 0 and content["facts"]["escalation"]["needed"] == 3
    # The pack reads the facts as they stood: this referral is not its own "last referral".
    later = marac.facts_when_referred(row, content, criteria(s, case))
    assert not later.repeat.met and later.repeat.on is None and later.previous == []
    assert later.visible_high == marac.Fact(True, "dash", 16, "", today())
    assert audit_events(app, "marac.referred")[-1].detail == \
        "criteria:visible_high,escalation consent:given aware:yes evidence"
    assert referral(s, case, staff, ticked=["visible_high"], judgement_reason="").visible_high  # shown: no note


@pytest.mark.parametrize("tampered", [{"ticked": ["visible_high", "bogus"]}, {"consent": "maybe"},
                                      {"knows": "perhaps"}, {"consent": ""}])
def test_codes_no_page_offers_are_refused(world, tampered):
    s, (case, _, _), staff = world
    with pytest.raises(NotAllowed):
        referral(s, case, staff, **tampered)
    assert referrals(s, case) == []


def test_a_date_sent_after_today_is_refused(world):
    s, (case, _, _), staff = world
    with pytest.raises(InTheFuture):
        referral(s, case, staff, sent_on=today() + timedelta(days=1))
    assert referral(s, case, staff, sent_on=today()).sent_on == today()


def test_referrals_are_newest_first_for_the_closing_guard(world):
    s, (case, other, _), staff = world
    first = referral(s, case, staff)
    second = referral(s, case, staff)
    referral(s, other, staff)
    first.at = datetime.now(timezone.utc) - timedelta(days=3)
    s.commit()
    assert [r.id for r in referrals(s, case)] == [second.id, first.id]


# --- the meeting and its outcome --------------------------------------------------------------------------------

def test_the_meeting_may_be_ahead_the_outcome_may_not(app, world):
    s, (case, _, _), staff = world
    row = referral(s, case, staff, consent="not_sought", override_reason=OVERRIDE,
                   sent_on=today() - timedelta(days=5))
    keys = opener()
    record_outcome(s, case, staff, row, keys, meeting_on=today() + timedelta(days=9), outcome="", housing_actions="",
                   outcome_on=None)
    assert row.meeting_on == today() + timedelta(days=9)
    with pytest.raises(InTheFuture):
        record_outcome(s, case, staff, row, keys, meeting_on=today(), outcome="IDVA to visit",
                       housing_actions="", outcome_on=today() + timedelta(days=1))
    with pytest.raises(OutcomeNeedsDate):
        record_outcome(s, case, staff, row, keys, meeting_on=today(), outcome="", housing_actions="Locks",
                       outcome_on=None)
    with pytest.raises(MeetingBeforeReferral):
        record_outcome(s, case, staff, row, keys, meeting_on=today() - timedelta(days=6), outcome="",
                       housing_actions="", outcome_on=None)
    record_outcome(s, case, staff, row, keys, meeting_on=today(), outcome="The IDVA will visit weekly.",
                   housing_actions="Sanctuary room; a management transfer.", outcome_on=today())
    s.refresh(row)
    content = keys.open_json(row.sealed, MARAC_PURPOSE, row.id)
    assert content["outcome"] == "The IDVA will visit weekly."
    assert content["housing_actions"] == "Sanctuary room; a management transfer."
    assert content["override_reason"] == OVERRIDE  # sealed again with everything it held
    assert (row.meeting_on, row.outcome_on) == (today(), today())
    assert [e.detail for e in audit_events(app, "marac.outcome_recorded")] == [
        "meeting", "meeting outcome housing_actions"]


# --- the pack ---------------------------------------------------------------------------------------------------

def test_the_pack_never_holds_a_code_word_and_is_sealed_again_on_each_save(app, world):
    s, (case, _, _), staff = world
    row = referral(s, case, staff)
    secrets = secrets_of([{"check_question": "Blue heron", "cover_name": "Sue"}, {"cover_name": ""}])
    assert secrets == ["Blue heron", "Sue"]
    for sneaked in ("Ask: blue   HERON?", "Call her Sue."):
        with pytest.raises(SecretInPack) as refused:
            save_pack(s, case, staff, row, {"person_name": "Ann", "safe_to_talk": sneaked}, secrets)
        assert refused.value.fields == ["safe_to_talk"]
    assert row.pack_sealed is None and not audit_events(app, "marac.pack_saved")
    save_pack(s, case, staff, row, {"person_name": "Susan Ŵyn", "person_address": "Tŷ Ŷd"}, secrets)  # not "Sue"
    first = row.pack_sealed
    save_pack(s, case, staff, row, {"person_name": "Susan Ŵyn", "children": "Two, aged 4 and 7."}, secrets)
    assert row.pack_sealed != first and row.pack_key_id == current_sealer().key_id
    pack = open_pack(opener(), row)
    assert pack["person_name"] == "Susan Ŵyn" and pack["children"] == "Two, aged 4 and 7."
    assert pack["person_address"] == ""  # what the officer saved, not merged with the earlier save
    assert try_open(opener(), row.pack_sealed, MARAC_PURPOSE, row.id).__class__.__name__ == "Unopened"
    with pytest.raises(SecretInPack):  # a code word given since the pack was saved: not exported
        pack_exported(s, case, staff, row, "odt", pack, ["Ŵyn"])
    with pytest.raises(NotAllowed):
        pack_exported(s, case, staff, row, "docx", pack, secrets)
    pack_exported(s, case, staff, row, "odt", pack, secrets)
    assert [e.detail for e in audit_events(app, "marac.pack_saved")] == [f"referral:{row.id}"] * 2
    assert [e.detail for e in audit_events(app, "marac.pack_exported")] == [f"referral:{row.id} format:odt"]
    assert s.scalar(select(MaracReferral.pack_at).where(MaracReferral.id == row.id)) is not None


def test_marac_module_names_its_errors():
    for name in ("NoCriterion", "EvidenceNeeded", "JudgementNeedsReason", "OverrideNeedsReason", "InTheFuture",
                 "OutcomeNeedsDate", "MeetingBeforeReferral"):
        assert issubclass(getattr(marac, name), NotAllowed), name
