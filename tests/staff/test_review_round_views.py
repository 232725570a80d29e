"""Review rounds on the staff side: a lead sets a round (an officer cannot); an auditor opens a sampled case for review
(the opening audited as every opening is), answers the checklist and leaves a follow-up that reaches the officer, and
still cannot change or open the case anywhere else; forms keep everything typed on a refusal, a stale token or a
session that ended; the checklist settings; the figures on the indicators page and in its CSV."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.casework.review_checklist import BUILT_IN
from portal.store.assurance_models import ReviewRound, RoundCase
from portal.store.models import WebSession
from tests.staff_helpers import (
    STORY,
    audit_events,
    csrf_from,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    set_report,
    sign_in,
    signed_in,
)

FINDING = "The DASH was never finished although she spoke of strangulation."
FOLLOW_UP = "Finish the DASH with her at a safe time this week, and record why it waited."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def today() -> str:
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


def new_round(client, **data: str):  # type: ignore[no-untyped-def]
    return post_form(client, "/staff/review-rounds/new", {"basis": "received", "first": today(), "last": today(),
                                                         "size": "5", **data}, token_from="/staff/review-rounds")


def round_id_from(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, html_of(response)[:3000]
    match = re.fullmatch(r"/staff/review-rounds/([0-9]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def all_met(n: int = len(BUILT_IN), **special: str) -> dict[str, str]:
    return {f"point_{i}": special.get(f"point_{i}", "met") for i in range(n)}


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    """A case owned by an officer, in a round a lead set; the officer, the lead and an auditor signed in."""
    reference = send_report(new_client(app))
    officer, officer_account = signed_in(app, "officer")
    set_report(app, reference, owner_id=officer_account.id)
    lead, lead_account = signed_in(app, "lead")
    auditor, auditor_account = signed_in(app, "auditor")
    rid = round_id_from(new_round(lead))
    return {"reference": reference, "round": rid, "officer": officer, "lead": lead, "auditor": auditor,
            "officer_id": officer_account.id, "auditor_id": auditor_account.id}


def test_a_lead_sets_a_round_and_an_officer_cannot(app, world):
    officer, lead = world["officer"], world["lead"]
    assert officer.get("/staff/review-rounds").status_code == 403
    token = csrf_from(officer.get("/staff/account"))
    refused = officer.post("/staff/review-rounds/new", data={"csrf_token": token, "basis": "received",
                                                             "first": today(), "last": today(), "size": "5"})
    assert refused.status_code == 403
    with dbs(app) as s:
        assert s.scalars(select(ReviewRound.id)).all() == [world["round"]]  # only the lead's
    page = html_of(lead.get(f"/staff/review-rounds/{world['round']}"))
    assert world["reference"] in page and "0 of 1 case reviewed" in page and STORY not in page
    listed = html_of(lead.get("/staff/review-rounds"))
    assert f'href="/staff/review-rounds/{world["round"]}"' in listed and 'action="/staff/review-rounds/new"' in listed
    assert 'action="/staff/review-rounds/new"' not in html_of(world["auditor"].get("/staff/review-rounds"))


def test_a_refused_round_keeps_what_was_chosen(app, world):
    response = new_round(world["lead"], size="lots", basis="closed", first="2026-03-01", last="2026-02-01")
    html = html_of(response)
    assert response.status_code == 400
    assert 'value="lots"' in html and 'value="closed" checked' in html and 'value="2026-03-01"' in html
    assert "Enter how many cases to review" in html.split("</h2>")[0] + html  # in the summary
    nothing = new_round(world["lead"], first="2025-01-01", last="2025-01-31")
    assert nothing.status_code == 400 and "There are no cases like that in this period" in html_of(nothing)
    assert len(audit_events(app, "round.set")) == 1


def review_url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/staff/review-rounds/{world['round']}/cases/{world['reference']}"


def test_an_auditor_reviews_a_case_every_opening_audited_and_cannot_change_it(app, world):
    auditor, reference = world["auditor"], world["reference"]
    report_id = report_row(app, reference).id

    def openings() -> list[str]:
        return [e.detail for e in audit_events(app, "case.opened") if e.report_id == report_id
                and e.actor == f"staff:{world['auditor_id']}"]

    page = auditor.get(review_url(world))
    html = html_of(page)
    assert page.status_code == 200 and STORY in html and "07700 900982" in html  # the case file, its safe ways
    assert openings() == ["case-review"]
    assert 'name="point_0" type="radio" value="met"' in html
    # Nothing answered: everything typed comes back, and the page (showing the case again) is audited again.
    refused = auditor.post(review_url(world), data={"finding_1": FINDING, "follow_up": FOLLOW_UP,
                                                    "csrf_token": csrf_from(html)})
    assert refused.status_code == 400 and FINDING in html_of(refused) and FOLLOW_UP in html_of(refused)
    assert "Select whether “DASH risk assessment done” was met" in html_of(refused)
    assert openings() == ["case-review", "case-review"]
    before = report_row(app, reference)
    saved = auditor.post(review_url(world), data={**all_met(point_1="not_met"), "finding_1": FINDING,
                                                  "follow_up": FOLLOW_UP, "csrf_token": csrf_from(html_of(refused))})
    assert saved.status_code == 303 and saved.headers["Location"] == f"/staff/review-rounds/{world['round']}"
    after = report_row(app, reference)
    assert (after.status, after.owner_id, after.risk_level, after.is_open) == (
        before.status, before.owner_id, before.risk_level, before.is_open)
    assert audit_events(app, "round.case_reviewed")[-1].detail == f"round:{world['round']} met:6 not_met:1 na:0 " \
                                                                  "follow_up"
    # The auditor still cannot open the case, or change it, anywhere else.
    for path in ("", "/print", "/note", "/status", "/tasks/1"):
        assert auditor.get(f"/staff/cases/{reference}{path}").status_code in {403}, path
    token = csrf_from(auditor.get("/staff/account"))
    for path in ("/note", "/status", "/urgent", "/action"):
        assert auditor.post(f"/staff/cases/{reference}{path}", data={"csrf_token": token, "text": "x"}
                            ).status_code == 403, path
    round_page = html_of(auditor.get(f"/staff/review-rounds/{world['round']}"))
    assert "1 of 1 case reviewed" in round_page and "6 met, 1 not met, 0 not applicable" in round_page
    assert FINDING not in round_page and FOLLOW_UP not in round_page  # nothing sealed on the round's page
    # Opened again, the review comes back to be changed, its findings opened (and audited).
    again = html_of(auditor.get(review_url(world)))
    assert FINDING in again and 'name="point_1" type="radio" value="not_met" checked' in again
    assert len(openings()) == 3


def test_the_follow_up_reaches_the_officer_on_their_case_and_in_their_tasks(app, world):
    post_form(world["auditor"], review_url(world), {**all_met(point_4="not_met"), "follow_up": FOLLOW_UP})
    case = html_of(world["officer"].get(f"/staff/cases/{world['reference']}"))
    assert "Follow-ups from case reviews" in case and FOLLOW_UP in case
    assert "Follow-up from a case review" in case  # the task, with its owner and due date
    with dbs(app) as s:
        (owner,) = s.execute(select(RoundCase.reviewed_by)).one()
    assert owner == world["auditor_id"]
    round_page = html_of(world["lead"].get(f"/staff/review-rounds/{world['round']}"))
    assert "Planned" in round_page and "For Officer" in round_page


def test_a_stale_token_or_an_ended_session_loses_nothing(app, world):
    from tests.staff_helpers import add_staff

    stale = world["auditor"].post(review_url(world), data={**all_met(), "finding_2": FINDING,
                                                           "csrf_token": "IjAwMDAi.stale.token"})
    assert stale.status_code == 200 and "the form timed out" in html_of(stale) and FINDING in html_of(stale)
    assert not audit_events(app, "round.case_reviewed")
    auditor = new_client(app)
    account = add_staff(app, "auditor")
    sign_in(app, auditor, account)
    token = csrf_from(auditor.get(review_url(world)))
    opened = len(audit_events(app, "case.opened"))
    with dbs(app) as s:  # every session ends while they type
        s.query(WebSession).delete()
        s.commit()
    gone = auditor.post(review_url(world), data={**all_met(), "finding_2": FINDING, "csrf_token": token})
    html = html_of(gone)
    assert gone.status_code == 401 and "You have been signed out" in html and FINDING in html
    assert 'name="point_0" type="radio" value="met" checked' in html
    assert STORY not in html and len(audit_events(app, "case.opened")) == opened  # nothing opened
    assert not audit_events(app, "round.case_reviewed")
    lead = new_client(app)
    gone_round = lead.post("/staff/review-rounds/new", data={"basis": "open", "size": "12", "csrf_token": "x"})
    assert gone_round.status_code == 401 and 'value="12"' in html_of(gone_round)
    assert 'value="open" checked' in html_of(gone_round)


def test_a_restricted_case_is_not_in_an_auditors_sample_or_anywhere_they_look(app):
    lead, _lead = signed_in(app, "lead")
    auditor, auditor_account = signed_in(app, "auditor")
    plain = [send_report(new_client(app)) for _ in range(2)]
    hidden = send_report(new_client(app))
    set_report(app, hidden, restricted="leads")
    rid = round_id_from(new_round(lead, size="2"))
    hidden_id = report_row(app, hidden).id
    with dbs(app) as s:  # drawn first, whatever the seed said: the auditor's sample is still full without it
        if hidden_id not in s.scalars(select(RoundCase.report_id).where(RoundCase.round_id == rid)).all():
            s.add(RoundCase(round_id=rid, report_id=hidden_id, position=0))
            s.commit()
    page = html_of(auditor.get(f"/staff/review-rounds/{rid}"))
    assert hidden not in page and "0 of 2 cases reviewed" in page
    assert sum(reference in page for reference in plain) == 2
    assert auditor.get(f"/staff/review-rounds/{rid}/cases/{hidden}").status_code == 404  # its address: nothing
    assert audit_events(app, "case.refused")[-1].actor == f"staff:{auditor_account.id}"
    assert hidden in html_of(lead.get(f"/staff/review-rounds/{rid}"))  # a lead may see it: in their sample
    assert auditor.get(f"/staff/review-rounds/{rid}/cases/ZZZZ-ZZZZ").status_code == 404


def test_a_lead_changes_the_checklist_and_a_welsh_reader_sees_their_own_point_in_welsh(app):
    lead, _account = signed_in(app, "lead")
    assert signed_in(app, "auditor")[0].get("/staff/settings/review-checklist").status_code == 403
    half = post_form(lead, "/staff/settings/review-checklist", {"on": list(BUILT_IN), "new_en": "Tenancy told"})
    assert half.status_code == 400 and 'value="Tenancy told"' in html_of(half)
    response = post_form(lead, "/staff/settings/review-checklist", {
        "on": [c for c in BUILT_IN if c != "records"], "new_en": "The tenancy officer was told of the risk",
        "new_cy": "Cafodd y swyddog tenantiaeth wybod am y risg"})
    assert response.status_code == 303
    send_report(new_client(app))
    welsh, _welsh = signed_in(app, "lead", language="cy")
    rid = round_id_from(new_round(welsh))
    with dbs(app) as s:
        reference = s.execute(select(RoundCase.report_id).where(RoundCase.round_id == rid)).scalar_one()
        from portal.store.models import Report
        reference = s.get(Report, reference).reference
    html = html_of(welsh.get(f"/staff/review-rounds/{rid}/cases/{reference}", headers={"Accept-Language": "cy"}))
    assert "Cafodd y swyddog tenantiaeth wybod am y risg" in html and "The tenancy officer" not in html
    assert 'name="point_6"' in html and 'name="point_7"' not in html  # six built-in points on, and theirs


def test_the_indicators_show_case_reviews_and_the_csv_names_each_point(app, world):
    post_form(world["auditor"], review_url(world), all_met(point_0="not_met"))
    page = html_of(world["lead"].get("/staff/indicators"))
    assert 'id="review-rounds-title"' in page and "Cases reviewed in review rounds" in page
    assert "First contact on time and by a safe way" in page.split('id="review-rounds-title"')[1]
    rows = list(csv.reader(io.StringIO(world["lead"].get("/staff/indicators.csv").get_data(as_text=True)[1:])))
    by_code = {row[2]: row for row in rows[3:]}
    assert by_code["review_rounds.reviewed"][3] == "<5"  # one review: a small count
    assert by_code["review_points_met_percent.dash"][1] == "DASH risk assessment done"
    assert by_code["review_points_met_percent.dash"][0] == "Case reviews: cases meeting each point, of those it " \
                                                           "applied to (%)"


def test_switching_language_on_the_checklist_keeps_what_was_typed(app, world):
    page = html_of(world["auditor"].get(review_url(world)))
    assert 'form="review-form"' in page  # the header's button sends the checklist with it
    switched = world["auditor"].post(review_url(world), data={"point_0": "met", "finding_1": FINDING,
                                                              "switch_language": "cy", "csrf_token": csrf_from(page)})
    html = html_of(switched)
    assert switched.status_code == 200 and '<html lang="cy"' in html and FINDING in html
    assert "Asesiad risg DASH wedi&#39;i wneud" in html and 'name="point_0" type="radio" value="met" checked' in html
    assert 'class="error-summary"' not in html and not audit_events(app, "round.case_reviewed")


def test_the_audit_log_says_what_a_round_did_in_words(app):
    from flask_babel import force_locale

    from portal.staff.audit_labels import detail_label

    people = {"staff:4": "Siân Evans"}
    with app.test_request_context():
        with force_locale("en"):
            assert detail_label("round.set", "round:3 received dates:2026-01-01..2026-03-31 size:10 officer:4",
                                people) == ("review round 3; Cases received in the period; 1 Jan 2026 to 31 Mar 2026; "
                                            "10 cases each; the cases of Siân Evans")
            assert detail_label("round.case_reviewed", "round:3 met:5 not_met:1 na:1 again follow_up") == (
                "review round 3; 5 points met; 1 point not met; 1 point not applicable; recorded again; "
                "with a follow-up for the owner")
            assert detail_label("settings.review_checklist_changed", "turned_off:dash,records added:own-2") == (
                "turned off: DASH risk assessment done, Records clear; added a point of their own")
            assert detail_label("case.opened", "case-review") == "a case review in a review round"
            assert detail_label("case.task_added", "12 review_followup planned") == (
                "Follow-up from a case review; Planned")
        with force_locale("cy"):
            assert detail_label("round.case_reviewed", "round:3 met:5 not_met:1 na:1") == (
                "cylch adolygu 3; 5 pwynt wedi'u bodloni; 1 pwynt heb eu bodloni; 1 pwynt amherthnasol")


def test_reviewing_a_case_nobody_has_opened_writes_nothing_on_it(app):
    """The first opening of an agency's referral records its DASH score as an assessment; a review's opening does
    not: it writes nothing on the case but its audit event."""
    from portal.intake.reports import new_submission_key, submit
    from portal.store.risk_models import RiskAssessment
    from tests.staff_helpers import add_staff

    officer = add_staff(app, "officer")
    with app.test_request_context("/staff/"), dbs(app) as s:
        receipt = submit(s, kind="agency", answers={"story": "A referral from Women's Aid.", "dash_done": "yes",
                                                    "dash_score": 16, "org_name": "Example Women's Aid",
                                                    "contact_methods": ["none"]},
                         flags={"danger_now": False, "children": False, "no_contact": False},
                         contact_language="en", submission_key=new_submission_key())
    set_report(app, receipt.reference, owner_id=officer.id)
    lead, _lead = signed_in(app, "lead")
    auditor, _auditor = signed_in(app, "auditor")
    rid = round_id_from(new_round(lead, officer=str(officer.id)))
    before = report_row(app, receipt.reference)
    page = auditor.get(f"/staff/review-rounds/{rid}/cases/{receipt.reference}")
    assert page.status_code == 200 and "A referral from Women&#39;s Aid." in html_of(page)
    after = report_row(app, receipt.reference)
    with dbs(app) as s:
        assert s.scalars(select(RiskAssessment.id)).all() == []
    assert (after.risk_level, after.indexed_key, after.status) == (before.risk_level, before.indexed_key, before.status)
    assert not audit_events(app, "case.risk_from_form")
    assert [e.detail for e in audit_events(app, "case.opened")] == ["case-review"]
