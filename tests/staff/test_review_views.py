"""The review page (issue 18): what was due and when the next falls; three answers, notes (sealed) and an earlier
next review if the officer wants; errors keep what was typed; the case page shows the next review date, every
review and, when the last found something changed, links to a new risk assessment and actions; in English and
Welsh."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from tests.staff_helpers import (
    audit_events,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    set_report,
    signed_in,
)

NOTES = "Met Ana at the housing office: the locks are fitted, she feels safer, no contact from him."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def contacted(app, **values) -> str:  # type: ignore[no-untyped-def]
    reference = send_report(new_client(app))
    set_report(app, reference, contacted=True, status="in_contact", next_review_on=today() - timedelta(days=1),
               **values)
    return reference


def errors_on(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", e).replace("Error:", "").replace("Gwall:", "").strip()
            for e in re.findall(r'class="error-message">(.*?)</p>', html, re.S)]


def test_recording_a_review_moves_the_date_and_shows_it_on_the_case(app):  # type: ignore[no-untyped-def]
    client, _ = signed_in(app, "officer")
    reference = contacted(app)
    page = html_of(client.get(f"/staff/cases/{reference}/review"))
    assert "Review due" in page and "Usual next review" in page
    assert f'href="/staff/cases/{reference}/risk"' in page  # a new risk assessment is one link away
    response = post_form(client, f"/staff/cases/{reference}/review",
                         {"risk_changed": "no", "new_incident": "no", "measures_ok": "no", "notes": NOTES})
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/cases/{reference}"
    row = report_row(app, reference)
    assert row.next_review_on is not None and row.next_review_on > today()
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Review recorded. The next review is on" in case
    assert "Next review:" in case and NOTES in case and "The safety measures are no longer right." in case
    prompt = case[case.index('class="notice notice-warning review-follow-up"'):]
    assert f'href="/staff/cases/{reference}/action"' in prompt[:prompt.index("</div>")]
    assert case.index("Safe-contact profile") < case.index("<h2>Reviews</h2>")  # the profile stays first
    [event] = audit_events(app, "case.review_recorded")
    assert NOTES not in (event.detail or "")


def test_nothing_answered_comes_back_with_everything_typed(app):  # type: ignore[no-untyped-def]
    client, _ = signed_in(app, "officer")
    reference = contacted(app)
    response = post_form(client, f"/staff/cases/{reference}/review", {"notes": NOTES, "risk_changed": "yes"})
    html = html_of(response)
    assert response.status_code == 400 and 'class="error-summary"' in html
    assert errors_on(html) == ["Select whether there has been a new incident",
                               "Select whether the safety measures are still right"]
    assert NOTES in html and re.search(r'value="yes"[^>]*checked', html)
    assert audit_events(app, "case.review_recorded") == []


def test_a_later_next_review_than_the_risk_level_allows_is_refused(app):  # type: ignore[no-untyped-def]
    client, _ = signed_in(app, "officer")
    reference = contacted(app, risk_level="high")
    answers = {"risk_changed": "no", "new_incident": "no", "measures_ok": "yes"}
    late = post_form(client, f"/staff/cases/{reference}/review",
                     {**answers, "next_review_on": (today() + timedelta(days=20)).isoformat()})
    assert late.status_code == 400
    assert errors_on(html_of(late))[0].startswith("The next review can be no later than")
    past = post_form(client, f"/staff/cases/{reference}/review", {**answers, "next_review_on": today().isoformat()})
    assert past.status_code == 400 and errors_on(html_of(past)) == ["The next review must be after today"]
    soon = today() + timedelta(days=2)
    ok = post_form(client, f"/staff/cases/{reference}/review", {**answers, "next_review_on": soon.isoformat()})
    assert ok.status_code == 303 and report_row(app, reference).next_review_on == soon


def test_a_case_not_yet_contacted_has_no_review_form(app):  # type: ignore[no-untyped-def]
    client, _ = signed_in(app, "officer")
    reference = send_report(new_client(app))
    page = client.get(f"/staff/cases/{reference}/review")
    assert page.status_code == 200 and "Reviews start once the person at risk has been contacted" in html_of(page)
    assert 'name="risk_changed"' not in html_of(page)
    assert f"/staff/cases/{reference}/review" not in html_of(client.get(f"/staff/cases/{reference}"))


def test_the_review_page_in_welsh(app):  # type: ignore[no-untyped-def]
    client, _ = signed_in(app, "officer", language="cy")
    reference = contacted(app)
    page = unescape(html_of(client.get(f"/staff/cases/{reference}/review")))
    assert "Ydy'r risg wedi newid ers yr adolygiad diwethaf?" in page and "Fu digwyddiad newydd?" in page
    assert ">Naddo<" in page and ">Nac ydyn<" in page
    response = post_form(client, f"/staff/cases/{reference}/review",
                         {"risk_changed": "no", "new_incident": "no", "measures_ok": "yes"})
    assert response.status_code == 303
    case = unescape(html_of(client.get(f"/staff/cases/{reference}")))
    assert "Adolygiad wedi'i gofnodi." in case and "Adolygiad nesaf:" in case
