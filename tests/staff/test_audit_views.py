"""The audit log page and its CSV: filters from the form (errors said, nothing lost), paging links that keep the
filters, the CSV of exactly what the filters match, audited, with no formula cells."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from portal.store.models import AuditEvent
from tests.staff_helpers import SAFE_TEXT, STORY, audit_events, dbs, html_of, new_client, send_report, signed_in

START = datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def add_events(app, n: int, actor: str, action: str = "case.opened", detail: str = "") -> None:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        for i in range(n):
            s.add(AuditEvent(at=START + timedelta(minutes=i), actor=actor, action=action, detail=detail))
        s.commit()


def test_the_log_pages_by_older_and_newer_keeping_the_filters(app):
    lead, account = signed_in(app, "lead")
    add_events(app, 230, f"staff:{account.id}", "case.opened")
    first = html_of(lead.get(f"/staff/audit?who=staff:{account.id}&what=case.opened"))
    assert first.count("<tr>") == 100 + 1  # the header row and a page of 100
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "who=staff" in older and "what=case.opened" in older and "before=" in older
    second = html_of(lead.get(older))
    assert second.count("<tr>") == 101 and 'rel="prev"' in second
    third = html_of(lead.get(second.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
                             .replace("&amp;", "&")))
    assert third.count("<tr>") == 31 and 'rel="next"' not in third


def test_bad_filters_are_said_and_kept(app):
    lead, _ = signed_in(app, "lead")
    response = lead.get("/staff/audit?since=31/07/2026&until=2026-07-01&case=NOPE-NOPE")
    html = html_of(response)
    assert response.status_code == 400 and "There is a problem" in html
    assert "Enter a date like 2026-07-01" in html and "No case has that reference" in html
    assert 'value="31/07/2026"' in html and 'value="NOPE-NOPE"' in html and "<table" not in html
    response = lead.get("/staff/audit?since=2026-07-02&until=2026-07-01")
    assert response.status_code == 400 and "The last day must be on or after the first day" in html_of(response)
    assert lead.get("/staff/audit?who=staff:99999&what=nonsense&before=junk").status_code == 200  # ignored


def test_the_case_filter_and_the_csv_of_it_are_audited(app):
    reference = send_report(new_client(app), {**SAFE_TEXT, "story": STORY})
    officer, officer_account = signed_in(app, "officer")
    officer.get(f"/staff/cases/{reference}")
    add_events(app, 3, f"staff:{officer_account.id}", "staff.signed_in", detail="=HYPERLINK(1)")
    auditor, auditor_account = signed_in(app, "auditor")
    html = html_of(auditor.get(f"/staff/audit?case={reference}"))
    assert reference in html and "Download these events (CSV)" in html
    response = auditor.get(f"/staff/audit.csv?case={reference}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["When", "Who", "What", "Case", "Detail"]
    assert rows[1:] and all(row[3] == reference for row in rows[1:])
    assert "case.opened" in {row[5] for row in rows[1:]}
    (exported,) = audit_events(app, "audit.exported")
    assert exported.actor == f"staff:{auditor_account.id}" and exported.report_id is not None
    everything = auditor.get("/staff/audit.csv?what=staff.signed_in").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(everything.lstrip("\ufeff"))) for cell in row]
    assert "'=HYPERLINK(1)" in cells and "=HYPERLINK(1)" not in cells  # no formula reaches a spreadsheet
    assert auditor.get("/staff/audit.csv?since=nope").status_code == 400
    assert len(audit_events(app, "audit.exported")) == 2  # the refused export is not one


def test_an_officer_cannot_read_or_export_the_log(app):
    officer, _ = signed_in(app, "officer")
    assert officer.get("/staff/audit").status_code == 403
    assert officer.get("/staff/audit.csv").status_code == 403
