"""Who may use which staff URL: every rule under /staff/, for nobody, an officer, a lead and an auditor.

The expected roles are written out here, not read from the code: a new staff view must be added to EXPECTED
(and so decided on) before this file passes.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from portal.store.models import AuditEvent
from tests.staff_helpers import (
    STORY,
    add_staff,
    audit_events,
    csrf_from,
    get_receipt,
    html_of,
    new_client,
    report_row,
    send_report,
    signed_in,
)

OPEN = "anyone"
CASEWORK = {"officer", "lead"}
EVERYONE = {"officer", "lead", "auditor"}
EXPECTED: dict[str, set[str] | str] = {
    "staff.sign_in": OPEN, "staff.code": OPEN, "staff.enrol": OPEN, "staff.signed_out": OPEN,
    "staff.choose_language": OPEN,  # the sign-in pages' language switch (it can only save one's own language)
    "staff.sign_out": EVERYONE, "staff.language": EVERYONE, "staff.account": EVERYONE,
    "staff.queue": CASEWORK, "staff.claim_case": CASEWORK, "staff.bulk_assign": CASEWORK,
    "staff.case": CASEWORK, "staff.case_print": CASEWORK, "staff.case_contact": CASEWORK,
    "staff.case_status": CASEWORK, "staff.case_note": CASEWORK, "staff.case_reply": CASEWORK,
    "staff.case_closure": {"lead"}, "staff.closures": {"lead"},
    "staff.case_repeat": CASEWORK, "staff.case_action": CASEWORK,
    "staff.case_share": CASEWORK, "staff.case_risk": CASEWORK,
    "staff.case_risk_agency": CASEWORK, "staff.case_incident": CASEWORK,
    "staff.case_consent": CASEWORK, "staff.case_countersign": {"lead"}, "staff.shares_to_countersign": {"lead"},
    "staff.case_profile": CASEWORK, "staff.case_triage": CASEWORK, "staff.case_urgent": CASEWORK,
    "staff.search_cases": CASEWORK, "staff.case_link": CASEWORK, "staff.case_unlink": CASEWORK,
    "staff.case_access": {"lead"}, "staff.case_break_glass": {"lead"},
    "staff.case_marac": CASEWORK, "staff.case_marac_outcome": CASEWORK, "staff.case_marac_pack": CASEWORK,
    "staff.case_marac_export": CASEWORK,
    "staff.case_safeguarding": CASEWORK, "staff.case_safeguarding_referral": CASEWORK,
    "staff.case_task": CASEWORK, "staff.case_task_state": CASEWORK, "staff.case_task_owner": CASEWORK,
    "staff.case_task_due": CASEWORK, "staff.task_settings": {"lead"}, "staff.case_task_cost": CASEWORK,
    "staff.case_monitoring": CASEWORK, "staff.case_checkin": CASEWORK, "staff.case_checkin_skip": CASEWORK,
    "staff.account_routing": EVERYONE,
    "staff.case_perpetrator_new": CASEWORK, "staff.case_perpetrator": CASEWORK,
    "staff.case_perpetrator_ral": CASEWORK, "staff.case_perpetrator_joint": CASEWORK,
    "staff.case_enforcement_new": CASEWORK, "staff.case_enforcement_review": CASEWORK,
    "staff.case_enforcement_decision": CASEWORK, "staff.case_enforcement_withdraw": CASEWORK,
    "staff.enforcement_awaiting": CASEWORK, "staff.team_authoriser": {"lead"},
    "staff.case_safeguarding_outcome": CASEWORK, "staff.case_review": CASEWORK,
    "staff.case_erasure": CASEWORK, "staff.case_erasure_decision": {"lead"}, "staff.retention": {"lead"},
    "staff.case_subject_access": {"lead"}, "staff.case_subject_access_json": {"lead"},
    "staff.case_update": CASEWORK, "staff.new_case": CASEWORK, "staff.new_case_details": CASEWORK,
    "staff.team": {"lead"}, "staff.team_new": {"lead"}, "staff.team_person": {"lead"}, "staff.team_action": {"lead"},
    "staff.settings": {"lead"}, "staff.audit_log": {"lead", "auditor"}, "staff.audit_csv": {"lead", "auditor"},
    "staff.indicators": {"lead", "auditor"}, "staff.indicators_csv": {"lead", "auditor"},
    "staff.indicators_board": {"lead", "auditor"},
    "staff.review_rounds": {"lead", "auditor"}, "staff.review_round_new": {"lead"},
    "staff.review_round": {"lead", "auditor"}, "staff.review_round_case": {"lead", "auditor"},
    "staff.review_checklist": {"lead"},
    "staff.case_complaint_new": CASEWORK, "staff.case_complaint": CASEWORK, "staff.case_complaint_handling": CASEWORK,
    "staff.case_complaint_outcome": CASEWORK, "staff.case_complaint_close": CASEWORK, "staff.complaints": CASEWORK,
    "staff.complaint_settings": {"lead"}, "staff.case_feedback": CASEWORK,
}
# A GET of these only sends the person where the form is (the glass is offered on the case's own page).
REDIRECTS_ON_GET = {"staff.case_break_glass", "staff.case_closure",  # …and a closure when none waits
                    "staff.case_monitoring",  # …and monitoring dates on a case still open
                    "staff.case_erasure_decision"}  # …and a decision on erasure when no request waits
# Pages an auditor must never reach: casework, the queue, the team and settings.
NOT_FOR_AUDITORS = {e for e, roles in EXPECTED.items() if roles != OPEN and "auditor" not in roles}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def staff_rules(app: Flask) -> list:  # type: ignore[type-arg]
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")),
                  key=lambda r: (r.endpoint == "staff.sign_out", r.rule))  # signing out last


def url_for_rule(rule, reference: str, person_id: int) -> str:  # type: ignore[no-untyped-def]
    """The rule with real values: a real report, a real account, and the harmless team action."""
    url = re.sub(r"<int(?:\([^)]*\))?:person_id>", str(person_id), rule.rule.replace("<reference>", reference))
    url = url.replace("<action>", "unlock").replace("<about>", "person")
    url = url.replace("<channel>", "phone").replace("<kind>", "self").replace("<referral_id>", REFERRAL_ID)
    url = re.sub(r"<int(?:\([^)]*\))?:task_id>", TASK_ID, url)
    url = url.replace("<checkin_id>", CHECKIN_ID).replace("<complaint_id>", COMPLAINT_ID)
    url = re.sub(r"<int(?:\([^)]*\))?:round_id>", ROUND_ID, url)
    url = url.replace("<perpetrator_id>", PERPETRATOR_ID).replace("<enforcement_id>", ENFORCEMENT_ID)
    assert "<" not in url, f"a new URL variable in {rule.rule}: give it a real value here"
    return url


def test_every_staff_view_declares_who_may_use_it(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")}
    missing = [e for e in endpoints if not hasattr(app.view_functions[e], "staff_roles")]
    assert not missing, f"staff views without allow(): {missing}"
    assert endpoints == set(EXPECTED), "a staff view was added or removed: decide its roles in EXPECTED"
    for endpoint, expected in EXPECTED.items():
        roles = app.view_functions[endpoint].staff_roles
        assert roles == ({"anyone"} if expected == OPEN else expected), endpoint


def test_only_the_sign_in_pages_are_open(app):
    open_endpoints = {e for e, view in app.view_functions.items()
                      if e.startswith("staff.") and getattr(view, "staff_roles", None) == {"anyone"}}
    assert open_endpoints == {"staff.sign_in", "staff.code", "staff.enrol", "staff.signed_out",
                              "staff.choose_language"}


def test_a_staff_view_without_allow_is_refused_to_everyone(staff_app_factory):
    app = staff_app_factory()
    app.add_url_rule("/staff/forgotten", "staff.forgotten", lambda: "case content")
    client, _ = signed_in(app, "lead")
    response = client.get("/staff/forgotten")
    assert response.status_code == 403 and "case content" not in html_of(response)
    assert new_client(app).get("/staff/forgotten").status_code == 403


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    """A real report (whose reporter took a receipt, so the reply page exists), and a member of staff the team
    pages can point at."""
    reporter = new_client(app)
    reference = send_report(reporter)
    get_receipt(reporter)
    target = add_staff(app, "officer")
    _safeguarding_referral(app, reference, target.id)
    _perpetrator_and_action(app, reference, target.id)
    _review_round(app, reference, target.id)
    return reference, target.id


REFERRAL_ID = ""  # the world's safeguarding referral (its outcome page)
TASK_ID = ""  # the world's task (its page)
CHECKIN_ID = ""  # the world's monitoring check-in (its page)
COMPLAINT_ID = ""  # the world's complaint (its page)
PERPETRATOR_ID = "none"  # the world's perpetrator record, joint (its pages)
ENFORCEMENT_ID = "none"  # an action against them at the proportionality review (its pages)
ROUND_ID = "0"  # a review round that drew the world's case (its pages)
# Only staff given the permission to authorise (none of the accounts the matrix signs in) decide an action and see
# the list of those waiting: everyone else in the roles allowed is refused.
AUTHORISERS_ONLY = {"staff.case_enforcement_decision", "staff.enforcement_awaiting"}


def _perpetrator_and_action(app: Flask, reference: str, staff_id: int) -> None:
    """Stored directly, as the safeguarding referral is: no audit event."""
    global PERPETRATOR_ID, ENFORCEMENT_ID
    import uuid
    from datetime import datetime, timezone

    from portal.intake.reports import current_sealer, find_by_reference
    from portal.store.followup_models import ENFORCEMENT_PURPOSE, PERPETRATOR_PURPOSE, Enforcement, Perpetrator

    PERPETRATOR_ID, ENFORCEMENT_ID = str(uuid.uuid4()), str(uuid.uuid4())
    moment = datetime.now(timezone.utc)
    with app.test_request_context("/staff/"), app.extensions["sessionmaker"]() as s, s.begin():
        sealer = current_sealer()
        report_id = find_by_reference(s, reference).id
        s.add(Perpetrator(id=PERPETRATOR_ID, report_id=report_id, at=moment, updated_at=moment, staff_id=staff_id,
                          tenure="joint", key_id=sealer.key_id,
                          sealed=sealer.seal_json({"relationship": "Partner"}, PERPETRATOR_PURPOSE, PERPETRATOR_ID)))
        s.flush()
        s.add(Enforcement(id=ENFORCEMENT_ID, report_id=report_id, perpetrator_id=PERPETRATOR_ID, at=moment,
                          staff_id=staff_id, kind="warning", stage="review", key_id=sealer.key_id,
                          sealed=sealer.seal_json({"victim_view": "v", "safety_plan": "p"}, ENFORCEMENT_PURPOSE,
                                                  ENFORCEMENT_ID)))


def _review_round(app: Flask, reference: str, staff_id: int) -> None:
    """A round a lead set, which drew the world's case: stored directly, no audit event."""
    global ROUND_ID
    from datetime import date, datetime, timezone

    from portal.intake.reports import find_by_reference
    from portal.store.assurance_models import ReviewRound, RoundCase

    with app.app_context(), app.extensions["sessionmaker"]() as s, s.begin():
        rnd = ReviewRound(created_at=datetime.now(timezone.utc), created_by=staff_id, basis="received",
                          period_first=date(2026, 1, 1), period_last=date(2026, 1, 31), size=1, seed="s",
                          points='[{"code": "dash"}]')
        s.add(rnd)
        s.flush()
        s.add(RoundCase(round_id=rnd.id, report_id=find_by_reference(s, reference).id, position=1))
        ROUND_ID = str(rnd.id)


