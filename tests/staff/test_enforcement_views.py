"""The perpetrator record and action against a perpetrator on the case pages (issue 18): recorded from the case
page (the safe-contact profile still first), shown there sealed content and all, never on the printed summary nor
to the reporter; the Restricted Access List flag with its review due; joint tenancy advice with mediation recorded
as unsafe; a warning started with the victim's view, reviewed, and authorised by an authoriser other than the person
who asked (the queue links authorisers to their list); the lead's toggle of the permission, audited; forms that
come back with what was typed; in English and Welsh."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.store.followup_models import Enforcement, Perpetrator
from tests.staff_helpers import (
    audit_events,
    dbs,
    html_of,
    messages_page,
    new_client,
    post_form,
    reporter_with_receipt,
    send_report,
    signed_in,
    staff_row,
)

RELATIONSHIP = "Her husband, Gareth"
ADDRESS = "Flat 3, 22 Stryd y Castell"
VIEW = "She wants a warning letter sent but is scared of his reaction."
PLAN = "Police marker placed; she has a panic alarm fitted the day before."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def make_authoriser(app, account) -> None:  # type: ignore[no-untyped-def]
    from portal.store.models import StaffUser
    with dbs(app) as s:
        s.get(StaffUser, account.id).can_authorise = True
        s.commit()


def perpetrators(app) -> list[Perpetrator]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(Perpetrator)))


def actions(app) -> list[Enforcement]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(Enforcement)))


def record(client, reference: str, tenure: str = "joint"):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/perpetrator",
                     {"relationship": RELATIONSHIP, "tenure": tenure, "address": ADDRESS})


def start(client, reference: str, perpetrator_id: str, **data: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/perpetrator/{perpetrator_id}/enforcement",
                     {"kind": "warning", "victim_view": VIEW, "safety_plan": PLAN, **data})


def test_the_whole_journey_from_record_to_authorised(app):
    officer, _ = signed_in(app, "officer")
    lead, _ = signed_in(app, "lead")
    authoriser, authoriser_account = signed_in(app, "lead")
    make_authoriser(app, authoriser_account)
    reference = send_report(new_client(app))
    case = html_of(officer.get(f"/staff/cases/{reference}"))
    assert case.index("Safe-contact profile") < case.index('id="perpetrators-heading"')
    assert record(officer, reference).status_code == 303
    (perpetrator,) = perpetrators(app)
    case = html_of(officer.get(f"/staff/cases/{reference}"))
    assert RELATIONSHIP in case and ADDRESS in case and "Joint tenancy: advice and mediation" in case
    assert start(officer, reference, perpetrator.id).status_code == 303
    (action,) = actions(app)
    assert action.stage == "review"
    assert officer.get(f"/staff/cases/{reference}/enforcement/{action.id}/decision").status_code == 403
    response = post_form(lead, f"/staff/cases/{reference}/enforcement/{action.id}/review",
                         {"options": "An acceptable behaviour contract was refused.",
                          "pre_court": "Letter before action sent on the 1st."})
    assert response.status_code == 303
    queue = html_of(authoriser.get("/staff/"))
    assert "Action awaiting authorisation: 1" in queue and "/staff/enforcement/awaiting" in queue
    assert "/staff/enforcement/awaiting" not in html_of(lead.get("/staff/"))
    awaiting = html_of(authoriser.get("/staff/enforcement/awaiting"))
    assert reference in awaiting and "A warning" in awaiting and VIEW not in awaiting
    decision_url = f"/staff/cases/{reference}/enforcement/{action.id}/decision"
    page = html_of(authoriser.get(decision_url))
    assert VIEW in page and "Letter before action" in page
    response = post_form(authoriser, decision_url, {"decision": "authorise"})  # the steps not confirmed
    assert response.status_code == 400 and "Confirm the proportionality review" in html_of(response)
    response = post_form(authoriser, decision_url, {"decision": "authorise", "steps_checked": "y",
                                                    "note": "Proportionate and necessary."})
    assert response.status_code == 303
    (action,) = actions(app)
    assert action.stage == "authorised" and action.decided_by == authoriser_account.id
    case = html_of(officer.get(f"/staff/cases/{reference}"))
    assert "Proportionate and necessary." in case and "Authorised" in case
    assert "court-reminder" not in case  # a warning does not go to court
    assert [e.action for e in audit_events(app) if e.action.startswith("case.enforcement")] == [
        "case.enforcement_started", "case.enforcement_reviewed", "case.enforcement_authorised"]


def test_an_authoriser_cannot_decide_their_own_request(app):
    client, account = signed_in(app, "lead")
    make_authoriser(app, account)
    reference = send_report(new_client(app))
    record(client, reference, tenure="sole")
    (perpetrator,) = perpetrators(app)
    assert start(client, reference, perpetrator.id, exemption="y",
                 incident="He threw a chair at the repairs operative.", kind="injunction").status_code == 303
    (action,) = actions(app)
    assert action.stage == "authorise" and action.exemption
    url = f"/staff/cases/{reference}/enforcement/{action.id}/decision"
    page = html_of(client.get(url))
    assert "You asked for this action" in page and "Record the decision" not in page
    response = post_form(client, url, {"decision": "authorise", "steps_checked": "y"})
    assert response.status_code == 403
    assert actions(app)[0].stage == "authorise"
    awaiting = html_of(client.get("/staff/enforcement/awaiting"))
    assert "you: someone else decides" in awaiting and url not in awaiting
    other, other_account = signed_in(app, "officer")
    make_authoriser(app, other_account)
    assert post_form(other, url, {"decision": "authorise", "steps_checked": "y"}).status_code == 303
    case = html_of(other.get(f"/staff/cases/{reference}"))
    assert "court-reminder" in case and "advise them to attend court" in case
    assert "Extreme incident: no proportionality review (MHA 8.5)" in case


def test_a_start_without_the_victims_view_comes_back_with_what_was_typed(app):
    client, _ = signed_in(app, "officer")
    reference = send_report(new_client(app))
    record(client, reference, tenure="sole")
    (perpetrator,) = perpetrators(app)
    response = start(client, reference, perpetrator.id, victim_view="", kind="rhw32")
    html = html_of(response)
    assert response.status_code == 400 and PLAN in html
    assert "Enter what the person at risk wants" in html and 'class="error-summary' in html
    response = start(client, reference, perpetrator.id, kind="rhw32")  # a sole holder: not joint
    assert response.status_code == 400 and "only for a joint contract holder" in html_of(response)
    response = start(client, reference, perpetrator.id, exemption="y")
    assert response.status_code == 400 and "Enter the incident" in html_of(response)
    assert actions(app) == []


def test_the_restricted_access_list_flag_and_its_review_due(app):
    client, _ = signed_in(app, "officer")
    reference = send_report(new_client(app))
    record(client, reference)
    (perpetrator,) = perpetrators(app)
    url = f"/staff/cases/{reference}/perpetrator/{perpetrator.id}/restricted-access"
    response = post_form(client, url, {"on": "y", "reason": "Violent to staff"})
    assert response.status_code == 400 and "Enter the date to review" in html_of(response)
    response = post_form(client, url, {"on": "y", "reason": "Violent to staff", "review_on": today().isoformat()})
    assert response.status_code == 400 and "The review date must be after today" in html_of(response)
    assert "Violent to staff" in html_of(response)
    review_on = today() + timedelta(days=60)
    assert post_form(client, url, {"on": "y", "reason": "Violent to staff",
                                   "review_on": review_on.isoformat()}).status_code == 303
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Violent to staff" in case and "ral-review-due" not in case
    with dbs(app) as s:
        s.get(Perpetrator, perpetrator.id).ral_review_on = today() - timedelta(days=1)
        s.commit()
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "ral-review-due" in case and "was due for review" in case
    assert [e.detail for e in audit_events(app, "case.perpetrator_ral")] == ["on"]


def test_joint_tenancy_advice_with_mediation_unsafe(app):
    client, _ = signed_in(app, "officer")
    reference = send_report(new_client(app))
    record(client, reference)
    (perpetrator,) = perpetrators(app)
    url = f"/staff/cases/{reference}/perpetrator/{perpetrator.id}/joint-tenancy"
    response = post_form(client, url, {"advice_victim": "Told her about a sole contract."})
    assert response.status_code == 400 and "Told her about a sole contract." in html_of(response)
    assert post_form(client, url, {"advice_victim": "Told her about a sole contract.",
                                   "advice_perpetrator": "Told him about housing options.",
                                   "mediation": "unsafe"}).status_code == 303
    assert perpetrators(app)[0].mediation == "unsafe"
    assert "Mediation not offered: it would not be safe" in html_of(client.get(f"/staff/cases/{reference}"))
    record(client, reference, tenure="sole")
    sole = next(p for p in perpetrators(app) if p.tenure == "sole")
    assert client.get(f"/staff/cases/{reference}/perpetrator/{sole.id}/joint-tenancy").status_code == 404


def test_the_record_is_not_printed_nor_shown_to_the_reporter(app):
    reporter, reference, _receipt = reporter_with_receipt(app)
    client, _ = signed_in(app, "officer")
    record(client, reference)
    printed = html_of(client.get(f"/staff/cases/{reference}/print"))
    assert RELATIONSHIP not in printed and ADDRESS not in printed
    seen = messages_page(reporter)
    assert RELATIONSHIP not in seen and ADDRESS not in seen and "Perpetrator" not in seen


def test_a_lead_gives_and_takes_away_the_permission_to_authorise_audited(app):
    client, lead = signed_in(app, "lead")
    _, officer = signed_in(app, "officer")
    page = html_of(client.get(f"/staff/team/{officer.id}"))
    assert "Give the permission to authorise" in page
    url = f"/staff/team/{officer.id}/authoriser"
    assert post_form(client, url, {"on": "1"}, token_from=f"/staff/team/{officer.id}").status_code == 303
    assert staff_row(app, officer.id).can_authorise
    assert post_form(client, url, {"on": "0"}, token_from=f"/staff/team/{officer.id}").status_code == 303
    assert not staff_row(app, officer.id).can_authorise
    assert [e.action for e in audit_events(app) if e.action.startswith("staff.authoriser")] == [
        "staff.authoriser_on", "staff.authoriser_off"]
    assert "Give the permission to authorise" not in html_of(client.get(f"/staff/team/{lead.id}"))
    post_form(client, f"/staff/team/{lead.id}/authoriser", {"on": "1"}, token_from=f"/staff/team/{lead.id}")
    assert not staff_row(app, lead.id).can_authorise


def test_the_pages_in_welsh(app):
    client, _ = signed_in(app, "officer", language="cy")
    reference = send_report(new_client(app), lang="cy")
    assert record(client, reference).status_code == 303
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Cyflawnwr" in case and "Cyd-denantiaeth: cyngor a chyfryngu" in case
    (perpetrator,) = perpetrators(app)
    response = start(client, reference, perpetrator.id, safety_plan="")
    assert response.status_code == 400
    assert "Rhowch sut y bydd eu diogelwch yn cael ei reoli" in re.sub(r"\s+", " ", html_of(response))
    assert "Gwaharddeb" in html_of(response) and "Hysbysiad RHW32" in html_of(response)


def test_the_marac_pack_takes_the_perpetrators_relationship_and_tenure(app):
    client, _ = signed_in(app, "officer")
    reference = send_report(new_client(app))
    record(client, reference)
    assert post_form(client, f"/staff/cases/{reference}/marac",
                     {"criteria": ["judgement"], "judgement_reason": "Her fear is rising.", "consent": "given",
                      "aware": "yes", "sent_on": today().isoformat()}).status_code == 303
    page = html_of(client.get(f"/staff/cases/{reference}/marac/pack"))
    field = re.search(r'<textarea[^>]*id="perpetrators"[^>]*>(.*?)</textarea>', page, re.S)
    assert field is not None
    text = unescape(field.group(1))
    assert f"Relationship to the person at risk: {RELATIONSHIP}" in text
    assert "Tenure: A joint tenant or joint contract holder with the person at risk" in text
