"""The risk pages: our DASH checklist saved to finish later and finished, another agency's assessment, incidents;
what the case, its header, the queue and the printed summary show; tampered posts refused; both languages."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale, format_date
from sqlalchemy import select

from portal.store.risk_models import Incident, RiskAssessment
from tests.staff_helpers import csrf_from, dbs, html_of, new_client, post_form, report_row, send_report, signed_in

DASH = json.loads((Path(__file__).resolve().parents[2] / "portal" / "data" / "dash.json").read_text("utf-8"))
IDS = [q["id"] for q in DASH["questions"]]
YESTERDAY = date.today() - timedelta(days=1)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def reference(app):  # type: ignore[no-untyped-def]
    return send_report(new_client(app))


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")[0]


def assessments(app, reference: str) -> list[RiskAssessment]:  # type: ignore[no-untyped-def]
    report_id = report_row(app, reference).id
    with dbs(app) as s:
        return list(s.scalars(select(RiskAssessment).where(RiskAssessment.report_id == report_id)))


def agency_post(**values: str) -> dict[str, str]:
    return {"agency": "idva", "assessed_on": YESTERDAY.isoformat(), "tool": "dash", "score": "17",
            "marac_planned": "yes", "note": "Seen at the refuge.", **values}


def test_an_agency_dash_shows_on_the_case_its_header_and_the_queue(app, reference, officer):
    response = post_form(officer, f"/staff/cases/{reference}/risk/agency", agency_post())
    assert response.status_code == 303
    html = html_of(officer.get(f"/staff/cases/{reference}"))
    with app.test_request_context(), force_locale("en"):
        day = format_date(YESTERDAY, "d MMM yyyy")
    header = re.search(r'class="risk-now">(.*?)</dd>', html, re.S)
    assert header and re.sub(r"<[^>]+>|\s+", " ", header.group(1)).split() == \
        f"High risk : DASH: 17 of 24 (IDVA service, {day})".split()
    assert "Seen at the refuge." in html and "MARAC referral planned or made" in html
    row = report_row(app, reference)
    assert (row.risk_level, row.band) == ("high", 0)
    queue = html_of(officer.get("/staff/"))
    assert re.search(reference + r".*?High risk", queue, re.S)


def test_a_dara_grade_is_shown_as_a_grade_not_a_score(app, reference, officer):
    post_form(officer, f"/staff/cases/{reference}/risk/agency",
              agency_post(agency="police", tool="dara", score="", grade="medium"))
    html = html_of(officer.get(f"/staff/cases/{reference}"))
    assert "DARA: Medium (Police," in html and "of 24" not in html
    assert report_row(app, reference).risk_level == "medium" and "High risk" not in html


@pytest.mark.parametrize("values", [
    {"score": "30"}, {"tool": "xyz"}, {"tool": "dara", "score": "", "grade": ""}, {"score": ""},
    {"tool": "dara", "score": "", "grade": "extreme"}, {"agency": "referrer"}, {"agency": "other"},
])
def test_tampered_agency_posts_get_the_form_again_and_store_nothing(app, reference, officer, values):
    response = post_form(officer, f"/staff/cases/{reference}/risk/agency", agency_post(**values))
    assert response.status_code == 400
    assert assessments(app, reference) == [] and report_row(app, reference).risk_level == ""


def test_another_agencys_name_is_shown_as_text(app, reference, officer):
    name = "<i>Refuge</i> & co"
    post_form(officer, f"/staff/cases/{reference}/risk/agency",
              agency_post(agency="other", agency_name=name, tool="other", score="", grade="high"))
    html = html_of(officer.get(f"/staff/cases/{reference}"))
    assert "Another tool: High (&lt;i&gt;Refuge&lt;/i&gt; &amp; co," in html and "<i>Refuge" not in html


def test_a_future_assessment_date_is_refused_with_the_form_again(app, reference, officer):
    future = (date.today() + timedelta(days=3)).isoformat()
    response = post_form(officer, f"/staff/cases/{reference}/risk/agency", agency_post(assessed_on=future))
    assert response.status_code == 400 and "must be today or in the past" in html_of(response)
    assert "Seen at the refuge." in html_of(response) and assessments(app, reference) == []


def test_a_part_done_checklist_is_shown_with_its_unanswered_numbers_and_finished_later(app, reference, officer):
    answers = {f"q_{qid}": "no" for qid in IDS[:20]}
    answers["q_" + IDS[0]] = "yes"
    response = post_form(officer, f"/staff/cases/{reference}/risk",
                         {**answers, f"c_{IDS[0]}": "Bruising", "save": "later"})
    assert response.status_code == 303
    html = html_of(officer.get(f"/staff/cases/{reference}"))
    assert "A DASH checklist is part-done: questions 21, 22, 23, 24 are unanswered." in html
    assert "Continue the part-done risk checklist (DASH)" in html and "Not assessed yet" in html
    page = html_of(officer.get(f"/staff/cases/{reference}/risk"))
    assert "You are continuing a checklist" in page and "Bruising" in page
    assert re.search(rf'name="q_{IDS[0]}" type="radio" value="yes" checked', page)
    # "Save" with questions still unanswered gives the form back with everything typed.
    typed = {"csrf_token": csrf_from(page), **answers, f"c_{IDS[0]}": "Bruising", "save": "finish"}
    response = officer.post(f"/staff/cases/{reference}/risk", data=typed)
    assert response.status_code == 400
    assert "Answer question 21:" in html_of(response) and "Bruising" in html_of(response)
    everything = {**{f"q_{qid}": "yes" for qid in IDS}, "save": "finish"}
    response = officer.post(f"/staff/cases/{reference}/risk", data={"csrf_token": csrf_from(page), **everything})
    assert response.status_code == 303
    (row,) = assessments(app, reference)
    assert (row.complete, row.level, row.score, row.unanswered) == (True, "high", 24, 0)
    html = html_of(officer.get(f"/staff/cases/{reference}"))
    assert "part-done" not in html and "DASH: 24 of 24 (our checklist," in html


def test_a_tampered_answer_is_refused(app, reference, officer):
    response = post_form(officer, f"/staff/cases/{reference}/risk", {f"q_{IDS[0]}": "maybe", "save": "later"})
    assert response.status_code == 400 and assessments(app, reference) == []


def test_incidents_are_listed_on_the_case_and_printed(app, reference, officer):
    response = post_form(officer, f"/staff/cases/{reference}/incident",
                         {"occurred_on": YESTERDAY.isoformat(), "police": "yes", "incident_number": "GW-77",
                          "what": "He kicked the door in."})
    assert response.status_code == 303
    future = post_form(officer, f"/staff/cases/{reference}/incident",
                       {"occurred_on": (date.today() + timedelta(days=3)).isoformat(), "police": "no", "what": "x"})
    assert future.status_code == 400
    with dbs(app) as s:
        assert len(list(s.scalars(select(Incident)))) == 1
    post_form(officer, f"/staff/cases/{reference}/risk/agency", agency_post(assessed_on=(YESTERDAY - timedelta(days=5))
                                                                           .isoformat()))
    for url in (f"/staff/cases/{reference}", f"/staff/cases/{reference}/print"):
        html = html_of(officer.get(url))
        assert "GW-77" in html and "He kicked the door in." in html and "The police were called out" in html
        assert "DASH: 17 of 24 (IDVA service," in html
    assert "An incident was recorded after the latest risk assessment." in html_of(
        officer.get(f"/staff/cases/{reference}"))
    unprinted = html_of(officer.get(f"/staff/cases/{reference}/print?chosen=1&part=report"))
    assert "GW-77" not in unprinted


@pytest.mark.parametrize("lang, words", [
    ("en", ("Save and finish later", "Record another agency's risk assessment", "Record an incident")),
    ("cy", ("Cadw a gorffen wedyn", "Cofnodi asesiad risg asiantaeth arall", "Cofnodi digwyddiad")),
])
def test_the_pages_render_in_both_languages(app, reference, lang, words):
    client, _ = signed_in(app, "officer", language=lang)
    pages = [html_of(client.get(f"/staff/cases/{reference}{path}")) for path in ("/risk", "/risk/agency", "/incident")]
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert words[0] in pages[0] and words[1] in case and words[2] in case
    for path in ("/risk", "/risk/agency", "/incident"):
        assert client.get(f"/staff/cases/{reference}{path}").status_code == 200


def test_the_referral_forms_dash_and_an_old_checklist_show_on_the_case(app):
    from portal.intake.reports import current_sealer
    from portal.store.risk_models import RISK_PURPOSE

    reference = send_report(new_client(app), {
        "org_name": "Gwent IDVA", "worker_name": "Sam", "work_email": "sam@idva.example",
        "contact_methods": ["trusted"], "trusted_person": "Through me", "dash_done": "yes", "dash_score": "16",
        "story": "Referred after a call-out."}, slug="agency")
    report = report_row(app, reference)
    # A checklist moved from the old case entries by migration 0008: its content still has marac_consent.
    with app.app_context(), dbs(app) as s:
        sealer = current_sealer()
        old = {"answers": {qid: "no" for qid in IDS}, "comments": {}, "judgement_reason": "", "notes": "Old notes",
               "marac_consent": "no", "checklist_version": "portal-paraphrase-1"}
        at = report.received_at
        s.add(RiskAssessment(id="0f0e0d0c-0000-4000-8000-000000000001", report_id=report.id, at=at, updated_at=at,
                             staff_id=None, source="ours", tool="dash", agency="", assessed_on=date(2026, 1, 5),
                             score=0, grade="", level="standard", complete=True, unanswered=0, escalation=False,
                             judgement=False, marac_planned=False, key_id=sealer.key_id,
                             sealed=sealer.seal_json(old, RISK_PURPOSE, "0f0e0d0c-0000-4000-8000-000000000001")))
        s.commit()
    client, _ = signed_in(app, "officer")
    html = html_of(client.get(f"/staff/cases/{reference}"))
    section = html[html.index("risk-heading"):]
    assert "DASH: 16 of 24 (the referring agency's form," in section and "Gwent IDVA" in section
    assert "MARAC consent:" in html and "They did not agree" in html and "Old notes" in html
    header = re.search(r'class="risk-now">(.*?)</dd>', html, re.S)
    assert header and "High risk" in header.group(1) and "16 of 24" in header.group(1)
    assert report_row(app, reference).band == 0
