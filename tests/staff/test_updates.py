"""A partner agency's update on an existing case (issue 16; Plus Dane 13): which agency, when, what they told us,
a police incident number. Sealed as a case entry of kind "update", dated, in the timeline under its own
heading, audited; a date after today and an agency code the page does not offer are refused by the service."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.casework.common import NotAllowed
from portal.casework.disclosures import CHANNEL_FOR_AGENCY, UPDATE_AGENCIES, InTheFuture, record_update
from portal.crypto.sealing import Opener
from portal.intake.reports import find_by_reference
from portal.staff.forms_intake import UPDATE_AGENCY_NAMES
from portal.store.models import CaseEntry, StaffUser
from tests.staff_helpers import (
    audit_events,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    signed_in,
)

TOLD = "MARAC on 1 December: the IDVA will visit weekly; the police flag the address."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def case(app):  # type: ignore[no-untyped-def]
    return send_report(new_client(app))


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def updates(app, reference: str) -> list[CaseEntry]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(CaseEntry).where(CaseEntry.report_id == report_row(app, reference).id,
                                                      CaseEntry.kind == "update")))


def post_update(client, reference: str, **data: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/update", data)


def test_the_agencies_match_their_names_and_each_opens_a_case_through_a_channel():
    assert set(UPDATE_AGENCIES) == set(UPDATE_AGENCY_NAMES) == set(CHANNEL_FOR_AGENCY)


def test_an_update_is_sealed_dated_in_the_timeline_and_audited(app, case, officer):
    client, account = officer
    on = today() - timedelta(days=1)
    response = post_update(client, case, agency="marac", agency_name="Cardiff MARAC", updated_on=on.isoformat(),
                           told=TOLD, incident_number="SWP-2611-0042")
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/cases/{case}"
    (entry,) = updates(app, case)
    assert (entry.code, entry.starts_on, entry.staff_id) == ("marac", on, account.id)
    assert TOLD.encode() not in entry.sealed and b"SWP-2611" not in entry.sealed and b"Cardiff" not in entry.sealed
    opener: Opener = app.extensions["opener"]
    assert opener.open_json(entry.sealed, "update", entry.id) == {
        "text": TOLD, "agency_name": "Cardiff MARAC", "incident_number": "SWP-2611-0042"}
    (event,) = audit_events(app, "case.update_added")
    assert (event.actor, event.report_id, event.detail) == (account.actor, report_row(app, case).id, "marac")

    html = html_of(client.get(f"/staff/cases/{case}"))
    assert "Update recorded." in html
    timeline = html[html.index("<h2>Updates from other agencies</h2>"):]
    timeline = timeline[:timeline.index("</ul>")]
    for shown in ("MARAC", "Cardiff MARAC", "SWP-2611-0042", TOLD, account.name):
        assert shown in timeline, shown
    printed = html_of(client.get(f"/staff/cases/{case}/print"))
    assert "Updates from other agencies" in printed and TOLD in printed


def test_the_case_page_offers_it_and_says_when_there_is_none_yet(app, case, officer):
    client, _ = officer
    html = html_of(client.get(f"/staff/cases/{case}"))
    assert f'href="/staff/cases/{case}/update"' in html and "No updates from other agencies." in html
    page = html_of(client.get(f"/staff/cases/{case}/update"))
    # Someone we have no case for: the update opens a new case instead.
    assert 'href="/staff/new-case?kind=agency"' in page


def test_a_date_after_today_is_refused_by_the_service_and_on_its_field(app, case, officer):
    client, account = officer
    tomorrow = today() + timedelta(days=1)
    response = post_update(client, case, agency="police", updated_on=tomorrow.isoformat(), told=TOLD)
    assert response.status_code == 400
    assert "The date of the update must be today or in the past" in html_of(response)
    assert TOLD in html_of(response)  # kept
    with app.test_request_context("/staff/"), dbs(app) as s:
        report = find_by_reference(s, case)
        staff = s.get(StaffUser, account.id)
        with pytest.raises(InTheFuture):
            record_update(s, report, staff, agency="police", updated_on=tomorrow, told=TOLD, tz="Europe/London")
        record_update(s, report, staff, agency="police", updated_on=today(), told=TOLD, tz="Europe/London")
    assert [e.starts_on for e in updates(app, case)] == [today()]


@pytest.mark.parametrize("agency", ["fbi", "", "police "])
def test_an_agency_code_the_page_does_not_offer_is_refused(app, case, officer, agency):
    client, account = officer
    response = post_update(client, case, agency=agency, updated_on=today().isoformat(), told=TOLD)
    assert response.status_code == 400
    with app.test_request_context("/staff/"), dbs(app) as s:
        with pytest.raises(NotAllowed):
            record_update(s, find_by_reference(s, case), s.get(StaffUser, account.id), agency=agency,
                          updated_on=today(), told=TOLD, tz="Europe/London")
    assert updates(app, case) == [] and not audit_events(app, "case.update_added")


def test_what_they_told_us_and_a_real_date_are_needed(app, case, officer):
    client, _ = officer
    response = post_update(client, case, agency="idva", updated_on="", told="  ")
    assert response.status_code == 400
    errors = re.findall(r'class="error-message">(.*?)</p>', html_of(response), re.S)
    assert len(errors) == 2
    assert post_update(client, case, agency="idva", updated_on="1999-12-31", told=TOLD).status_code == 400
    assert updates(app, case) == []


def test_an_auditor_cannot_record_one(app, case):
    auditor, _ = signed_in(app, "auditor")
    assert auditor.get(f"/staff/cases/{case}/update").status_code == 403


def test_what_an_agency_said_is_shown_as_text_never_as_markup(app, case, officer):
    client, _ = officer
    hostile = "<script>alert(1)</script>\u202egnp.exe \x00 <img src=x onerror=alert(1)>"
    response = post_update(client, case, agency="other", agency_name=hostile, updated_on=today().isoformat(),
                           told=hostile, incident_number=hostile)
    assert response.status_code == 303
    (entry,) = updates(app, case)
    opened = app.extensions["opener"].open_json(entry.sealed, "update", entry.id)
    assert opened["text"] == hostile, repr(opened["text"])
    for page in (f"/staff/cases/{case}", f"/staff/cases/{case}/print"):
        html = html_of(client.get(page))
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3, page
