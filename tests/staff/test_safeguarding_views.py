"""Safeguarding on the case pages (issue 17): the prompt at the top of a case with someone under 16 at risk (child
safeguarding), an adult at risk, or signs of exploitation, until a referral is recorded; the flags set and cleared;
the tags on the queue; referrals and outcomes recorded, on the case and on paper; tampered posts and future dates
refused with nothing stored; in English and in Welsh."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.store.risk_models import SafeguardingReferral
from tests.staff_helpers import (
    SAFE_TEXT,
    audit_events,
    csrf_from,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    signed_in,
)

WHAT = "Rang the children's services front door; they took it as a child protection referral, ref CP-7781."
CHILD_PROMPT = ("Someone at risk is under 16: this is child safeguarding. Refer to children's services under the "
                "safeguarding policy today.")


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def under_16_case(app, lang: str = "en") -> str:  # type: ignore[no-untyped-def]
    return send_report(new_client(app), {**SAFE_TEXT, "story": "He hits my son.", "age_at_risk": "under_16"},
                       lang=lang)


def stored(app) -> list[SafeguardingReferral]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(SafeguardingReferral)))


def refer(client, reference: str, **data: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/safeguarding/referral", data)


def errors_on(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", e).replace("Error:", "").replace("Gwall:", "").strip()
            for e in re.findall(r'class="error-message">(.*?)</p>', html, re.S)]


def test_an_under_16_case_shows_the_prompt_until_a_referral_is_recorded(app, officer):
    client, account = officer
    reference = under_16_case(app)
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert CHILD_PROMPT in case
    assert case.index(CHILD_PROMPT) < case.index("<h2>The report</h2>")  # at the top
    link = f'/staff/cases/{reference}/safeguarding/referral?concern=child'
    assert f'href="{link}"' in case and "Child safeguarding</li>" in case  # the tag, in the header
    queue = html_of(client.get("/staff/"))
    row = queue[queue.index(reference):]
    assert "Child safeguarding</li>" in row[:row.index("</tr>")]
    form = html_of(client.get(link))
    assert re.search(r'value="child" checked', form)  # the prompt's concern, chosen already

    response = refer(client, reference, concern="child", referred_to="childrens_services",
                     referred_on=today().isoformat(), what=WHAT)
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/cases/{reference}"
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert CHILD_PROMPT not in case and "Safeguarding referral recorded." in case
    record = case[case.index("<h2>Safeguarding referrals</h2>"):]
    for shown in ("A child", "Children's services", "CP-7781", account.name, "Outcome awaited."):
        assert shown in record, shown
    printed = html_of(client.get(f"/staff/cases/{reference}/print"))
    assert "Safeguarding referrals" in printed and "CP-7781" in printed and "Record the outcome" not in printed
    (event,) = audit_events(app, "case.safeguarding_referral")
    assert event.detail == "child:childrens_services" and "CP-7781" not in (event.detail or "")


def test_the_flags_are_set_and_cleared_and_each_prompts(app, officer):
    client, account = officer
    reference = send_report(new_client(app))
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert 'class="notice notice-warning safeguarding-prompt"' not in case
    assert f'href="/staff/cases/{reference}/safeguarding"' in case
    response = post_form(client, f"/staff/cases/{reference}/safeguarding", {"adult_at_risk": "y", "exploitation": "y"})
    assert response.status_code == 303
    report = report_row(app, reference)
    assert (report.under_16, report.adult_at_risk, report.exploitation) == (False, True, True)
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Refer to adult social care under the safeguarding policy today." in case
    assert "someone else controls their money, bank cards or documents" in case
    assert "For an adult, the NRM needs their consent" in case
    assert "Adult at risk</li>" in case and "Exploitation</li>" in case
    page = html_of(client.get(f"/staff/cases/{reference}/safeguarding"))
    assert re.search(r'id="adult_at_risk" name="adult_at_risk" type="checkbox" value="y" checked', page)
    post_form(client, f"/staff/cases/{reference}/safeguarding", {"under_16": "y", "adult_at_risk": "y"})
    report = report_row(app, reference)
    assert (report.under_16, report.children, report.band, report.exploitation) == (True, True, 1, False)
    assert [e.detail for e in audit_events(app, "case.safeguarding_flag")] == [
        "adult_at_risk:on", "exploitation:on", "under_16:on", "exploitation:off"]


@pytest.mark.parametrize("tampered", [{"concern": "pet"}, {"referred_to": "newspaper"}, {"concern": ""},
                                      {"referred_on": ""}, {"referred_to": "other"}])
def test_a_tampered_referral_is_refused_and_nothing_is_stored(app, officer, tampered):
    client, _ = officer
    reference = under_16_case(app)
    data = {"concern": "child", "referred_to": "police", "referred_on": today().isoformat(), "what": WHAT, **tampered}
    response = refer(client, reference, **data)
    assert response.status_code == 400
    assert stored(app) == [] and not audit_events(app, "case.safeguarding_referral")


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "The date it was referred must be today or in the past"),
    ("cy", "Rhaid i ddyddiad yr atgyfeirio fod heddiw neu yn y gorffennol")])
def test_a_referral_dated_tomorrow_is_refused_and_kept(app, lang, message):
    client, _ = signed_in(app, "officer", language=lang)
    reference = under_16_case(app, lang)
    response = refer(client, reference, concern="child", referred_to="childrens_services",
                     referred_on=(today() + timedelta(days=1)).isoformat(), what=WHAT)
    assert response.status_code == 400 and errors_on(html_of(response)) == [message]
    assert "CP-7781" in html_of(response) and stored(app) == []


def test_an_outcome_is_recorded_refusing_tampering_the_future_and_before_the_referral(app, officer):
    client, _ = officer
    reference = under_16_case(app)
    referred = today() - timedelta(days=2)
    refer(client, reference, concern="child", referred_to="police", referred_on=referred.isoformat(), what=WHAT)
    (referral,) = stored(app)
    url = f"/staff/cases/{reference}/safeguarding/{referral.id}/outcome"
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert f'href="{url}"' in case
    for data, status in (({"outcome": "won", "outcome_on": today().isoformat()}, 400),
                         ({"outcome": "accepted", "outcome_on": ""}, 400),
                         ({"outcome": "accepted", "outcome_on": (today() + timedelta(days=1)).isoformat()}, 400),
                         ({"outcome": "accepted", "outcome_on": (referred - timedelta(days=1)).isoformat()}, 400)):
        assert post_form(client, url, data).status_code == status, data
    assert stored(app)[0].outcome == ""
    other = send_report(new_client(app))
    assert client.get(f"/staff/cases/{other}/safeguarding/{referral.id}/outcome").status_code == 404
    response = post_form(client, url, {"outcome": "nfa", "outcome_on": today().isoformat(),
                                       "note": "Police: no further action, advice given."})
    assert response.status_code == 303
    (referral,) = stored(app)
    assert (referral.outcome, referral.outcome_on) == ("nfa", today())
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "No further action" in case and "advice given" in case and f'href="{url}"' not in case
    again = client.get(url)  # already recorded: back to the case
    assert again.status_code == 303


def test_the_case_page_in_welsh(app):
    client, _ = signed_in(app, "officer", language="cy")
    reference = under_16_case(app, "cy")
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Mae rhywun sydd mewn perygl o dan 16 oed" in case and "Diogelu plant</li>" in case
    page = client.get(f"/staff/cases/{reference}/safeguarding/referral")
    assert "<h1>Cofnodi atgyfeiriad diogelu</h1>" in html_of(page)
    response = client.post(f"/staff/cases/{reference}/safeguarding/referral", data={
        "csrf_token": csrf_from(page), "concern": "child", "referred_to": "childrens_services",
        "referred_on": today().isoformat(), "what": WHAT})
    assert response.status_code == 303
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Mae rhywun sydd mewn perygl o dan 16 oed" not in case and "Gwasanaethau plant" in case


@pytest.mark.parametrize("kind", ["self", "concerned", "agency"])
def test_the_new_case_form_asks_the_same_questions_and_raises_the_same_flags(app, officer, kind):
    from tests.staff.test_intake import enter, minimal, reference_from

    client, _ = officer
    page = html_of(client.get(f"/staff/new-case/phone/{kind}"))
    for question in ("How old are the children? (optional)", "Is anyone at risk under 18?",
                     "Does the person at risk have care and support needs that make it hard to protect themselves"):
        assert question in page, question
    reference = reference_from(enter(client, "phone", kind, {**minimal(kind), "children": "no",
                                                            "age_at_risk": "under_16", "care_needs": "yes"}))
    report = report_row(app, reference)
    assert (report.under_16, report.adult_at_risk, report.children, report.band) == (True, True, True, 1)
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert CHILD_PROMPT in case and "Refer to adult social care under the safeguarding policy today." in case


def test_someone_aged_16_or_17_is_a_gentler_prompt_until_a_child_referral(app, officer):
    client, _ = officer
    reference = send_report(new_client(app), {**SAFE_TEXT, "age_at_risk": "aged_16_17"})
    assert report_row(app, reference).under_16 is False
    case = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Someone at risk is 16 or 17" in case and CHILD_PROMPT not in case
    refer(client, reference, concern="child", referred_to="childrens_services", referred_on=today().isoformat(),
          what=WHAT)
    assert "Someone at risk is 16 or 17" not in html_of(client.get(f"/staff/cases/{reference}"))


def test_an_outcome_dated_before_its_referral_is_refused_in_welsh(app):
    client, _ = signed_in(app, "officer", language="cy")
    reference = under_16_case(app, "cy")
    refer(client, reference, concern="child", referred_to="childrens_services", referred_on=today().isoformat(),
          what=WHAT)
    (referral,) = stored(app)
    url = f"/staff/cases/{reference}/safeguarding/{referral.id}/outcome"
    page = html_of(client.get(url))
    assert "<h1>Cofnodi canlyniad atgyfeiriad diogelu</h1>" in page and "Gwasanaethau plant" in page
    for day, message in ((today() - timedelta(days=1), "Rhaid i ddyddiad y canlyniad fod ar ddyddiad yr atgyfeirio "
                                                        "neu ar ei ôl"),
                         (today() + timedelta(days=1), "Rhaid i ddyddiad y canlyniad fod heddiw neu yn y gorffennol")):
        response = post_form(client, url, {"outcome": "accepted", "outcome_on": day.isoformat(), "note": "Nodyn."})
        assert response.status_code == 400 and errors_on(html_of(response)) == [message]
        assert "Nodyn." in html_of(response)
    assert stored(app)[0].outcome == ""
