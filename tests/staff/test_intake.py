"""A new case entered by staff (issue 16): a disclosure taken by phone, in person, from a colleague or contractor,
or notified by the police, a MARAC, an IDVA or another agency. Stored with its channel and who took it, sealed
like a public report (no answer in any plaintext column), once per submission key, nothing typed lost, for
officers and leads only, and then in the queue with the clock counting from when it was disclosed."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import LargeBinary, select

from portal.casework.common import NotAllowed
from portal.casework.disclosures import KINDS_FOR_CHANNEL, STAFF_CHANNELS, InTheFuture, open_from_disclosure
from portal.intake.reports import CHANNELS, new_submission_key
from portal.store.models import Base, Report, StaffUser
from portal.workdays.working_time import first_contact_due
from tests.conftest import open_all
from tests.staff_helpers import audit_events, csrf_from, dbs, html_of, queue_references, report_row, signed_in

LONDON = ZoneInfo("Europe/London")
PAIRS = [(channel, kind) for channel, kinds in KINDS_FOR_CHANNEL.items() for kind in kinds]
SAFE_CALL = {"contact_methods": ["call"], "phone_call": "07700 900461"}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


def errors_on(html: str) -> str:
    """The error messages by the fields, without the hidden "Error:" before each."""
    found = re.findall(r'class="error-message"><span class="visually-hidden">[^<]*</span>(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", m).strip() for m in found)


def step_two(client, channel: str, kind: str) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    url = f"/staff/new-case/{channel}/{kind}"
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    html = html_of(page)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    return url, {"csrf_token": csrf_from(html), "submission_key": key}


def minimal(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {"disclosed": "now", "contact_language": "en", **SAFE_CALL}
    if kind == "agency":
        data["org_name"] = "South Wales Police"
    return data


def enter(client, channel: str, kind: str, data: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    url, tokens = step_two(client, channel, kind)
    return client.post(url, data={**tokens, **(data if data is not None else minimal(kind))})


def reference_from(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, errors_on(html_of(response)) or response.status_code
    match = re.fullmatch(r"/staff/cases/([A-Z0-9]{4}-[A-Z0-9]{4})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


# --- the two steps ------------------------------------------------------------------------------------


def test_the_staff_channels_are_the_reports_channels_but_the_website():
    assert set(STAFF_CHANNELS) == set(CHANNELS) - {"web"}
    assert {kind for _channel, kind in PAIRS} == {"self", "concerned", "agency"}


def test_step_one_goes_on_to_the_questions_for_that_channel_and_kind(app, officer):
    client, _ = officer
    page = client.get("/staff/new-case")
    assert page.status_code == 200
    html = html_of(page)
    assert 'action="/staff/new-case"' in html and 'method="get"' in html
    assert set(re.findall(r'name="channel" type="radio" value="([a-z_]+)"', html)) == set(STAFF_CHANNELS)
    response = client.get("/staff/new-case?channel=phone&kind=self&next=1")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/new-case/phone/self"


def test_step_one_asks_again_for_what_is_missing_or_does_not_fit(app, officer):
    client, _ = officer
    missing = client.get("/staff/new-case?next=1")
    assert missing.status_code == 400
    assert errors_on(html_of(missing)) == ("Select how the disclosure reached us Select who the disclosure is from")
    police_self = client.get("/staff/new-case?channel=police&kind=self&next=1")
    assert police_self.status_code == 400 and "select that it is from an agency" in errors_on(html_of(police_self))
    assert 'value="police" checked' in html_of(police_self)  # what was chosen stays chosen
    assert client.get("/staff/new-case?channel=web&kind=self&next=1").status_code == 400
    # A link can choose for the officer (the update page's "open a new case"); nothing is judged until they go on.
    preset = client.get("/staff/new-case?kind=agency")
    assert preset.status_code == 200 and 'value="agency" checked' in html_of(preset)


@pytest.mark.parametrize("path", ["/staff/new-case/web/self", "/staff/new-case/police/self",
                                  "/staff/new-case/colleague/agency", "/staff/new-case/phone/nobody"])
def test_a_channel_and_kind_that_do_not_fit_are_not_found(app, officer, path):
    client, _ = officer
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("channel, kind", PAIRS)
def test_every_channel_is_stored_with_who_took_it_and_audited(app, officer, channel, kind):
    client, account = officer
    reference = reference_from(enter(client, channel, kind, {**minimal(kind), "story": f"Entered: {channel}."}))
    row = report_row(app, reference)
    assert (row.channel, row.reporter_kind, row.taken_by, row.owner_id, row.status, row.is_open) == (
        channel, kind, account.id, account.id, "new", True)
    (created,) = audit_events(app, "case.created")
    assert (created.actor, created.report_id, created.detail) == (account.actor, row.id, f"channel:{channel}")
    (opened,) = [r for r in open_all(app) if r["row"].reference == reference]
    assert opened["kind"] == kind and opened["answers"]["story"] == f"Entered: {channel}."


def test_a_lead_can_enter_one_too_and_an_auditor_cannot(app):
    lead, lead_account = signed_in(app, "lead")
    reference = reference_from(enter(lead, "in_person", "self"))
    assert report_row(app, reference).taken_by == lead_account.id
    assert 'href="/staff/new-case"' in html_of(lead.get("/staff/"))
    auditor, _ = signed_in(app, "auditor")
    assert auditor.get("/staff/new-case").status_code == 403
    assert auditor.get("/staff/new-case/phone/self").status_code == 403
    token = csrf_from(auditor.get("/staff/account"))
    refused = auditor.post("/staff/new-case/phone/self", data={"csrf_token": token, **minimal("self"),
                                                                "submission_key": new_submission_key()})
    assert refused.status_code == 403
    assert 'href="/staff/new-case"' not in html_of(auditor.get("/staff/account"))
    with dbs(app) as s:
        assert s.scalar(select(Report.id).where(Report.taken_by != lead_account.id)) is None


def test_the_service_refuses_what_the_pages_would_not_offer(app, officer):
    _client, account = officer
    with app.test_request_context("/staff/"), dbs(app) as s:
        staff = s.get(StaffUser, account.id)
        common = {"answers": {"story": "x"}, "flags": {"danger_now": False, "children": False, "no_contact": False},
                  "contact_language": "en"}
        for channel, kind in (("web", "self"), ("police", "self"), ("colleague", "agency"), ("fax", "self")):
            with pytest.raises(NotAllowed):
                open_from_disclosure(s, staff, channel=channel, kind=kind, submission_key=new_submission_key(),
                                     **common)
        with pytest.raises(InTheFuture):
            open_from_disclosure(s, staff, channel="phone", kind="self", submission_key=new_submission_key(),
                                 disclosed_at=datetime.now(timezone.utc) + timedelta(hours=1), **common)
        auditor = StaffUser(email="a@example.org", role="auditor", password_hash="x", totp_secret="x",
                            created_at=datetime.now(timezone.utc))
        with pytest.raises(NotAllowed):
            open_from_disclosure(s, auditor, channel="phone", kind="self", submission_key=new_submission_key(),
                                 **common)
        assert s.scalar(select(Report.id)) is None


# --- sealed, once, nothing lost -----------------------------------------------------------------------


MARKERS = {"story": "Marker-story: he broke the bedroom door", "your_name": "Marker-name Bethan",
           "address": "Marker-address 14 Heol Fawr", "phone_call": "07700 900123",
           "check_question": "Marker-code heron",
           "access_needs": "Marker-access large print", "crime_reference": "Marker-crime 7788",
           "safe_times_note": "Marker-times after school"}


def test_what_was_entered_is_sealed_and_in_no_plaintext_column(app, officer):
    client, _ = officer
    data = {**minimal("self"), **MARKERS, "contact_methods": ["call"], "safe_days": ["mon"], "danger_now": "yes"}
    reference = reference_from(enter(client, "phone", "self", data))
    (opened,) = open_all(app)
    assert {name: opened["answers"][name] for name in MARKERS} == MARKERS
    assert not {"disclosed", "disclosed_on", "disclosed_time", "csrf_token", "submission_key"} & set(opened["answers"])
    row = report_row(app, reference)
    assert (row.danger_now, row.band, row.contact_language) == (True, 0, "en")  # the queue's own columns
    found = []
    with dbs(app) as s:
        for table in Base.metadata.sorted_tables:
            for record in s.execute(select(table)).all():
                for column, value in zip(table.columns, record, strict=True):
                    if value is None:
                        continue
                    shown = value if isinstance(column.type, LargeBinary) else str(value).encode()
                    found += [f"{table.name}.{column.name}" for marker in MARKERS.values()
                              if marker.encode() in shown or marker.replace(" ", "").encode() in shown]
    assert found == [], f"answer text in plaintext: {found}"


def test_a_double_tap_makes_one_case(app, officer):
    client, _ = officer
    url, tokens = step_two(client, "phone", "self")
    data = {**tokens, **minimal("self"), "story": "Tapped twice."}
    first, second = client.post(url, data=data), client.post(url, data=data)
    assert reference_from(first) == reference_from(second)
    with dbs(app) as s:
        assert len(s.scalars(select(Report.id)).all()) == 1
    assert len(audit_events(app, "case.created")) == 1


def test_a_refusal_keeps_everything_typed(app, officer):
    client, _ = officer
    data = {**minimal("concerned"), "story": "Kept: shouting every night.", "your_name": "Kept Neighbour",
            "relationship": "neighbour", "contact_methods": ["call", "email"], "phone_call": "",
            "email": "not an address", "safe_days": ["tue"], "disclosed": "earlier", "disclosed_on": "",
            "contact_language": ""}
    response = enter(client, "in_person", "concerned", data)
    assert response.status_code == 400
    html = html_of(response)
    assert errors_on(html) == ("Enter the date it was disclosed Enter a phone number we can call safely "
                               "Enter an email address in the correct format, like name@example.com "
                               "Select the language they want us to use")
    for typed in ("Kept: shouting every night.", 'value="Kept Neighbour"', 'value="not an address"'):
        assert typed in html, typed
    for checked in ('name="relationship" type="radio" value="neighbour" checked', 'value="email" checked',
                    'value="tue" checked', 'name="disclosed" type="radio" value="earlier" checked'):
        assert checked in html, checked
    with dbs(app) as s:
        assert s.scalar(select(Report.id)) is None


def test_an_expired_token_keeps_everything_and_saving_again_works(app, officer):
    client, _ = officer
    url, tokens = step_two(client, "police", "agency")
    data = {**minimal("agency"), "story": "Police notification: a call-out last night.", "submission_key":
            tokens["submission_key"]}
    stale = client.post(url, data={**data, "csrf_token": "IjAwMDAi.stale.token"})
    assert stale.status_code == 200
    html = html_of(stale)
    assert "the form timed out" in html and "Police notification: a call-out last night." in html
    assert 'value="South Wales Police"' in html
    with dbs(app) as s:
        assert s.scalar(select(Report.id)) is None
    again = client.post(url, data={**data, "csrf_token": csrf_from(html)})
    assert report_row(app, reference_from(again)).channel == "police"


def test_without_a_staff_session_nothing_is_stored(app):
    from tests.staff_helpers import new_client

    stranger = new_client(app)
    response = stranger.post("/staff/new-case/phone/self", data={**minimal("self"), "csrf_token": "x",
                                                                 "story": "Posted by a stranger.",
                                                                 "submission_key": new_submission_key()})
    assert response.status_code == 401
    html = html_of(response)
    assert "You have been signed out" in html and 'href="/staff/new-case"' not in html  # no staff navigation
    assert stranger.post("/staff/new-case/web/self", data=minimal("self")).status_code == 404
    assert stranger.post("/staff/cases/ABCD-EFGH/update", data={"told": "x"}).status_code in {400, 401}
    with dbs(app) as s:
        assert s.scalar(select(Report.id)) is None
    assert not audit_events(app, "case.created")


def test_signed_out_while_typing_a_long_call_loses_nothing(app, officer, monkeypatch):
    from portal.store.models import WebSession
    from tests.staff_helpers import sign_in

    client, account = officer
    url, tokens = step_two(client, "phone", "self")
    data = {**minimal("self"), "story": "A long call: forty minutes of what he has done.", "your_name": "Sioned",
            "submission_key": tokens["submission_key"]}
    with dbs(app) as s:  # the officer's session ends while they type (idle or absolute expiry)
        s.query(WebSession).delete()
        s.commit()
    gone = client.post(url, data={**data, "csrf_token": tokens["csrf_token"]})
    assert gone.status_code == 401
    html = html_of(gone)
    assert "You have been signed out" in html and "A long call: forty minutes of what he has done." in html
    assert 'value="Sioned"' in html and 'name="submission_key" value="' + tokens["submission_key"] in html
    with dbs(app) as s:
        assert s.scalar(select(Report.id)) is None
    sign_in(app, client, account)  # in another tab: a new session
    stale = client.post(url, data={**data, "csrf_token": csrf_from(html)})
    assert stale.status_code == 200 and "the form timed out" in html_of(stale)
    assert "A long call: forty minutes of what he has done." in html_of(stale)
    saved = client.post(url, data={**data, "csrf_token": csrf_from(html_of(stale))})
    row = report_row(app, reference_from(saved))
    assert (row.channel, row.taken_by) == ("phone", account.id)


# --- the same clock, queue and case page --------------------------------------------------------------


def test_the_clock_counts_from_when_it_was_disclosed_and_the_case_is_in_the_queue(app, officer):
    client, _ = officer
    # A colleague was told on Monday 2 November 2026 at 10:00: due by the end of that working day (17:00), so
    # long overdue now, whenever it is entered.
    data = {**minimal("self"), "disclosed": "earlier", "disclosed_on": "2026-11-02", "disclosed_time": "10:00"}
    reference = reference_from(enter(client, "colleague", "self", data))
    row = report_row(app, reference)
    told = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
    assert row.received_at.replace(tzinfo=timezone.utc) == told
    assert row.first_contact_due.replace(tzinfo=timezone.utc) == datetime(2026, 11, 2, 17, 0, tzinfo=LONDON)
    assert reference in queue_references(html_of(client.get("/staff/?overdue=1")))
    # Just now: due as a report from the website sent now would be.
    now_ref = reference_from(enter(client, "phone", "self"))
    fresh = report_row(app, now_ref)
    received = fresh.received_at.replace(tzinfo=timezone.utc)
    assert datetime.now(timezone.utc) - received < timedelta(minutes=1)
    expected = first_contact_due(received, app.config["NATION"], app.config["SAME_DAY_CUTOFF"], app.config["TIMEZONE"])
    assert fresh.first_contact_due.replace(tzinfo=timezone.utc) == expected
    assert now_ref in queue_references(html_of(client.get("/staff/")))


def test_without_a_time_the_clock_counts_from_the_start_of_that_day(app, officer):
    client, _ = officer
    data = {**minimal("self"), "disclosed": "earlier", "disclosed_on": "2026-11-02"}
    row = report_row(app, reference_from(enter(client, "in_person", "self", data)))
    assert row.received_at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 2, 0, 0, tzinfo=LONDON)


def test_a_disclosure_in_the_future_is_refused_on_its_field(app, officer):
    client, _ = officer
    tomorrow = (datetime.now(LONDON) + timedelta(days=1)).date().isoformat()
    response = enter(client, "phone", "self", {**minimal("self"), "disclosed": "earlier", "disclosed_on": tomorrow})
    assert response.status_code == 400
    assert errors_on(html_of(response)) == "The date and time it was disclosed must be now or in the past"
    assert 'href="#disclosed_on"' in html_of(response)
    with dbs(app) as s:
        assert s.scalar(select(Report.id)) is None


def test_the_case_page_shows_the_channel_who_took_it_and_the_staff_wording(app, officer):
    client, account = officer
    data = {**minimal("self"), "your_name": "Ceri Jones", "story": "Told us on the phone."}
    reference = reference_from(enter(client, "phone", "self", data))
    html = html_of(client.get(f"/staff/cases/{reference}"))
    header = html[html.index('class="case-header"'):html.index("</dl>", html.index('class="case-header"'))]
    assert "How it reached us" in header and "Phone call" in header
    assert "Taken by" in header and account.name in header
    assert "The person&#39;s name" in html and "Your name (optional)" not in html
    assert "Ceri Jones" in html and "Told us on the phone." in html
    web = html_of(client.get("/staff/"))
    assert reference in queue_references(web)


def test_the_new_case_pages_and_the_case_in_welsh(app):
    client, _ = signed_in(app, "officer", language="cy")
    first = html_of(client.get("/staff/new-case"))
    assert '<html lang="cy"' in first and "<h1>Achos newydd</h1>" in first
    assert "Sut daeth y datgeliad aton ni?" in first and "How did the disclosure reach us?" not in first
    wrong = html_of(client.get("/staff/new-case?channel=marac&kind=concerned&next=1"))
    assert "dewiswch ei fod gan asiantaeth" in errors_on(wrong)
    refused = enter(client, "phone", "self", {**minimal("self"), "contact_methods": [], "contact_language": ""})
    html = html_of(refused)
    assert refused.status_code == 400 and "<title>Gwall:" in html
    assert errors_on(html) == ("Dewiswch sut gallwn ni gysylltu â nhw'n ddiogel, neu ddewiswch na ddylem gysylltu "
                               "â nhw Dewiswch yr iaith maen nhw am i ni ei defnyddio")
    reference = reference_from(enter(client, "phone", "self", {**minimal("self"), "contact_language": "cy"}))
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Sut daeth aton ni" in case and "Galwad ffôn" in case and "Cymerwyd gan" in case
    assert "Achos wedi&#39;i agor." in case
    update = html_of(client.get(f"/staff/cases/{reference}/update"))
    assert "<h1>Cofnodi diweddariad gan asiantaeth arall</h1>" in update


@pytest.mark.parametrize("kind", ["self", "concerned", "agency"])
def test_the_error_summary_follows_the_page(app, officer, kind):
    from portal.staff.forms_intake import INTAKE_FORMS, page_order

    client, _ = officer
    channel = "phone"
    html = html_of(client.get(f"/staff/new-case/{channel}/{kind}"))
    shown = list(dict.fromkeys(re.findall(r'<(?:input|textarea)[^>]* name="([a-z_]+)"', html)))
    shown = [name for name in shown if name not in ("csrf_token", "submission_key", "language", "back")]
    assert shown == list(page_order(kind))
    with app.test_request_context("/staff/"):
        fields = {field.name for field in INTAKE_FORMS[kind](formdata=None, meta={"csrf": False})}
    assert set(shown) == fields - {"submission_key"}, "a question is missing from the page"
    refused = enter(client, channel, kind, {"disclosed": "earlier", "contact_methods": ["call", "email"],
                                            "email": "nope", "safe_days": ["mars"]})
    summary = re.findall(r'<li><a href="#([a-z_]+?)(?:-0)?">', html_of(refused))
    assert summary == sorted(summary, key=page_order(kind).index) and len(summary) >= 4


def test_a_colleague_who_must_not_see_it_keeps_the_case_to_the_leads_and_the_officer_who_took_it(app, officer):
    client, account = officer
    reference = reference_from(enter(client, "colleague", "self", {**minimal("self"),
                                                                  "must_not_see": "Her line manager, Dai"}))
    row = report_row(app, reference)
    assert row.restricted == "leads"
    page = html_of(client.get(f"/staff/cases/{reference}"))  # the officer who took it still sees it
    assert "Only team leads and the staff they name can see this case" in page and "Decide who may" not in page
    (created,) = audit_events(app, "case.created")
    assert created.detail == "channel:colleague restricted:leads" and "Dai" not in created.detail
    other, _ = signed_in(app, "officer")
    assert other.get(f"/staff/cases/{reference}").status_code == 404
    assert reference not in html_of(other.get("/staff/"))
    lead, _ = signed_in(app, "lead")
    assert "Her line manager, Dai" in html_of(lead.get(f"/staff/cases/{reference}"))


def test_switching_language_halfway_through_a_call_keeps_every_word(app, officer):
    client, account = officer
    url, tokens = step_two(client, "phone", "self")
    page = html_of(client.get(url))
    assert 'form="new-case-form"' in page and 'name="switch_language" value="cy"' in page
    typed = {**tokens, **minimal("self"), "story": "Mae o'n gweiddi bob nos.", "your_name": "Siân"}
    response = client.post(url, data={**typed, "switch_language": "cy"})
    assert response.status_code == 200
    html = html_of(response)
    assert "Mae o&#39;n gweiddi bob nos." in html and 'value="Siân"' in html and 'lang="cy"' in html
    assert "class=\"error-message\"" not in html and report_row_count(app) == 0
    assert staff_language(app, account.id) == "cy"
    forged = client.post(url, data={**typed, "csrf_token": "forged", "switch_language": "en"})
    assert forged.status_code == 200 and staff_language(app, account.id) == "cy"  # not its own page: unchanged


def report_row_count(app) -> int:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return len(list(s.scalars(select(Report))))


def staff_language(app, staff_id: int) -> str:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return s.get(StaffUser, staff_id).language  # type: ignore[union-attr]


@pytest.mark.parametrize("written", ["9.15", "09:15", "9 15"])
def test_a_time_is_taken_as_people_write_it(app, officer, written):
    client, _ = officer
    yesterday = (datetime.now(LONDON) - timedelta(days=1)).date()
    reference = reference_from(enter(client, "phone", "self", {**minimal("self"), "disclosed": "earlier",
                                                               "disclosed_on": yesterday.isoformat(),
                                                               "disclosed_time": written}))
    received = report_row(app, reference).received_at
    local = (received if received.tzinfo else received.replace(tzinfo=timezone.utc)).astimezone(LONDON)
    assert (local.date(), local.hour, local.minute) == (yesterday, 9, 15)
