"""Complaints about how a case was handled, the staff pages: recording one from any channel with its deadline in
working days, the case page's section (overdue said in words), a complaint's own page (opened and audited), who
responds and by when, the outcome with a sealed summary, closing it; the complaints waiting across cases and the
queue's line; a lead's working days; nothing typed lost to an error, a stale token or a session that ended; and the
survivor's feedback section: what they said, or whether they will be asked, with the choice not to ask."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.store.complaint_models import Complaint, SurvivorFeedback
from portal.store.models import AuditEvent
from tests.staff_helpers import (
    add_staff,
    audit_events,
    csrf_from,
    dbs,
    get_receipt,
    html_of,
    new_client,
    post_form,
    send_report,
    set_report,
    signed_in,
)

TODAY = date.today()


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


@pytest.fixture
def reference(app, officer):  # type: ignore[no-untyped-def]
    reference = send_report(new_client(app))
    set_report(app, reference, owner_id=officer[1].id, contacted=True, status="case_open",
               first_contact_at=datetime.now(timezone.utc))
    return reference


def errors(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'class="error-message"><span class="visually-hidden">[^<]*</span>([^<]+)<',
                                          html)]


def complaints(app) -> list[Complaint]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(Complaint).order_by(Complaint.at)))


def form_of(client, reference: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page = html_of(client.get(f"/staff/cases/{reference}/complaint"))
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return csrf_from(page), key


def record(client, reference: str, **data):  # type: ignore[no-untyped-def]
    token, key = form_of(client, reference)
    values = {"csrf_token": token, "submission_key": key, "received_on": TODAY.isoformat(), "channel": "letter",
              "about": ["delay"], "text": "Wombat: I waited three weeks for the locks.", "language": "en", **data}
    return client.post(f"/staff/cases/{reference}/complaint", data=values)


def test_a_complaint_recorded_from_a_letter_shows_on_the_case_with_its_deadline_and_opens_on_its_own_page(
        app, officer, reference):
    client, account = officer
    page = html_of(client.get(f"/staff/cases/{reference}/complaint"))
    assert 'name="channel" type="radio" value="receipt"' in page and "working days from the day it reached us" in page
    response = record(client, reference, about=["delay", "help"])
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/cases/{reference}"
    (row,) = complaints(app)
    assert (row.channel, row.about, row.owner_id, row.state, row.target_days) == (
        "letter", "delay help", account.id, "open", 10)
    assert row.due_on is not None and (row.due_on - TODAY).days >= 14  # 10 working days: two weeks at least
    case = html_of(client.get(f"/staff/cases/{reference}"))
    section = case.split('id="complaints-title"')[1].split("</section>")[0]
    assert "How long things took" in section and "The help we offered, or did not offer" in section
    assert "Wombat: I waited three weeks" in section and "Overdue" not in section
    assert f"/staff/cases/{reference}/complaints/{row.id}" in section
    shown = client.get(f"/staff/cases/{reference}/complaints/{row.id}")
    assert shown.status_code == 200 and "Wombat: I waited three weeks for the locks." in html_of(shown)
    opened = [e.detail for e in audit_events(app, "case.opened")]
    assert "complaint" in opened
    assert client.get(f"/staff/cases/{reference}/complaints/{'0' * 36}").status_code == 404


def test_an_overdue_complaint_says_so_on_the_case_the_queue_and_the_list_of_those_waiting(app, officer, reference):
    client, _account = officer
    record(client, reference, received_on=(TODAY - timedelta(days=40)).isoformat())
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Overdue" in case.split('id="complaints-title"')[1].split("</section>")[0]
    queue = html_of(client.get("/staff/"))
    line = re.search(r'<p class="complaints-waiting">(.*?)</p>', queue, re.S).group(1)  # type: ignore[union-attr]
    assert "1 complaint is waiting for a response (1 overdue)." in line and 'href="/staff/complaints"' in line
    assert "Complaint response due" in queue  # the case's next thing
    waiting = html_of(client.get("/staff/complaints"))
    assert reference in waiting and "(overdue)" in waiting


def test_who_responds_and_by_when_then_the_outcome_with_a_sealed_summary_then_closing(app, officer, reference):
    client, account = officer
    record(client, reference)
    (row,) = complaints(app)
    lead = add_staff(app, "lead")
    url = f"/staff/cases/{reference}/complaints/{row.id}"
    later = (TODAY + timedelta(days=30)).isoformat()
    moved = post_form(client, f"{url}/handling", {"owner": str(lead.id), "due_on": later}, token_from=url)
    assert moved.status_code == 303 and moved.headers["Location"] == url
    assert (complaints(app)[0].owner_id, complaints(app)[0].due_on.isoformat()) == (lead.id, later)
    refused = post_form(client, f"{url}/outcome", {"outcome": "", "summary": ""}, token_from=url)
    assert refused.status_code == 400
    assert set(errors(html_of(refused))) == {"Select the outcome", "Enter a summary of our response"}
    answered = post_form(client, f"{url}/outcome", {"outcome": "upheld",
                                                   "summary": "Bilby: we apologised and fitted the locks."},
                         token_from=url)
    assert answered.status_code == 303
    row = complaints(app)[0]
    assert (row.state, row.outcome, row.responded_on) == ("responded", "upheld", TODAY)
    assert b"Bilby" not in (row.response_sealed or b"")
    page = html_of(client.get(url))
    assert "Bilby: we apologised and fitted the locks." in page and "Close the complaint" in page
    assert 'action="' + url + '/outcome"' not in page  # answered: no outcome form
    closed = post_form(client, f"{url}/close", {}, token_from=url)
    assert closed.status_code == 303 and complaints(app)[0].state == "closed"
    actions = [e.action for e in audit_events(app) if e.action.startswith("case.complaint")]
    assert actions == ["case.complaint_recorded", "case.complaint_owner", "case.complaint_due",
                       "case.complaint_responded", "case.complaint_closed"]


def test_an_error_a_stale_token_or_an_ended_session_keeps_what_was_typed(app, officer, reference):
    client, _account = officer
    refused = record(client, reference, channel="", about=[], received_on=(TODAY + timedelta(days=1)).isoformat())
    assert refused.status_code == 400
    html = html_of(refused)
    assert "Wombat: I waited three weeks for the locks." in html
    assert set(errors(html)) == {"Select how the complaint reached us", "Select what the complaint is about"}
    in_future = record(client, reference, received_on=(TODAY + timedelta(days=1)).isoformat())
    assert "The date the complaint reached us must be today or in the past" in errors(html_of(in_future))
    stale = record(client, reference, csrf_token="not-a-token")
    assert stale.status_code == 200 and "the page timed out" in html_of(stale)
    assert "Wombat: I waited three weeks for the locks." in html_of(stale) and complaints(app) == []
    token, key = form_of(client, reference)
    gone = new_client(app)  # a browser whose session has ended: no staff cookie at all
    ended = gone.post(f"/staff/cases/{reference}/complaint", data={
        "csrf_token": token, "submission_key": key, "received_on": TODAY.isoformat(), "channel": "letter",
        "about": "delay", "text": "Quoll: typed while signed out.", "language": "en"})
    assert ended.status_code == 401
    html = html_of(ended)
    assert "Quoll: typed while signed out." in html and "You have been signed out" in html
    assert "He took my phone" not in html and "Owner" not in html  # nothing of the case
    assert complaints(app) == []


def test_a_double_tap_records_one_complaint(app, officer, reference):
    client, _account = officer
    token, key = form_of(client, reference)
    data = {"csrf_token": token, "submission_key": key, "received_on": TODAY.isoformat(), "channel": "phone",
            "about": "treatment", "text": "Once only.", "language": "cy"}
    assert client.post(f"/staff/cases/{reference}/complaint", data=data).status_code == 303
    assert client.post(f"/staff/cases/{reference}/complaint", data=data).status_code == 303
    assert len(complaints(app)) == 1


def test_a_lead_sets_the_working_days_to_respond(app, reference):
    lead, _account = signed_in(app, "lead")
    page = lead.get("/staff/settings/complaints")
    assert page.status_code == 200 and 'value="10"' in html_of(page)
    bad = post_form(lead, "/staff/settings/complaints", {"days": "0"})
    assert bad.status_code == 400 and "Enter a whole number of working days from 1 to 60" in errors(html_of(bad))
    saved = post_form(lead, "/staff/settings/complaints", {"days": "15"})
    assert saved.status_code == 303
    assert 'value="15"' in html_of(lead.get("/staff/settings/complaints"))
    assert "complaints" in html_of(lead.get("/staff/settings"))
    client, _officer = signed_in(app, "officer")
    assert client.get("/staff/settings/complaints").status_code == 403
    assert "15 working days from the day it reached us" in html_of(client.get(f"/staff/cases/{reference}/complaint"))


def test_a_complaint_made_with_the_receipt_is_on_the_case_and_the_staff_give_it_an_owner(app, officer):
    client, account = officer
    reporter = new_client(app)
    reference = send_report(reporter)
    get_receipt(reporter)
    page = html_of(reporter.get("/en/replies/complaint"))
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    sent = reporter.post("/en/replies/complaint", data={"csrf_token": csrf_from(page), "submission_key": key,
                                                        "about": ["contact"], "text": "Numbat: nobody rang back.",
                                                        "action": "send"})
    assert sent.status_code == 303
    case = html_of(client.get(f"/staff/cases/{reference}"))
    section = case.split('id="complaints-title"')[1].split("</section>")[0]
    assert "Numbat: nobody rang back." in section and "On the website, with their receipt" in section
    assert "Owner: nobody yet" in section and "Response due by" in section  # dated when the team looked
    (row,) = complaints(app)
    url = f"/staff/cases/{reference}/complaints/{row.id}"
    page = html_of(client.get(url))
    assert "by the reporter on the website with their receipt" in page and "Reply to the reporter" in page
    post_form(client, f"{url}/handling", {"owner": str(account.id), "due_on": row.due_on.isoformat()}, token_from=url)
    assert complaints(app)[0].owner_id == account.id


def test_the_survivor_s_feedback_section_says_what_they_said_or_whether_they_will_be_asked(app, officer):
    client, account = officer
    reporter = new_client(app)
    reference = send_report(reporter)
    get_receipt(reporter)
    case = html_of(client.get(f"/staff/cases/{reference}"))
    section = case.split('id="feedback-title"')[1].split("</section>")[0]
    assert "Once the case is closed, they will be offered" in section and "Nobody contacts them" in section
    case_url = f"/staff/cases/{reference}"
    withheld = post_form(client, f"{case_url}/feedback", {"ask": "no"}, token_from=case_url)
    assert withheld.status_code == 303
    with dbs(app) as s:
        assert s.scalars(select(SurvivorFeedback.state)).all() == ["withheld"]
    section = html_of(client.get(f"/staff/cases/{reference}")).split('id="feedback-title"')[1].split("</section>")[0]
    assert "judged that asking would not be safe" in section and account.name in section
    post_form(client, f"/staff/cases/{reference}/feedback", {"ask": "yes"}, token_from=f"/staff/cases/{reference}")
    with dbs(app) as s:
        assert s.scalars(select(SurvivorFeedback)).all() == []
        assert [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.action.like("case.feedback%")))] == [
            "case.feedback_withheld", "case.feedback_allowed"]
