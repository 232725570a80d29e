"""A reporter signed in with their receipt changes how and when we may contact them: sealed both ways, the team
told in the queue and on the case, the clock re-planned, the next contact page using it; and the time bands the
form offers are the ones the safe-window arithmetic knows."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.questions.report_forms import TIMES
from portal.store.models import ContactProfile
from portal.workdays.safe_windows import BANDS
from tests.staff_helpers import (
    SAFE_TEXT,
    STORY,
    csrf_from,
    dbs,
    html_of,
    messages_page,
    new_client,
    post_form,
    report_row,
    reporter_with_receipt,
    sign_in_with,
    signed_in,
)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def change(client, data: dict, lang: str = "en"):  # type: ignore[no-untyped-def]
    page = client.get(f"/{lang}/replies/contact")
    assert page.status_code == 200
    return client.post(f"/{lang}/replies/contact", data={"csrf_token": csrf_from(page), "action": "save", **data})


def test_the_form_offers_exactly_the_bands_the_arithmetic_knows():
    assert [code for code, _label in TIMES] == list(BANDS)


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_reporter_changes_how_to_contact_them_and_the_team_sees_it(app, instance, lang):
    reporter, reference, receipt = reporter_with_receipt(app, {**SAFE_TEXT, "story": STORY}, lang=lang)
    assert f'href="/{lang}/replies/contact"' in messages_page(reporter, lang)
    first = html_of(reporter.get(f"/{lang}/replies/contact"))
    assert "07700 900982" not in first  # what they said before is not shown: someone else may be reading
    response = change(reporter, {"contact_methods": ["call"], "phone_call": "07700 900111", "voicemail": "no",
                                 "safe_days": ["sat"], "safe_times": ["night"]}, lang)
    assert response.status_code == 303 and response.headers["Location"] == f"/{lang}/replies/messages"
    with dbs(app) as s:
        (row,) = s.scalars(select(ContactProfile))
    assert (row.about, row.version, row.staff_id, row.seen, row.applied) == ("person", 2, None, False, False)
    assert row.reporter_sealed and row.due is not None and row.out_of_hours
    assert b"07700 900111" not in b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    # Their own copy comes back to them, and only to them.
    assert 'value="07700 900111"' in html_of(reporter.get(f"/{lang}/replies/contact"))
    assert 'value="07700 900111"' not in html_of(new_client(app).get(f"/{lang}/replies/contact"))

    staff, _account = signed_in(app, "officer")
    queue = html_of(staff.get("/staff/?flag=profile"))
    assert reference in queue and "The reporter changed how to contact them" in queue
    row_after = report_row(app, reference)
    assert row_after.out_of_hours  # applied by the triage side
    case = html_of(staff.get(f"/staff/cases/{reference}"))
    assert "The reporter changed how to contact them." in case and "07700 900111" in case
    assert "by the reporter, on the website" in case
    assert reference not in html_of(staff.get("/staff/?flag=profile"))  # a caseworker has seen it
    contact = html_of(staff.get(f"/staff/cases/{reference}/contact"))
    assert re.findall(r'name="how" type="radio" value="([a-z_:]+)"', contact) == ["person:call"]

    # A staff change is sealed to their receipt too, so they see what we hold now.
    post_form(staff, f"/staff/cases/{reference}/profile/person", {"contact_methods": ["text"],
                                                                  "phone_text": "07700 900222"})
    again = new_client(app)
    assert sign_in_with(again, receipt, lang).status_code == 303
    assert 'value="07700 900222"' in html_of(again.get(f"/{lang}/replies/contact"))


def test_deleting_the_conversation_erases_their_copies_of_the_profile(app):
    reporter, _reference, _receipt = reporter_with_receipt(app)
    change(reporter, {"contact_methods": ["text"], "phone_text": "07700 900333"})
    page = reporter.get("/en/replies/delete")
    assert reporter.post("/en/replies/delete", data={"csrf_token": csrf_from(page)}).status_code == 200
    with dbs(app) as s:
        (row,) = s.scalars(select(ContactProfile))
    assert row.reporter_sealed is None and row.sealed  # the team's copy stays in the case record


def test_a_change_with_a_half_given_number_is_refused_with_everything_kept(app):
    reporter, _reference, _receipt = reporter_with_receipt(app)
    response = change(reporter, {"contact_methods": ["call"], "safe_times_note": "Only when the van is gone"})
    html = html_of(response)
    assert response.status_code == 400 and "Enter a phone number we can call safely" in html
    assert "Only when the van is gone" in html
    with dbs(app) as s:
        assert list(s.scalars(select(ContactProfile))) == []
