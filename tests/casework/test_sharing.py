"""Information sharing, the service (issue 17; VIVID 4.1, MHA 4.2.4 and 9.1–9.3, Plus Dane 17, VtC 4.4): a share
"with consent" is checked against what the person agreed (the report's answer, or a consent record staff made),
every other basis needs a reason and a countersignature from a lead who did not share, due on working days."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.casework import sharing as sh
from portal.casework.consent import ConsentNotClear, current_consent, from_answers, record_consent
from portal.crypto.sealing import Opener
from portal.store.models import AuditEvent, Report, StaffUser
from portal.store.risk_models import ConsentRecord, InfoShare
from tests.staff_helpers import STORY, add_staff, dbs, new_client, reporter_with_receipt, send_report

LONDON = ZoneInfo("Europe/London")
CONSENTED = {"story": STORY, "contact_methods": ["none"], "consent_share": "yes", "share_with": ["police", "support"]}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def team(app):  # type: ignore[no-untyped-def]
    return {"officer": add_staff(app, "officer"), "lead": add_staff(app, "lead"), "lead2": add_staff(app, "lead")}


def today() -> date:
    return datetime.now(LONDON).date()


def share(app, reference: str, account, **values):  # type: ignore[no-untyped-def]
    """record_share as `account`, with a valid share unless `values` say otherwise."""
    fields = {"recipient": "police", "shared_on": today(), "basis": "consent", "what": "Her address and the risk."}
    with app.app_context(), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        return sh.record_share(s, report, s.get(StaffUser, account.id), **{**fields, **values}).id


def countersign(app, reference: str, share_id: str, account):  # type: ignore[no-untyped-def]
    with app.app_context(), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        return sh.countersign(s, report, share_id, s.get(StaffUser, account.id))


def row(app, share_id: str) -> InfoShare:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        found = s.get(InfoShare, share_id)
        assert found is not None
        return found


@pytest.fixture
def consented(app):  # type: ignore[no-untyped-def]
    """A self report agreeing to share with the police and a support service, and nobody else."""
    return send_report(new_client(app), CONSENTED)


def test_consent_to_the_police_and_support_covers_exactly_those(app, team, consented):
    for recipient in ("police", "idva", "support"):
        assert row(app, share(app, consented, team["officer"], recipient=recipient)).countersign_due is None
    for recipient in ("social_services", "health", "council", "marac", "other"):
        with pytest.raises(sh.ShareOutsideConsent):
            share(app, consented, team["officer"], recipient=recipient)
    with dbs(app) as s:
        assert {r.recipient for r in s.scalars(select(InfoShare))} == {"police", "idva", "support"}


def test_a_neighbours_report_gives_no_consent_and_talking_first_is_not_consent(app, team):
    neighbour = send_report(new_client(app), {"story": STORY, "contact_methods": ["none"]}, slug="someone")
    with pytest.raises(sh.ShareOutsideConsent):
        share(app, neighbour, team["officer"])
    discuss = send_report(new_client(app), {**CONSENTED, "consent_share": "discuss"})
    with pytest.raises(sh.ShareOutsideConsent):
        share(app, discuss, team["officer"])
    report = Report(reporter_kind="concerned")
    assert (from_answers(report, CONSENTED).source, from_answers(report, CONSENTED).share) == ("unknown", "unknown")


def test_without_consent_a_reason_is_needed_and_a_countersignature_is_due(app, team, consented):
    for basis in ("safeguarding", "s115", "marac", "court"):
        with pytest.raises(sh.ReasonNeeded):
            share(app, consented, team["officer"], recipient="social_services", basis=basis, reason="  ")
    shared_id = share(app, consented, team["officer"], recipient="social_services", basis="safeguarding",
                      reason="Two children in the home; he threatened them.")
    stored = row(app, shared_id)
    assert stored.basis == "safeguarding" and stored.countersign_due is not None and stored.countersigned_at is None
    assert b"children" not in stored.sealed and b"Her address" not in stored.sealed
    opener: Opener = app.extensions["opener"]
    assert opener.open_json(stored.sealed, "share", stored.id) == {
        "what": "Her address and the risk.", "reason": "Two children in the home; he threatened them.", "asked": False}
    (event,) = [e for e in _events(app) if e.action == "case.share_added"]
    assert event.detail == "social_services basis:safeguarding"


def _events(app):  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_refusals_are_named(app, team, consented):
    officer = team["officer"]
    with pytest.raises(sh.UnknownRecipient):
        share(app, consented, officer, recipient="")
    with pytest.raises(sh.UnknownRecipient):
        share(app, consented, officer, recipient="neighbour")
    with pytest.raises(sh.UnknownBasis):
        share(app, consented, officer, basis="because")
    with pytest.raises(sh.NothingShared):
        share(app, consented, officer, what=" \n ")
    with pytest.raises(sh.ShareInTheFuture):
        share(app, consented, officer, shared_on=today() + timedelta(days=1))
    with pytest.raises(sh.UnknownAgreement):
        share(app, consented, officer, basis="agreement", agreement="A made-up protocol", reason="The protocol")
    with pytest.raises(sh.NoReceiptConversation):
        share(app, consented, officer, tell_reporter=True)
    with dbs(app) as s:
        assert s.scalars(select(InfoShare)).all() == []
    shared_id = share(app, consented, officer, basis="agreement", agreement="WASPI", reason="The WASPI protocol")
    assert (row(app, shared_id).agreement, row(app, shared_id).countersign_due is not None) == ("WASPI", True)


def test_the_sharer_cannot_countersign_and_another_lead_can(app, team, consented):
    shared_id = share(app, consented, team["lead"], recipient="health", basis="safeguarding", reason="Vital interests")
    with pytest.raises(sh.OwnShare):
        countersign(app, consented, shared_id, team["lead"])
    with pytest.raises(sh.CannotCountersign):
        countersign(app, consented, shared_id, team["officer"])  # not a lead
    assert row(app, shared_id).countersigned_at is None
    countersign(app, consented, shared_id, team["lead2"])
    signed = row(app, shared_id)
    assert signed.countersigned_by == team["lead2"].id and signed.countersigned_at is not None
    with pytest.raises(sh.CannotCountersign):
        countersign(app, consented, shared_id, team["lead2"])  # not twice
    (event,) = [e for e in _events(app) if e.action == "share.countersigned"]
    assert (event.actor, event.detail) == (team["lead2"].actor, "health basis:safeguarding")
    with_consent = share(app, consented, team["officer"])
    with pytest.raises(sh.CannotCountersign):
        countersign(app, consented, with_consent, team["lead2"])  # a share with consent needs none
    other = send_report(new_client(app), CONSENTED)
    with pytest.raises(sh.CannotCountersign):
        countersign(app, other, share(app, consented, team["officer"], basis="court", reason="Order"), team["lead2"])


def test_the_countersignature_is_due_on_working_days():
    def due(day: date, days: int = 1, nation: str = "wales") -> datetime:
        return sh.countersign_due(day, days, nation, "Europe/London").astimezone(LONDON)

    assert due(date(2026, 11, 30)) == datetime(2026, 12, 1, 17, 0, tzinfo=LONDON)  # Monday: Tuesday
    assert due(date(2026, 12, 4)) == datetime(2026, 12, 7, 17, 0, tzinfo=LONDON)  # Friday: Monday
    assert due(date(2026, 12, 5)) == datetime(2026, 12, 7, 17, 0, tzinfo=LONDON)  # Saturday: Monday
    assert due(date(2026, 12, 4), 3) == datetime(2026, 12, 9, 17, 0, tzinfo=LONDON)
    # Christmas Day is a Friday, Boxing Day's holiday is Monday 28th: Thursday 24th is due on Tuesday 29th.
    assert due(date(2026, 12, 24)) == datetime(2026, 12, 29, 17, 0, tzinfo=LONDON)
    friday = InfoShare(countersign_due=sh.countersign_due(date(2026, 12, 4), 1, "wales", "Europe/London"))
    saturday_noon = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
    assert not sh.is_overdue(friday, saturday_noon)  # two days on, but no working day has passed
    assert not sh.is_overdue(friday, datetime(2026, 12, 7, 16, 0, tzinfo=timezone.utc))
    assert sh.is_overdue(friday, datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc))
    friday.countersigned_at = datetime(2026, 12, 8, 8, 0, tzinfo=timezone.utc)
    assert not sh.is_overdue(friday, datetime(2026, 12, 9, 9, 0, tzinfo=timezone.utc))


def test_the_leads_list_puts_the_overdue_first_and_holds_no_content(app, team, consented):
    recent = share(app, consented, team["officer"], recipient="health", basis="safeguarding", reason="Risk")
    old = share(app, consented, team["officer"], recipient="council", basis="s115", reason="Crime prevention",
                shared_on=today() - timedelta(days=14))
    share(app, consented, team["officer"])  # with consent: never listed
    with app.app_context(), dbs(app) as s:
        lead = s.get(StaffUser, team["lead"].id)
        listed = sh.awaiting_countersignature(s, lead)
        assert [(a.recipient, a.overdue) for a in listed] == [("council", True), ("health", False)]
        assert sh.awaiting_count(s, lead) == 2
        assert not {"what", "reason", "content"} & set(vars(listed[0]))
    countersign(app, consented, old, team["lead2"])
    with app.app_context(), dbs(app) as s:
        assert [a.recipient for a in sh.awaiting_countersignature(s, s.get(StaffUser, team["lead"].id))] == ["health"]
    assert row(app, recent).countersigned_at is None


def test_consent_staff_record_stands_over_the_report(app, team, consented):
    officer = team["officer"]
    with app.app_context(), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == consented))
        staff = s.get(StaffUser, officer.id)
        with pytest.raises(ConsentNotClear):
            record_consent(s, report, staff, share="yes", kinds=[], marac="yes")
        with pytest.raises(ConsentNotClear):
            record_consent(s, report, staff, share="yes", kinds=["neighbours"], marac="yes")
        with pytest.raises(ConsentNotClear):
            record_consent(s, report, staff, share="maybe", kinds=[], marac="yes")
        record_consent(s, report, staff, share="yes", kinds=["social_services", "health"], marac="yes",
                       note="Said so on the phone, alone, on Tuesday.")
        consent = current_consent(s, report, {})
        assert (consent.source, consent.share, consent.kinds, consent.marac) == (
            "record", "yes", ("social_services", "health"), "yes")
        record = s.scalars(select(ConsentRecord)).one()
        assert b"Tuesday" not in record.sealed
    (event,) = [e for e in _events(app) if e.action == "case.consent_recorded"]
    assert event.detail == "share:yes kinds:social_services,health marac:yes"
    share(app, consented, officer, recipient="social_services")
    share(app, consented, officer, recipient="marac")
    with pytest.raises(sh.ShareOutsideConsent):
        share(app, consented, officer, recipient="police")  # agreed on the report, not any more


def test_ask_each_time_needs_the_officer_to_have_asked(app, team, consented):
    with app.app_context(), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == consented))
        record_consent(s, report, s.get(StaffUser, team["officer"].id), share="ask", kinds=["police"],
                       marac="not_asked")
        assert current_consent(s, report, {}).kinds == ()
    with pytest.raises(sh.ShareOutsideConsent):
        share(app, consented, team["officer"], recipient="health")
    shared_id = share(app, consented, team["officer"], recipient="health", asked=True)
    assert row(app, shared_id).countersign_due is None
    with pytest.raises(sh.ShareOutsideConsent):
        share(app, consented, team["officer"], recipient="other", asked=True)  # another agency: never


def test_the_reporter_is_told_only_the_kinds_ticked(app, team):
    _client, reference, _receipt = reporter_with_receipt(app, CONSENTED)
    share(app, reference, team["officer"], recipient="idva", tell_reporter=True)
    share(app, reference, team["officer"], recipient="support", tell_reporter=True)
    share(app, reference, team["officer"], recipient="police")
    share(app, reference, team["officer"], recipient="council", basis="safeguarding", reason="Risk",
          tell_reporter=True)
    with app.app_context(), dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        assert sh.told_kinds(s, report.id) == ["support", "council"]
