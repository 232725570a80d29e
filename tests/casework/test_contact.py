"""Safe contact governs every contact (issue 14): only the ways and times a person marked safe, a voicemail only
if they agreed, outside a safe window only with a recorded reason, enforced in the service (tampered requests
are refused too); profiles that change by new sealed versions; a clock that stops on reaching the person at
risk, not a reporter; triage for no-contact reports; replies that count once read; urgent cases."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.casework import contact as service
from portal.store.models import AuditEvent, ContactAttempt, ContactProfile
from tests.staff_helpers import (
    SAFE_TEXT,
    STORY,
    audit_events,
    dbs,
    html_of,
    messages_page,
    new_client,
    post_form,
    report_row,
    reporter_with_receipt,
    send_report,
    set_report,
    signed_in,
)

LONDON = ZoneInfo("Europe/London")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AGENCY = {"org_name": "Gwent IDVA", "worker_name": "Sam", "work_phone": "01632 960001"}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def public(app):  # type: ignore[no-untyped-def]
    return new_client(app)


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


def today() -> str:
    return DAYS[datetime.now(LONDON).weekday()]


def not_today() -> list[str]:
    return [d for d in DAYS if d != today()]


def contact(client, reference: str, how: str, outcome: str, *, reason: str = "", checked: bool = True):  # type: ignore[no-untyped-def]
    data = {"how": how, "outcome": outcome, "reason": reason}
    if checked:
        data["profile_checked"] = "y"
    return post_form(client, f"/staff/cases/{reference}/contact", data)


def attempts(app, reference: str) -> list[ContactAttempt]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(ContactAttempt).where(ContactAttempt.report_id == report_row(app, reference).id)
                              .order_by(ContactAttempt.id)))


def errors(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", m) for m in re.findall(r'class="error-message">(.*?)</p>', html, re.S))


def offered(html: str) -> list[str]:
    return re.findall(r'name="how" type="radio" value="([a-z_:]+)"', html)


# --- ways ---------------------------------------------------------------------------------------------------


def test_only_the_ways_marked_safe_are_offered_with_the_profile_first(app, public, officer):
    client, _ = officer
    reference = send_report(public, {"contact_methods": ["text", "email"], "phone_text": "07700 900982",
                                     "email": "me@example.org"})
    html = html_of(client.get(f"/staff/cases/{reference}/contact"))
    assert offered(html) == ["person:text", "person:email"]
    assert html.index("Is now a safe time?") < html.index("Safe-contact profile") < html.index('name="how"')


def test_a_tampered_way_is_refused_by_the_page_and_by_the_service(app, public, officer):
    client, account = officer
    reference = send_report(public)  # texts only
    for how in ("person:call", "reporter:text", "go_between:referrer", "person:none", "nonsense"):
        response = contact(client, reference, how, "spoke")
        assert response.status_code == 400, how
        assert "did not say this way of contacting them is safe" in errors(html_of(response)), how
    assert attempts(app, reference) == [] and not report_row(app, reference).contacted
    with app.test_request_context(), dbs(app) as s:
        from portal.casework.cases import open_case
        from portal.store.models import Report, StaffUser
        report = s.get(Report, report_row(app, reference).id)
        staff = s.get(StaffUser, account.id)
        profiles = open_case(s, report, staff, "test").profiles
        with pytest.raises(service.MethodNotSafe):
            service.record_contact(s, report, staff, profiles, party="person", method="call", outcome="spoke",
                                   profile_checked=True, tz="Europe/London")
        with pytest.raises(service.ProfileNotChecked):
            service.record_contact(s, report, staff, profiles, party="person", method="text", outcome="spoke",
                                   profile_checked=False, tz="Europe/London")
    assert attempts(app, reference) == []


def test_the_profile_must_be_checked_and_the_outcome_known(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    response = contact(client, reference, "person:text", "wrong_details", checked=False)
    assert response.status_code == 400 and "Confirm you checked the safe-contact profile" in errors(html_of(response))
    assert contact(client, reference, "person:text", "shouted").status_code == 400
    assert attempts(app, reference) == []


# --- the clock ----------------------------------------------------------------------------------------------


def test_an_unanswered_attempt_does_not_stop_the_clock_and_reaching_them_does(app, public, officer):
    client, account = officer
    reference = send_report(public)
    response = contact(client, reference, "person:text", "wrong_details")
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/cases/{reference}"
    row = report_row(app, reference)
    assert (row.contacted, row.first_contact_at, row.status) == (False, None, "contact_attempted")
    contact(client, reference, "person:text", "spoke")
    row = report_row(app, reference)
    assert row.contacted and row.first_contact_at is not None and row.status == "in_contact"
    first, second = attempts(app, reference)
    assert (first.reached, second.reached, second.party, second.staff_id) == (False, True, "person", account.id)
    assert [e.detail for e in audit_events(app, "case.contact_recorded")] == ["person:text:wrong_details",
                                                                             "person:text:spoke"]
    assert "Person reached" in html_of(client.get("/staff/"))


def test_a_neighbours_report_runs_on_after_contacting_the_neighbour_until_the_person_is_reached(app, public, officer):
    client, _ = officer
    reference = send_report(public, {"story": STORY, "contact_methods": ["email"], "email": "neighbour@example.org",
                                     "their_safe_contact": "She is alone on Tuesday mornings"}, slug="someone")
    row = report_row(app, reference)
    assert (row.clock, row.approach) == ("triage", "unknown")
    html = html_of(client.get(f"/staff/cases/{reference}/contact"))
    assert offered(html) == ["reporter:email"]  # nothing to the person at risk until we know a safe way
    assert contact(client, reference, "reporter:email", "message_sent").status_code == 303
    row = report_row(app, reference)
    assert not row.contacted and row.first_contact_at is None and row.reporter_contacted_at is not None
    set_report(app, reference, first_contact_due=datetime.now(timezone.utc) - timedelta(hours=1))
    assert reference in html_of(client.get("/staff/?overdue=1"))  # e-mailing the neighbour is not reaching her
    # The neighbour told us how to reach her safely: an officer records it, and can then reach her.
    days = [today()]
    response = post_form(client, f"/staff/cases/{reference}/profile/person",
                         {"contact_methods": ["call"], "phone_call": "07700 900123", "safe_days": days,
                          "voicemail": "no"})
    assert response.status_code == 303, errors(html_of(response))
    assert report_row(app, reference).approach == "direct"
    assert "person:call" in offered(html_of(client.get(f"/staff/cases/{reference}/contact")))
    assert contact(client, reference, "person:call", "spoke").status_code == 303
    row = report_row(app, reference)
    assert row.contacted and row.first_contact_at is not None
    assert reference not in html_of(client.get("/staff/?overdue=1"))


def test_an_agency_referral_through_the_referrer_only(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**AGENCY, "contact_methods": ["none"]}, slug="agency")
    row = report_row(app, reference)
    assert (row.approach, row.no_contact, row.clock) == ("via_referrer", False, "reach")
    html = html_of(client.get(f"/staff/cases/{reference}/contact"))
    assert offered(html) == ["go_between:referrer", "reporter:call"]
    assert "Only through the referrer." in html
    contact(client, reference, "reporter:call", "spoke")  # about the referral: not reaching the person
    assert not report_row(app, reference).contacted
    contact(client, reference, "go_between:referrer", "passed_on")
    assert report_row(app, reference).contacted


def test_do_not_contact_is_triaged_and_then_leaves_the_overdue_list(app, public, officer):
    client, account = officer
    reference = send_report(public, {"story": STORY, "contact_methods": ["none"]})
    row = report_row(app, reference)
    assert (row.clock, row.approach, row.no_contact) == ("triage", "not_at_all", True)
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Do not contact." in html and "Record a contact attempt" not in html and "Record a triage decision" in html
    assert offered(html_of(client.get(f"/staff/cases/{reference}/contact"))) == []
    for how in ("person:call", "person:text", "go_between:trusted"):
        assert contact(client, reference, how, "spoke").status_code == 400, how
    set_report(app, reference, first_contact_due=datetime.now(timezone.utc) - timedelta(hours=1))
    assert reference in html_of(client.get("/staff/?overdue=1"))
    assert post_form(client, f"/staff/cases/{reference}/triage", {"decision": "monitor"}).status_code == 400
    response = post_form(client, f"/staff/cases/{reference}/triage",
                         {"decision": "monitor", "note": "Checked the housing record; no action wanted"})
    assert response.status_code == 303
    row = report_row(app, reference)
    assert row.contacted and row.triaged_at is not None and row.first_contact_at is None
    assert reference not in html_of(client.get("/staff/?overdue=1"))
    assert "Triaged" in html_of(client.get("/staff/"))
    page = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Checked the housing record; no action wanted" in page and "Triage decisions" in page


def test_a_reply_counts_as_contact_only_once_the_reporter_has_read_it(app, officer):
    client, _ = officer
    reporter, reference, receipt = reporter_with_receipt(app)
    assert post_form(client, f"/staff/cases/{reference}/reply", {"text": "We can talk on Thursday",
                                                                "language": "en"}).status_code == 303
    html_of(client.get("/staff/"))  # the queue counts what is pending: nothing has been read
    row = report_row(app, reference)
    assert not row.contacted and row.first_contact_at is None
    assert "We can talk on Thursday" in messages_page(reporter)  # read now
    html_of(client.get("/staff/"))
    row = report_row(app, reference)
    assert row.contacted and row.first_contact_at is not None
    with dbs(app) as s:
        (attempt,) = s.scalars(select(ContactAttempt).where(ContactAttempt.report_id == row.id))
    assert (attempt.method, attempt.party, attempt.reached) == ("message", "person", False)
    assert row.first_contact_at > attempt.at  # when it was read, not when it was sent


# --- windows ------------------------------------------------------------------------------------------------


def test_outside_a_safe_window_needs_a_reason_which_is_sealed_and_shown(app, public, officer, instance):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "safe_days": not_today()})
    page = html_of(client.get(f"/staff/cases/{reference}/contact"))
    assert "Now is not a safe time to contact them." in page and "Next safe time:" in page
    response = contact(client, reference, "person:text", "spoke")
    assert response.status_code == 400 and "Now is not a safe time to contact them" in errors(html_of(response))
    assert attempts(app, reference) == []
    reason = "She rang us and asked us to text back now"
    assert contact(client, reference, "person:text", "spoke", reason=reason).status_code == 303
    (attempt,) = attempts(app, reference)
    assert attempt.outside_window and attempt.sealed and attempt.key_id
    assert reason.encode() not in b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    assert reason in html_of(client.get(f"/staff/cases/{reference}"))
    assert audit_events(app, "case.contact_recorded")[-1].detail == "person:text:spoke outside_window"


def test_inside_a_safe_window_no_reason_is_needed(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "safe_days": [today()]})
    assert "Now is a safe time to contact them." in html_of(client.get(f"/staff/cases/{reference}/contact"))
    assert contact(client, reference, "person:text", "wrong_details").status_code == 303
    (attempt,) = attempts(app, reference)
    assert not attempt.outside_window and attempt.sealed is None


def test_the_service_uses_the_time_of_the_attempt_not_the_page(app, public, officer, monkeypatch):
    client, account = officer
    reference = send_report(public, {**SAFE_TEXT, "safe_days": ["sat"], "safe_times": ["evening"]})
    tuesday_night = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(service, "now", lambda: tuesday_night)
    response = contact(client, reference, "person:text", "spoke")
    assert response.status_code == 400 and attempts(app, reference) == []
    saturday_evening = datetime(2026, 12, 5, 18, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(service, "now", lambda: saturday_evening)
    assert contact(client, reference, "person:text", "spoke").status_code == 303
    assert not attempts(app, reference)[0].outside_window


@pytest.mark.parametrize("voicemail", [None, "no"])
def test_a_voicemail_is_refused_unless_they_agreed(app, public, officer, voicemail):
    client, _ = officer
    answers = {"contact_methods": ["call"], "phone_call": "07700 900982"}
    if voicemail:
        answers["voicemail"] = voicemail
    reference = send_report(public, answers)
    page = html_of(client.get(f"/staff/cases/{reference}/contact"))
    assert "Do not leave a voicemail." in page or "They did not say a voicemail is safe. Do not leave one." in page
    response = contact(client, reference, "person:call", "voicemail")
    assert response.status_code == 400 and "They did not agree to a voicemail" in errors(html_of(response))
    assert attempts(app, reference) == []


def test_a_voicemail_they_agreed_to_is_recorded_with_its_words_in_the_script(app, public, officer):
    client, _ = officer
    reference = send_report(public, {"contact_methods": ["call"], "phone_call": "07700 900982", "voicemail": "yes",
                                     "voicemail_message": "Call Jo back about the parcel", "say_who": "no",
                                     "cover_name": "Jo from the pharmacy", "check_question": "Favourite colour",
                                     "someone_else": "wrong_number", "call_drops": "wait"})
    page = html_of(client.get(f"/staff/cases/{reference}/contact"))
    script = page[page.index("Call script"):page.index("Safe-contact profile")]
    for words in ("Call Jo back about the parcel", "Jo from the pharmacy", "Favourite colour",
                  "say it is a wrong number", "do not call back", "Ask first whether it is safe to talk now"):
        assert words in script, words
    assert contact(client, reference, "person:call", "voicemail").status_code == 303


def test_not_safe_today_is_shown_with_the_day_it_was_said(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "safe_today": "no"})
    said = datetime.now(LONDON)
    day = f"{said:%A} {said.day} {said:%B} {said.year}"
    for page in ("", "/contact"):
        html = html_of(client.get(f"/staff/cases/{reference}{page}"))
        assert f"On {day} they said that day was not safe." in html, page
        assert "Is it safe for us to contact you today?" not in html


# --- the profile changes ------------------------------------------------------------------------------------


def test_staff_change_the_profile_as_a_new_sealed_version_used_by_the_next_contact(app, public, officer, instance):
    client, account = officer
    reference = send_report(public)  # texts only
    page = html_of(client.get(f"/staff/cases/{reference}/profile/person"))
    assert 'value="07700 900982"' in page  # the current profile, to change
    response = post_form(client, f"/staff/cases/{reference}/profile/person",
                         {"contact_methods": ["call"], "phone_call": "07700 900555", "voicemail": "no",
                          "safe_times": ["late", "night"]})
    assert response.status_code == 303
    with dbs(app) as s:
        (version,) = s.scalars(select(ContactProfile))
    assert (version.about, version.version, version.staff_id, version.seen) == ("person", 2, account.id, True)
    assert b"07700 900555" not in b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Changed on" in html and account.name in html and "07700 900555" in html and "07700 900982" not in html
    assert offered(html_of(client.get(f"/staff/cases/{reference}/contact"))) == ["person:call"]
    assert audit_events(app, "case.profile_changed")[0].detail == "person:v2"


def test_a_profile_change_replans_the_clock_until_the_person_is_reached(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    before = report_row(app, reference).first_contact_due
    post_form(client, f"/staff/cases/{reference}/profile/person",
              {"contact_methods": ["text"], "phone_text": "07700 900982", "safe_days": ["sat"],
               "safe_times": ["night"]})
    row = report_row(app, reference)
    assert row.out_of_hours and row.first_contact_due != before


# --- urgent, and the printed summary -----------------------------------------------------------------------


def test_marking_a_case_urgent_puts_it_first(app, public, officer):
    client, _ = officer
    calm = send_report(public)
    send_report(public, {**SAFE_TEXT, "children": "live"})
    token_page = client.get(f"/staff/cases/{calm}")
    from tests.staff_helpers import csrf_from
    response = client.post(f"/staff/cases/{calm}/urgent", data={"csrf_token": csrf_from(token_page), "urgent": "1"})
    assert response.status_code == 303
    row = report_row(app, calm)
    assert (row.urgent, row.band, row.urgent_announced) == (True, 0, False)
    queue = html_of(client.get("/staff/"))
    assert re.findall(r'class="reference-link">([A-Z0-9-]+)</a>', queue)[0] == calm and "Urgent" in queue
    with dbs(app) as s:
        assert s.scalar(select(AuditEvent.detail).where(AuditEvent.action == "case.urgent_marked")) == "yes"


def test_the_printed_summary_leaves_out_the_code_word_cover_name_and_contact_details_unless_chosen(app, public,
                                                                                                   officer):
    client, _ = officer
    reporter, reference, _receipt = reporter_with_receipt(app, {**SAFE_TEXT, "story": STORY, "say_who": "no",
                                                                "cover_name": "Jo from the pharmacy",
                                                                "check_question": "Blue kettle"})
    from tests.staff_helpers import write
    write(reporter, "A message for the team only")
    plain = html_of(client.get(f"/staff/cases/{reference}/print"))
    for secret in ("Jo from the pharmacy", "Blue kettle", "07700 900982", "A message for the team only"):
        assert secret not in plain, secret
    assert STORY in plain and "The safe-contact details are not on this paper." in plain
    chosen = html_of(client.get(f"/staff/cases/{reference}/print?chosen=1&part=contact&part=codeword"
                                "&part=conversation"))
    for secret in ("Jo from the pharmacy", "Blue kettle", "07700 900982", "A message for the team only"):
        assert secret in chosen, secret
    assert "This paper includes the code word and the cover name." in chosen and STORY not in chosen
    contact_only = html_of(client.get(f"/staff/cases/{reference}/print?chosen=1&part=contact"))
    assert "07700 900982" in contact_only and "Jo from the pharmacy" not in contact_only
    assert [e.detail for e in audit_events(app, "case.opened") if e.detail.startswith("print")][-3:] == [
        "print", "print codeword contact conversation", "print contact"]


# --- found by a tester working a day of cases ---------------------------------------------------------------


def test_an_outcome_must_fit_the_way_of_contact(app, public, officer):
    client, _ = officer
    reference = send_report(public, {"contact_methods": ["email"], "email": "me@example.org", "voicemail": "yes"})
    response = contact(client, reference, "person:email", "voicemail")  # a voicemail on an e-mail
    assert response.status_code == 400 and "That cannot happen that way of contact" in errors(html_of(response))
    assert contact(client, reference, "person:email", "passed_on").status_code == 400  # no go-between here
    assert attempts(app, reference) == []


def test_through_a_go_between_only_passing_it_on_reaches_the_person(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**AGENCY, "contact_methods": ["trusted"], "trusted_person": "Sam at the IDVA"},
                            slug="agency")
    contact(client, reference, "go_between:referrer", "spoke")  # spoke to the worker: not yet the person
    assert not report_row(app, reference).contacted
    contact(client, reference, "go_between:referrer", "passed_on")
    assert report_row(app, reference).contacted


def test_a_person_who_gave_safe_ways_is_tried_before_any_triage(app, public, officer):
    client, _ = officer
    reference = send_report(public)  # texts are safe
    first = client.get(f"/staff/cases/{reference}/triage")
    assert first.status_code == 200 and "There is nothing to triage yet." in html_of(first)
    assert 'name="decision"' not in html_of(first)
    assert post_form(client, f"/staff/cases/{reference}/triage",
                     {"decision": "no_safe_way", "note": "Not tried"}).status_code == 400
    assert "Record a triage decision" not in html_of(client.get(f"/staff/cases/{reference}"))
    contact(client, reference, "person:text", "wrong_details")  # the number did not work
    page = html_of(client.get(f"/staff/cases/{reference}/triage"))
    assert re.findall(r'name="decision" type="radio" value="([a-z_]+)"', page) == ["no_safe_way", "another_agency"]
    assert post_form(client, f"/staff/cases/{reference}/triage",
                     {"decision": "reporter_only", "note": "x"}).status_code == 400  # not offered: refused
    assert not report_row(app, reference).contacted
    assert post_form(client, f"/staff/cases/{reference}/triage",
                     {"decision": "no_safe_way", "note": "The number is dead; no other way given"}).status_code == 303
    assert report_row(app, reference).contacted and report_row(app, reference).first_contact_at is None


def test_printing_only_the_code_word_prints_no_other_contact_details(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "say_who": "no", "cover_name": "Jo from the pharmacy",
                                     "check_question": "Blue kettle", "safe_days": ["thu"]})
    page = html_of(client.get(f"/staff/cases/{reference}/print?chosen=1&part=codeword"))
    assert "Jo from the pharmacy" in page and "Blue kettle" in page
    assert "07700 900982" not in page and "Thursday" not in page
