"""Restricted cases: hidden from everyone not allowed to see them in the queue, search, links, the case, its
print and every case page; a lead names who may see one; a lead's break glass needs a reason, is sealed on the
case, audited, and lasts an hour. The indicators count restricted cases only as numbers, as every case."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from portal.store.models import CaseAccess, CaseEntry
from tests.casework.test_links import ANN, ANN_AGAIN, found, search
from tests.staff_helpers import (
    audit_events,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    set_report,
    signed_in,
)

CASE_PAGES = ("", "/print", "/contact", "/note", "/risk", "/status", "/repeat", "/action", "/share", "/link")


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def team(app):  # type: ignore[no-untyped-def]
    return {role: signed_in(app, role) for role in ("officer", "lead")} | {"other_lead": signed_in(app, "lead")}


def visible_to(client, reference: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {page or "case": client.get(f"/staff/cases/{reference}{page}").status_code for page in CASE_PAGES}


def in_queue(client, reference: str) -> bool:  # type: ignore[no-untyped-def]
    return reference in html_of(client.get("/staff/"))


def test_a_case_restricted_to_leads_is_hidden_from_officers_everywhere(app, team):
    officer, _ = team["officer"]
    lead, _ = team["lead"]
    open_one = send_report(new_client(app), ANN)
    hidden = send_report(new_client(app), ANN_AGAIN)
    lead.get(f"/staff/cases/{open_one}")
    lead.get(f"/staff/cases/{hidden}")  # indexed while open to all…
    set_report(app, hidden, restricted="leads")  # …then restricted (as a reporter's "must not see" arrives)
    assert not in_queue(officer, hidden) and in_queue(officer, open_one)
    assert set(visible_to(officer, hidden).values()) == {404}
    refused = audit_events(app, "case.refused")
    assert len(refused) == len(CASE_PAGES) and {e.report_id for e in refused} == {report_row(app, hidden).id}
    assert found(search(officer, "07700 900982")) == [open_one]
    assert found(search(officer, hidden)) == []
    assert hidden not in html_of(officer.get(f"/staff/cases/{open_one}"))  # not among the links either
    assert officer.post(f"/staff/cases/{hidden}/claim").status_code in (400, 404)
    # The lead sees it everywhere, flagged.
    assert in_queue(lead, hidden) and set(visible_to(lead, hidden).values()) == {200}
    assert "Restricted: leads only" in html_of(lead.get("/staff/"))
    assert hidden in found(search(lead, "07700 900982"))
    assert hidden in html_of(lead.get(f"/staff/cases/{open_one}"))


def test_bulk_assign_cannot_reach_a_hidden_case(app, team):
    officer, account = team["officer"]
    hidden = send_report(new_client(app), ANN)
    set_report(app, hidden, restricted="leads")
    queue = html_of(officer.get("/staff/"))
    response = post_form(officer, "/staff/assign", {"report": [hidden], "owner": str(account.id),
                                                    "back": "/staff/"}, token_from="/staff/")
    assert response.status_code == 303 and queue
    assert report_row(app, hidden).owner_id is None


def test_a_lead_names_who_may_see_a_case_and_only_they_can(app, team):
    officer, officer_account = team["officer"]
    lead, _ = team["lead"]
    other_lead, _ = team["other_lead"]
    reference = send_report(new_client(app), ANN)
    assert officer.get(f"/staff/cases/{reference}/access").status_code == 403  # officers cannot restrict
    refused = post_form(lead, f"/staff/cases/{reference}/access", {"level": "named"})
    assert refused.status_code == 400 and "Select at least one person" in html_of(refused)
    response = post_form(lead, f"/staff/cases/{reference}/access",
                         {"level": "named", "named": [str(officer_account.id)]})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"  # no longer hers to see
    assert "You are not among them" in html_of(lead.get("/staff/"))
    assert report_row(app, reference).restricted == "named"
    assert set(visible_to(officer, reference).values()) == {200} and in_queue(officer, reference)
    # A lead not named finds it only by its reference, and is offered the break glass.
    assert not in_queue(other_lead, reference)
    assert found(search(other_lead, "07700 900982")) == []
    by_reference = search(other_lead, reference)
    assert found(by_reference) == [reference] and "you must give a reason to open it" in by_reference
    assert "Ann" not in by_reference.split('id="results"')[1]
    page = other_lead.get(f"/staff/cases/{reference}")
    assert page.status_code == 403 and "This case is restricted" in html_of(page)
    assert "Ann Jones" not in html_of(page) and "07700" not in html_of(page)
    detail = audit_events(app, "case.restricted")[-1].detail
    assert detail == f"named named:{officer_account.id}"
    # And the lead who restricted it, not named, is now outside too.
    assert lead.get(f"/staff/cases/{reference}").status_code == 403


def test_break_glass_needs_a_reason_is_sealed_audited_and_lasts_an_hour(app, team):
    officer, officer_account = team["officer"]
    lead, lead_account = team["other_lead"]
    reference = send_report(new_client(app), ANN)
    set_report(app, reference, restricted="named")
    assert officer.post(f"/staff/cases/{reference}/break-glass", data={"reason": "x" * 20}).status_code in (400, 403)
    short = post_form(lead, f"/staff/cases/{reference}/break-glass", {"reason": "because"},
                      token_from="/staff/account")
    assert short.status_code == 400 and "Say in a sentence or more" in html_of(short)
    back = lead.get(f"/staff/cases/{reference}/break-glass")  # Back, or a bookmark: to the case, and the glass
    assert back.status_code == 303 and back.headers["Location"] == f"/staff/cases/{reference}"
    reason = "The police asked us to check the address today"
    opened = post_form(lead, f"/staff/cases/{reference}/break-glass", {"reason": reason},
                       token_from="/staff/account")
    assert opened.status_code == 303
    page = html_of(lead.get(f"/staff/cases/{reference}"))
    assert "Opened by a team lead although restricted" in page and reason in page
    assert "You opened this case with a reason. You can see it until" in page
    glass = audit_events(app, "case.break_glass")
    assert len(glass) == 1 and glass[0].actor == lead_account.actor and reason not in glass[0].detail
    with dbs(app) as s:
        entry = s.scalar(select(CaseEntry).where(CaseEntry.kind == "glass"))
        assert entry is not None and reason.encode() not in entry.sealed
        s.execute(update(CaseAccess).values(until=datetime.now(timezone.utc) - timedelta(minutes=1)))
        s.commit()
    assert lead.get(f"/staff/cases/{reference}").status_code == 403  # an hour, then the glass again
    assert officer.get(f"/staff/cases/{reference}").status_code == 404


def test_lifting_a_restriction_opens_the_case_to_the_team_again(app, team):
    officer, _ = team["officer"]
    lead, _ = team["lead"]
    reference = send_report(new_client(app), ANN)
    set_report(app, reference, restricted="leads")
    page = html_of(lead.get(f"/staff/cases/{reference}"))
    assert "Only team leads can see this case" in page
    assert post_form(lead, f"/staff/cases/{reference}/access", {"level": "team"}).status_code == 303
    assert report_row(app, reference).restricted == "" and in_queue(officer, reference)
    assert audit_events(app, "case.restricted")[-1].detail == "lifted"


def test_an_auditor_sees_no_case_restricted_or_not(app):
    auditor, _ = signed_in(app, "auditor")
    reference = send_report(new_client(app), ANN)
    set_report(app, reference, restricted="leads")
    assert auditor.get(f"/staff/cases/{reference}").status_code == 403
    assert auditor.get("/staff/search").status_code == 403
    assert auditor.get("/staff/indicators").status_code == 200  # figures only, restricted cases among them
