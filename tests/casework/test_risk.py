"""Risk assessments and incidents (portal/casework/risk.py): our DASH checklist part-done then finished, another
agency's assessment (DASH count, DARA grade), the report's risk level and band, dates not in the future,
tampered values refused, the referring agency's form answer recorded once, and incidents."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.casework import risk
from portal.casework.cases import open_case, set_urgent
from portal.casework.dash import load_checklist
from portal.casework.disclosures import record_update
from portal.crypto.sealing import try_open
from portal.store.models import Report, StaffUser
from portal.store.risk_models import INCIDENT_PURPOSE, RISK_PURPOSE, Incident, RiskAssessment
from tests.staff_helpers import STORY, add_staff, audit_events, new_client, send_report

TZ = "Europe/London"


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def case(app):  # type: ignore[no-untyped-def]
    """A report from the website (not in danger, no children: band 2) and an officer."""
    reference = send_report(new_client(app))
    return reference, add_staff(app, "officer")


@contextmanager
def working(app, reference: str, staff_id: int):  # type: ignore[no-untyped-def]
    with app.test_request_context(), app.extensions["sessionmaker"]() as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        yield s, report, s.get(StaffUser, staff_id)


def rows(app, reference: str) -> list[RiskAssessment]:  # type: ignore[no-untyped-def]
    with app.extensions["sessionmaker"]() as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        return list(s.scalars(select(RiskAssessment).where(RiskAssessment.report_id == report.id)
                              .order_by(RiskAssessment.at)))


def report_of(app, reference: str) -> Report:  # type: ignore[no-untyped-def]
    with app.extensions["sessionmaker"]() as s:
        return s.scalar(select(Report).where(Report.reference == reference))


def checklist(app):  # type: ignore[no-untyped-def]
    return load_checklist(app.config["DASH_FILE"])


def save(s, report, staff, questions, answers: dict[str, Any], finished: bool, **extra: Any):  # type: ignore[no-untyped-def]
    options = {"comments": {}, "escalation": False, "judgement": False, "judgement_reason": "", "notes": "",
               "threshold": 14, "tz": TZ, **extra}
    return risk.save_checklist(s, report, staff, questions, answers=answers, finished=finished, **options)


def agency(s, report, staff, **values: Any):  # type: ignore[no-untyped-def]
    options = {"agency": "idva", "agency_name": "", "assessed_on": date.today() - timedelta(days=1), "tool": "dash",
               "score": 17, "grade": "", "marac_planned": True, "note": "Seen at the refuge.", "threshold": 14,
               "tz": TZ, **values}
    return risk.record_assessment(s, report, staff, **options)


def test_a_part_done_checklist_is_continued_in_the_same_row_and_finished(app, case):
    reference, officer = case
    questions = checklist(app)
    ids = [q.id for q in questions.questions]
    with working(app, reference, officer.id) as (s, report, staff):
        first = save(s, report, staff, questions, {ids[0]: "yes", ids[1]: "no"}, finished=False,
                     comments={ids[0]: "Bruises on her arm."})
        assert (first.complete, first.level, first.unanswered, first.score) == (False, "", len(ids) - 2, 1)
        assert report.status == "new" and report.risk_level == ""  # part-done gives no level
        sealed_before, saved_at = first.sealed, first.updated_at
        # Starting again continues the part-done one: still one row.
        again = save(s, report, staff, questions, {ids[0]: "yes", ids[1]: "no", ids[2]: "not_known"}, finished=False)
        assert again.id == first.id and again.unanswered == len(ids) - 3
        assert again.sealed != sealed_before and again.updated_at >= saved_at
        # Finishing with one left refuses and stores nothing new.
        with pytest.raises(risk.Unanswered) as refused:
            save(s, report, staff, questions, {i: "no" for i in ids[:-1]}, finished=True)
        assert refused.value.missing == [ids[-1]]
    (only,) = rows(app, reference)
    assert not only.complete and only.unanswered == len(ids) - 3
    with working(app, reference, officer.id) as (s, report, staff):
        done = save(s, report, staff, questions, {i: ("yes" if n < 15 else "no") for n, i in enumerate(ids)},
                    finished=True)
        assert done.id == first.id
    (only,) = rows(app, reference)
    assert (only.complete, only.level, only.score, only.unanswered) == (True, "high", 15, 0)
    row = report_of(app, reference)
    assert (row.risk_level, row.band, row.status) == ("high", 0, "assessed")
    with app.app_context():
        from portal.casework.common import opener
        content = try_open(opener(), only.sealed, RISK_PURPOSE, only.id)
    assert b"marac_consent" not in content and b"Bruises" not in content  # the comment was not posted again
    actions = [e.action for e in audit_events(app) if e.action.startswith("case.risk")]
    assert actions == ["case.risk_started", "case.risk_continued", "case.risk_continued"]
    assert not any("Bruises" in e.detail for e in audit_events(app))


def test_a_finished_checklist_below_the_threshold_is_standard_unless_referred_on_judgement(app, case):
    reference, officer = case
    questions = checklist(app)
    ids = [q.id for q in questions.questions if not q.escalation]
    answers = {q.id: ("yes" if q.id in ids[:5] else "no") for q in questions.questions}
    with working(app, reference, officer.id) as (s, report, staff):
        assert save(s, report, staff, questions, answers, finished=True).level == "standard"
        with pytest.raises(risk.NotAllowed):  # a judgement referral needs its reason
            save(s, report, staff, questions, answers, finished=True, judgement=True)
        judged = save(s, report, staff, questions, answers, finished=True, judgement=True,
                      judgement_reason="Threats since.")
        assert (judged.level, judged.judgement) == ("high", True)
    assert report_of(app, reference).risk_level == "high"
    assert len(rows(app, reference)) == 2


def test_an_agency_dash_of_17_lifts_the_case_to_band_0_and_sets_the_risk_level(app, case):
    reference, officer = case
    assert report_of(app, reference).band == 2
    with working(app, reference, officer.id) as (s, report, staff):
        row = agency(s, report, staff)
        assert (row.source, row.tool, row.score, row.level, row.agency) == ("agency", "dash", 17, "high", "idva")
    found = report_of(app, reference)
    assert (found.risk_level, found.band, found.status) == ("high", 0, "assessed")
    # Unmarking urgent keeps the band a high-risk case has.
    with working(app, reference, officer.id) as (s, report, staff):
        set_urgent(s, report, staff, True)
        set_urgent(s, report, staff, False)
    assert report_of(app, reference).band == 0


def test_a_dara_grade_is_taken_as_given_and_the_latest_assessment_counts(app, case):
    reference, officer = case
    with working(app, reference, officer.id) as (s, report, staff):
        agency(s, report, staff)  # yesterday: DASH 17, high
        dara = agency(s, report, staff, agency="police", tool="dara", score=None, grade="medium",
                      assessed_on=date.today())
        assert dara.level == "medium"
        assert report.risk_level == "medium" and report.band == 2
        # An older assessment recorded later does not displace the latest by date.
        agency(s, report, staff, tool="other", score=None, grade="high", agency="other", agency_name="Refuge",
               assessed_on=date.today() - timedelta(days=30))
    assert report_of(app, reference).risk_level == "medium"


@pytest.mark.parametrize("values", [
    {"score": 30}, {"score": -1}, {"score": None}, {"score": True}, {"tool": "xyz"},
    {"tool": "dara", "score": None, "grade": ""}, {"tool": "dara", "score": 17, "grade": "high"},
    {"tool": "dara", "score": None, "grade": "extreme"}, {"tool": "dash", "grade": "high"},
    {"agency": "aliens"}, {"agency": "referrer"}, {"agency": "other", "agency_name": "  "},
])
def test_tampered_assessments_are_refused_and_nothing_is_stored(app, case, values):
    reference, officer = case
    with working(app, reference, officer.id) as (s, report, staff), pytest.raises(risk.NotAllowed):
        agency(s, report, staff, **values)
    assert rows(app, reference) == [] and report_of(app, reference).risk_level == ""


def test_tampered_checklists_are_refused(app, case):
    reference, officer = case
    questions = checklist(app)
    first = questions.questions[0].id
    with working(app, reference, officer.id) as (s, report, staff):
        for answers in ({first: "maybe"}, {"not_a_question": "yes"}):
            with pytest.raises(risk.NotAllowed):
                save(s, report, staff, questions, answers, finished=False)
    assert rows(app, reference) == []


def test_a_future_date_is_refused_for_assessments_and_incidents(app, case):
    reference, officer = case
    tomorrow = date.today() + timedelta(days=2)
    with working(app, reference, officer.id) as (s, report, staff):
        with pytest.raises(risk.AssessedInFuture):
            agency(s, report, staff, assessed_on=tomorrow)
        with pytest.raises(risk.AssessedInFuture):
            risk.record_incident(s, report, staff, occurred_on=tomorrow, police=True, incident_number="", what="x",
                                 tz=TZ)
    assert rows(app, reference) == []


def test_incidents_are_sealed_and_a_police_update_records_one(app, case):
    reference, officer = case
    with working(app, reference, officer.id) as (s, report, staff):
        risk.record_incident(s, report, staff, occurred_on=date.today(), police=False, incident_number="",
                             what="He broke the door.", tz=TZ)
        record_update(s, report, staff, agency="police", updated_on=date.today() - timedelta(days=3),
                      told="Called out at 2am.", incident_number="GW-123", tz=TZ)
        record_update(s, report, staff, agency="idva", updated_on=date.today(), told="Safety plan made.", tz=TZ)
        found = list(s.scalars(select(Incident).where(Incident.report_id == report.id).order_by(Incident.occurred_on)))
        assert [(i.police, i.occurred_on) for i in found] == [(True, date.today() - timedelta(days=3)),
                                                              (False, date.today())]
        from portal.casework.common import opener
        opened = try_open(opener(), found[0].sealed, INCIDENT_PURPOSE, found[0].id)
        assert b"GW-123" in opened and b"Called out" in opened
        assert b"He broke" not in found[1].sealed


def test_the_referral_forms_dash_becomes_an_assessment_once(app):
    reference = send_report(new_client(app), {
        "org_name": "Gwent IDVA", "worker_name": "Sam", "work_email": "sam@idva.example",
        "contact_methods": ["trusted"], "trusted_person": "Through me", "dash_done": "yes", "dash_score": "16",
        "marac": "planned", "story": STORY}, slug="agency")
    officer = add_staff(app, "officer")
    assert report_of(app, reference).risk_level == "high"  # set at intake
    for _ in range(2):
        with working(app, reference, officer.id) as (s, report, staff):
            open_case(s, report, staff, "case")
    (row,) = rows(app, reference)
    assert (row.source, row.agency, row.tool, row.score, row.level, row.staff_id, row.marac_planned) == (
        "form", "referrer", "dash", 16, "high", None, True)
    received = report_of(app, reference)
    assert row.assessed_on == received.received_at.date() and received.status == "new"
    assert len(audit_events(app, "case.risk_from_form")) == 1


def test_a_report_without_a_dash_on_its_form_gets_no_assessment(app, case):
    reference, officer = case
    with working(app, reference, officer.id) as (s, report, staff):
        open_case(s, report, staff, "case")
    assert rows(app, reference) == []