def _safeguarding_referral(app: Flask, reference: str, staff_id: int) -> None:
    """Stored directly (not through the service, which audits it): the anonymous checks want no audit event."""
    global REFERRAL_ID, TASK_ID, CHECKIN_ID, COMPLAINT_ID
    import uuid
    from datetime import date, datetime, timezone

    from portal.intake.reports import current_sealer, find_by_reference
    from portal.store.followup_models import MonitorCheckin
    from portal.store.risk_models import SAFEGUARDING_PURPOSE, SafeguardingReferral

    REFERRAL_ID = str(uuid.uuid4())
    with app.test_request_context("/staff/"), app.extensions["sessionmaker"]() as s, s.begin():
        sealer = current_sealer()
        s.add(SafeguardingReferral(id=REFERRAL_ID, report_id=find_by_reference(s, reference).id,
                                   at=datetime.now(timezone.utc), staff_id=staff_id, concern="child",
                                   referred_to="police", referred_on=date(2026, 1, 5), key_id=sealer.key_id,
                                   sealed=sealer.seal_json({"what": ""}, SAFEGUARDING_PURPOSE, REFERRAL_ID)))
    from portal.store.followup_models import CaseTask
    with app.app_context(), app.extensions["sessionmaker"]() as s, s.begin():
        task = CaseTask(report_id=find_by_reference(s, reference).id, kind="security",
                        created_at=datetime.now(timezone.utc), owner_id=staff_id, due_on=date(2026, 1, 5))
        s.add(task)
        s.flush()
        TASK_ID = str(task.id)
        CHECKIN_ID = str(uuid.uuid4())
        s.add(MonitorCheckin(id=CHECKIN_ID, report_id=find_by_reference(s, reference).id, due_on=date(2026, 1, 6)))
    from portal.store.complaint_models import COMPLAINT_PURPOSE, Complaint
    COMPLAINT_ID = str(uuid.uuid4())
    with app.test_request_context("/staff/"), app.extensions["sessionmaker"]() as s, s.begin():
        sealer = current_sealer()
        s.add(Complaint(id=COMPLAINT_ID, report_id=find_by_reference(s, reference).id, received_on=date(2026, 1, 5),
                        at=datetime.now(timezone.utc), channel="phone", about="delay", language="en",
                        recorded_by=staff_id, owner_id=staff_id, due_on=date(2026, 1, 19), target_days=10,
                        state="open", outcome="", announced=True, key_id=sealer.key_id,
                        sealed=sealer.seal_json({"text": "A complaint."}, COMPLAINT_PURPOSE, COMPLAINT_ID)))


