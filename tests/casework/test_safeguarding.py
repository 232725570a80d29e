"""Safeguarding (issue 17; whg 1.5, Plus Dane 16), the service: the public form's answers become the plaintext flags
(someone under 16 at risk is child safeguarding, sorted with children); staff set and clear the flags, audited with
codes; referrals and their outcomes are sealed, dated never after today, an outcome never before its referral, and
a concern, route or outcome the page does not offer is refused; `open_referrals` lists those still awaited."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.casework.common import NotAllowed
from portal.casework.safeguarding import (
    BeforeReferral,
    InTheFuture,
    due_prompts,
    open_referrals,
    record_outcome,
    record_referral,
    set_flags,
)
from portal.intake.reports import find_by_reference
from portal.store.models import StaffUser
from portal.store.risk_models import SAFEGUARDING_OUTCOME_PURPOSE, SAFEGUARDING_PURPOSE, SafeguardingReferral
from tests.staff_helpers import SAFE_TEXT, add_staff, audit_events, dbs, new_client, report_row, send_report

TZ = "Europe/London"
WHAT = "Told children's services about Maya, 14, who lives there; their reference CS-55120."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return add_staff(app, "officer")


def today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


def in_service(app, reference: str, officer, work):  # type: ignore[no-untyped-def]
    with app.test_request_context("/staff/"), dbs(app) as s:
        return work(s, find_by_reference(s, reference), s.get(StaffUser, officer.id))


def referrals(app) -> list[SafeguardingReferral]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(SafeguardingReferral)))


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_someone_under_16_on_the_public_form_is_child_safeguarding_in_band_1(app, lang):
    client = new_client(app)
    reference = send_report(client, {**SAFE_TEXT, "story": "x", "children": "no", "age_at_risk": "under_16",
                                     "children_ages": "fourteen and nine"}, lang=lang)
    report = report_row(app, reference)
    assert (report.under_16, report.children, report.band, report.adult_at_risk) == (True, True, 1, False)
    assert b"fourteen" not in report.sealed  # the ages are sealed; only the flags are plain
    answers = app.extensions["opener"].open_json(report.sealed, "report", report.id)["answers"]
    assert (answers["children_ages"], answers["age_at_risk"]) == ("fourteen and nine", "under_16")
    assert due_prompts(report, []) == ["child"]


@pytest.mark.parametrize(("answers", "flags"), [
    ({"age_at_risk": "aged_16_17", "care_needs": "yes"}, (False, True, 2)),
    ({"age_at_risk": "unsure", "care_needs": "unsure"}, (False, False, 2)),
    ({"age_at_risk": "no", "care_needs": "no", "children": "visit"}, (False, False, 1)),
    ({"age_at_risk": "under_16", "danger_now": "yes"}, (True, False, 0)),
])
def test_only_a_yes_raises_a_flag(app, answers, flags):
    reference = send_report(new_client(app), {**SAFE_TEXT, **answers}, slug="someone")
    report = report_row(app, reference)
    assert (report.under_16, report.adult_at_risk, report.band) == flags


def test_a_code_the_form_does_not_offer_is_refused_and_nothing_is_stored(app):
    from tests.conftest import Reporter

    response = Reporter(new_client(app)).send({**SAFE_TEXT, "age_at_risk": "under_12"}, "you", "en")
    assert response.status_code == 400
    with dbs(app) as s:
        assert s.scalar(select(SafeguardingReferral.id)) is None


def test_staff_set_and_clear_the_flags_audited_with_codes_and_under_16_sorts_with_children(app, officer):
    reference = send_report(new_client(app))
    assert report_row(app, reference).band == 2
    changes = in_service(app, reference, officer,
                         lambda s, r, staff: set_flags(s, r, staff, {"under_16": True, "exploitation": True}))
    assert changes == ["under_16:on", "exploitation:on"]
    report = report_row(app, reference)
    assert (report.under_16, report.children, report.exploitation, report.band) == (True, True, True, 1)
    events = audit_events(app, "case.safeguarding_flag")
    assert [(e.actor, e.detail) for e in events] == [(officer.actor, "under_16:on"), (officer.actor, "exploitation:on")]
    assert in_service(app, reference, officer, lambda s, r, staff: set_flags(s, r, staff, {"under_16": True})) == []
    in_service(app, reference, officer,
               lambda s, r, staff: set_flags(s, r, staff, {"exploitation": False, "adult_at_risk": True}))
    report = report_row(app, reference)
    assert (report.exploitation, report.adult_at_risk, report.under_16) == (False, True, True)
    assert due_prompts(report, []) == ["child", "adult"]
    with pytest.raises(NotAllowed):
        in_service(app, reference, officer, lambda s, r, staff: set_flags(s, r, staff, {"danger_now": True}))


def test_a_referral_is_sealed_audited_and_stops_its_prompt(app, officer):
    reference = send_report(new_client(app), {**SAFE_TEXT, "age_at_risk": "under_16"})
    on = today() - timedelta(days=1)
    made = in_service(app, reference, officer, lambda s, r, staff: record_referral(
        s, r, staff, concern="child", referred_to="childrens_services", referred_on=on, what=WHAT, tz=TZ))
    (row,) = referrals(app)
    assert (row.id, row.concern, row.referred_to, row.referred_on, row.outcome) == (
        made.id, "child", "childrens_services", on, "")
    assert b"Maya" not in row.sealed and b"CS-55120" not in row.sealed
    assert app.extensions["opener"].open_json(row.sealed, SAFEGUARDING_PURPOSE, row.id) == {"what": WHAT, "other": ""}
    (event,) = audit_events(app, "case.safeguarding_referral")
    assert (event.detail, event.report_id) == ("child:childrens_services", report_row(app, reference).id)
    assert due_prompts(report_row(app, reference), [row]) == []
    assert [r.id for r in in_service(app, reference, officer, lambda s, r, staff: open_referrals(s, r))] == [row.id]


@pytest.mark.parametrize("change", [{"concern": "teenager"}, {"referred_to": "the_press"}, {"concern": ""},
                                    {"referred_to": "other"}, {"referred_on": None}])
def test_a_referral_not_offered_or_without_a_date_is_refused(app, officer, change):
    reference = send_report(new_client(app))
    values = {"concern": "adult", "referred_to": "adult_social_care", "referred_on": today(), "what": WHAT, **change}
    with pytest.raises(NotAllowed):
        in_service(app, reference, officer, lambda s, r, staff: record_referral(s, r, staff, tz=TZ, **values))
    assert referrals(app) == [] and not audit_events(app, "case.safeguarding_referral")


def test_dates_after_today_are_refused_and_an_outcome_before_its_referral(app, officer):
    reference = send_report(new_client(app))
    tomorrow = today() + timedelta(days=1)
    with pytest.raises(InTheFuture):
        in_service(app, reference, officer, lambda s, r, staff: record_referral(
            s, r, staff, concern="exploitation", referred_to="nrm", referred_on=tomorrow, what=WHAT, tz=TZ))
    made = in_service(app, reference, officer, lambda s, r, staff: record_referral(
        s, r, staff, concern="exploitation", referred_to="other", other="Hope for Justice", referred_on=today(),
        what=WHAT, tz=TZ))
    for day, error in ((tomorrow, InTheFuture), (today() - timedelta(days=1), BeforeReferral), (None, NotAllowed)):
        with pytest.raises(error):
            in_service(app, reference, officer, lambda s, r, staff, day=day: record_outcome(
                s, r, staff, made.id, outcome="accepted", outcome_on=day, note="", tz=TZ))
    (row,) = referrals(app)
    assert (row.outcome, row.outcome_on, row.outcome_sealed) == ("", None, None)
    assert app.extensions["opener"].open_json(row.sealed, SAFEGUARDING_PURPOSE, row.id)["other"] == "Hope for Justice"


def test_an_outcome_is_recorded_once_sealed_apart_and_closes_the_referral(app, officer):
    reference = send_report(new_client(app))
    other = send_report(new_client(app))
    made = in_service(app, reference, officer, lambda s, r, staff: record_referral(
        s, r, staff, concern="adult", referred_to="adult_social_care", referred_on=today(), what=WHAT, tz=TZ))
    for outcome, case in (("maybe", reference), ("accepted", other)):  # not offered; not this case's referral
        with pytest.raises(NotAllowed):
            in_service(app, case, officer, lambda s, r, staff, outcome=outcome: record_outcome(
                s, r, staff, made.id, outcome=outcome, outcome_on=today(), note="", tz=TZ))
    note = "Section 126 enquiry opened; social worker allocated."
    in_service(app, reference, officer, lambda s, r, staff: record_outcome(
        s, r, staff, made.id, outcome="strategy", outcome_on=today(), note=note, tz=TZ))
    (row,) = referrals(app)
    assert (row.outcome, row.outcome_on, row.outcome_by) == ("strategy", today(), officer.id)
    assert b"enquiry" not in row.outcome_sealed
    opener = app.extensions["opener"]
    assert opener.open_json(row.outcome_sealed, SAFEGUARDING_OUTCOME_PURPOSE, row.id) == {"note": note}
    assert opener.open_json(row.sealed, SAFEGUARDING_PURPOSE, row.id)["what"] == WHAT  # untouched
    assert [e.detail for e in audit_events(app, "case.safeguarding_outcome")] == ["adult:strategy"]
    assert in_service(app, reference, officer, lambda s, r, staff: open_referrals(s, r)) == []
    with pytest.raises(NotAllowed):  # once
        in_service(app, reference, officer, lambda s, r, staff: record_outcome(
            s, r, staff, made.id, outcome="nfa", outcome_on=today(), note="", tz=TZ))