def check_matrix(app: Flask, client, role: str | None, reference: str,
                 person_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    """GET (and POST, with a valid CSRF token) every staff rule; returns a line per visit for the report."""
    seen = []
    token_page = "/staff/account" if role else "/staff/sign-in"
    for rule in staff_rules(app):
        url = url_for_rule(rule, reference, person_id)
        expected = EXPECTED[rule.endpoint]
        allowed = expected == OPEN or (role is not None and role in expected)
        for method in ("GET", "POST"):
            if method not in rule.methods:
                continue
            if method == "GET":
                response = client.get(url)
            else:
                token = csrf_from(client.get(token_page))
                response = client.post(url, data={"csrf_token": token})
            status = response.status_code
            seen.append(f"{role} {method} {url} {status}")
            where = f"{role} {method} {url}: {status}"
            if expected == OPEN:
                assert status in {200, 303, 400}, where
            elif role is None:
                assert status != 200, where
                if method == "GET":
                    assert status == 302, where
                    assert response.headers["Location"].startswith("/staff/sign-in?next="), where
                else:
                    assert status == 401, where
            elif not allowed or rule.endpoint in AUTHORISERS_ONLY:
                assert status == 403, where
            elif method == "GET":
                assert status == (303 if rule.endpoint in REDIRECTS_ON_GET else 200), where
            else:
                assert status in {303, 400}, where  # done, or refused as an empty form: never 401/403
    return seen


def test_anonymous_visitors_reach_only_the_sign_in_pages(app, world):
    reference, person_id = world
    check_matrix(app, new_client(app), None, reference, person_id)


def test_anonymous_posts_without_a_token_are_refused(app, world):
    reference, person_id = world
    client = new_client(app)
    for rule in staff_rules(app):
        if "POST" in rule.methods:
            response = client.post(url_for_rule(rule, reference, person_id), data={})
            assert response.status_code in {400, 401}, rule.rule
    assert not audit_events(app)


@pytest.mark.parametrize("role", ["officer", "lead", "auditor"])
def test_each_role_reaches_exactly_its_pages(app, world, role):
    reference, person_id = world
    client, _account = signed_in(app, role)
    check_matrix(app, client, role, reference, person_id)


def test_an_auditor_cannot_open_a_case_by_typing_its_reference(app, world):
    reference, _person_id = world
    client, _auditor = signed_in(app, "auditor")
    report = report_row(app, reference)
    for path in ("", "/print", "/contact", "/status", "/note", "/action", "/share", "/risk"):
        response = client.get(f"/staff/cases/{reference}{path}")
        html = html_of(response)
        assert response.status_code == 403 and "You cannot see this page" in html, path
        assert STORY not in html and "Safe-contact profile" not in html
    with app.extensions["sessionmaker"]() as s:
        assert not s.scalars(select(AuditEvent).where(AuditEvent.report_id == report.id)).all()
    for page in ("/staff/", "/staff/team", "/staff/team/new", "/staff/settings"):
        assert client.get(page).status_code == 403, page
    assert client.get("/staff/audit").status_code == 200


def test_an_officer_cannot_manage_the_team_or_read_the_audit_log(app, world):
    _reference, person_id = world
    client, _officer = signed_in(app, "officer")
    for page in ("/staff/team", "/staff/team/new", f"/staff/team/{person_id}", "/staff/settings", "/staff/audit"):
        assert client.get(page).status_code == 403, page
    token = csrf_from(client.get("/staff/account"))
    for action in ("deactivate", "reset-password", "reset-code", "unlock"):
        assert client.post(f"/staff/team/{person_id}/{action}", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/staff/team/{person_id}", data={"csrf_token": token, "role": "lead"}).status_code == 403
    assert not audit_events(app, "staff.deactivate")


def test_a_lead_reaches_team_settings_and_audit(app, world):
    _reference, person_id = world
    client, _lead = signed_in(app, "lead")
    for page in ("/staff/team", "/staff/team/new", f"/staff/team/{person_id}", "/staff/settings", "/staff/audit"):
        assert client.get(page).status_code == 200, page


def test_the_navigation_offers_only_what_the_role_may_use(app):
    expectations = {"officer": {"/staff/"}, "lead": {"/staff/", "/staff/team", "/staff/settings", "/staff/audit",
                                                     "/staff/review-rounds"},
                    "auditor": {"/staff/audit", "/staff/review-rounds"}}
    for role, links in expectations.items():
        client, _ = signed_in(app, role)
        html = html_of(client.get("/staff/account"))
        nav = html[html.index('class="staff-nav"'):html.index("</nav>")]
        for link in ("/staff/", "/staff/team", "/staff/settings", "/staff/audit", "/staff/review-rounds"):
            assert (f'href="{link}"' in nav) == (link in links), (role, link)


@pytest.mark.parametrize("path", ["/staff/team/99999999999999999999", "/staff/audit?page=99999999999999999999"])
def test_absurd_numbers_in_urls_are_not_server_errors(app, path):
    client, _lead = signed_in(app, "lead")
    response = client.get(path)  # the test app re-raises a server error instead of showing a 500 page
    assert response.status_code in {200, 404}, path


def test_every_staff_page_that_shows_sealed_content_writes_its_audit_row_first(app):
    """Walk every staff GET (as a lead, who may see everything): wherever a page shows anything that was
    sealed (the report, a note, a message), a `case.opened` row for that case was written by that request."""
    from tests.staff_helpers import post_form, reporter_with_receipt, write
    reporter, reference, _receipt = reporter_with_receipt(app)
    secret_message = "A message only the team key opens"
    assert write(reporter, secret_message).status_code == 303
    client, lead = signed_in(app, "lead")
    secret_note = "A note only the team key opens"
    assert post_form(client, f"/staff/cases/{reference}/note", {"text": secret_note}).status_code == 303
    report_id = report_row(app, reference).id
    sealed_texts = (STORY, secret_note, secret_message, "07700 900982")
    showing = set()
    for rule in staff_rules(app):
        if "GET" not in rule.methods or rule.endpoint in {"staff.signed_out"}:
            continue
        before = len([e for e in audit_events(app, "case.opened") if e.report_id == report_id])
        response = client.get(url_for_rule(rule, reference, lead.id))
        html = html_of(response)
        if any(text in html for text in sealed_texts):
            showing.add(rule.endpoint)
            after = [e for e in audit_events(app, "case.opened") if e.report_id == report_id]
            assert len(after) == before + 1 and after[-1].actor == lead.actor, rule.rule
    # The walk really reached the pages that open a case, the reply page among them.
    assert {"staff.case", "staff.case_print", "staff.case_contact", "staff.case_reply"} <= showing, showing


@pytest.mark.parametrize("path", ["/staff/sign-in", "/staff/settings", "/staff/team/new", "/staff/account"])
def test_head_on_a_staff_form_page_is_a_get(app, path):
    client, _lead = signed_in(app, "lead")
    before = len(audit_events(app))
    assert client.head(path).status_code == client.get(path).status_code == 200, path
    assert len(audit_events(app)) == before
    assert new_client(app).head("/staff/settings").status_code == 302  # signed out: sign in, as for GET
