"""Information sharing on the staff side (issue 17): the share form shows what the person agreed and refuses a
share "with consent" outside it, offering the other lawful bases; raw posts with codes the page does not offer,
a missing reason, a future date or an agreement we do not have store nothing; a lead countersigns from the case,
never their own share; the leads' list; the reporter's page says which kinds of agency were told only when ticked.
English and Welsh."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.store.risk_models import ConsentRecord, InfoShare
from tests.staff_helpers import (
    STORY,
    audit_events,
    csrf_from,
    dbs,
    html_of,
    messages_page,
    new_client,
    post_form,
    report_row,
    reporter_with_receipt,
    send_report,
    signed_in,
)

CONSENTED = {"story": STORY, "contact_methods": ["none"], "consent_share": "yes", "share_with": ["police", "support"]}
WHAT = "Her safe address and the DASH summary."
REASON = "Two children in the home; he said he would take them."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def case(app):  # type: ignore[no-untyped-def]
    return send_report(new_client(app), CONSENTED)


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def shares(app, reference: str) -> list[InfoShare]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(InfoShare).where(InfoShare.report_id == report_row(app, reference).id)))


def post_share(client, reference: str, **data):  # type: ignore[no-untyped-def]
    fields = {"agency": "police", "shared_on": today().isoformat(), "basis": "consent", "what": WHAT}
    return post_form(client, f"/staff/cases/{reference}/share", {**fields, **data})


def test_the_form_shows_what_they_agreed_and_a_share_within_it_is_recorded(app, case, officer):
    client, account = officer
    page = html_of(client.get(f"/staff/cases/{case}/share"))
    assert "What they agreed to share" in page and "Their answer on the report" in page
    assert "The police" in page and "A domestic abuse support service or an IDVA" in page
    assert "Social services" not in page.split("What they agreed to share")[1].split("</dl>")[0]
    assert 'name="tell_reporter"' not in page  # no receipt conversation: nothing to tell them in
    response = post_share(client, case, agency="idva")
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/cases/{case}"
    (share,) = shares(app, case)
    assert (share.recipient, share.basis, share.staff_id) == ("idva", "consent", account.id)
    assert share.countersign_due is None
    assert audit_events(app, "case.share_added")[0].detail == "idva basis:consent"
    html = html_of(client.get(f"/staff/cases/{case}"))
    section = html.split("<h2>Information shared</h2>")[1].split("<h2>")[0]
    assert "IDVA service" in section and "With their consent" in section and WHAT in section


def test_with_consent_outside_it_is_refused_and_the_other_bases_are_offered(app, case, officer):
    client, _ = officer
    refused = post_share(client, case, agency="social_services")
    assert refused.status_code == 400
    html = html_of(refused)
    assert "This is not within what they agreed to" in html
    assert "They have not agreed to share with this kind of agency" in html
    assert "Section 115 of the Crime and Disorder Act 1998" in html and WHAT in html  # what was typed is kept
    assert shares(app, case) == []
    recorded = post_share(client, case, agency="social_services", basis="safeguarding", reason=REASON)
    assert recorded.status_code == 303
    (share,) = shares(app, case)
    assert share.basis == "safeguarding" and share.countersign_due is not None
    html = html_of(client.get(f"/staff/cases/{case}"))
    assert REASON in html and "Awaiting a team lead's countersignature, due by" in html


@pytest.mark.parametrize("tampered", [
    {"agency": "neighbour"}, {"agency": ""}, {"basis": "because"}, {"basis": "safeguarding"},
    {"basis": "safeguarding", "reason": "   "}, {"basis": "agreement", "agreement": "Our own protocol", "reason": "x"},
    {"basis": "agreement", "reason": "x"}, {"what": ""}, {"shared_on": (date.today() + timedelta(days=2)).isoformat()},
    {"tell_reporter": "y"}, {"shared_on": "2026-02-30"}, {"shared_on": ""}, {"basis": ""},
])
def test_tampered_or_incomplete_posts_store_nothing(app, case, officer, tampered):
    client, _ = officer
    response = post_share(client, case, **tampered)
    assert response.status_code == 400
    assert shares(app, case) == [] and audit_events(app, "case.share_added") == []


def test_a_future_date_is_refused_by_the_service_and_said_so(app, case, officer):
    client, _ = officer
    response = post_share(client, case, shared_on=(today() + timedelta(days=1)).isoformat())
    assert response.status_code == 400 and "The date shared must be today or in the past" in html_of(response)


def test_an_agreement_we_have_is_recorded_by_name(app, case, officer):
    client, _ = officer
    page = html_of(client.get(f"/staff/cases/{case}/share"))
    assert 'value="WASPI"' in page
    assert post_share(client, case, agency="health", basis="agreement", agreement="WASPI",
                      reason="The health board's WASPI protocol").status_code == 303
    assert "An information-sharing agreement (WASPI)" in html_of(client.get(f"/staff/cases/{case}"))


def test_consent_recorded_by_staff_stands_over_the_report(app, case, officer):
    client, _ = officer
    url = f"/staff/cases/{case}/consent"
    assert post_form(client, url, {"share": "yes", "marac": "yes"}).status_code == 400  # yes, but with whom?
    assert post_form(client, url, {"share": "yes", "kinds": ["aliens"], "marac": "yes"}).status_code == 400
    assert post_form(client, url, {"share": "perhaps", "marac": "yes"}).status_code == 400
    assert post_form(client, url, {"share": "no", "marac": "maybe"}).status_code == 400
    with dbs(app) as s:
        assert s.scalars(select(ConsentRecord)).all() == []
    prefilled = html_of(client.get(url))
    assert 'value="police" checked' in prefilled and 'value="health" checked' not in prefilled
    saved = post_form(client, url, {"share": "yes", "kinds": ["health"], "marac": "yes",
                                    "note": "Told me on the phone, alone."})
    assert saved.status_code == 303
    html = html_of(client.get(f"/staff/cases/{case}"))
    assert "from what they told us" in html and "Told me on the phone, alone." in html
    assert "They agreed to a MARAC referral" in html
    assert post_share(client, case, agency="police").status_code == 400  # no longer agreed
    assert post_share(client, case, agency="marac").status_code == 303
    assert post_share(client, case, agency="health").status_code == 303


def test_a_lead_countersigns_from_the_case_but_never_their_own_share(app, case):
    lead, lead_account = signed_in(app, "lead")
    other, other_account = signed_in(app, "lead")
    officer, _ = signed_in(app, "officer")
    assert post_share(lead, case, agency="council", basis="s115", reason=REASON).status_code == 303
    (share,) = shares(app, case)
    url = f"/staff/cases/{case}/countersign"
    assert officer.get(url).status_code == 403 and officer.get("/staff/shares/countersign").status_code == 403
    own = html_of(lead.get(url))
    assert "You shared this: another team lead must countersign it." in own and f'value="{share.id}"' not in own
    refused = lead.post(url, data={"csrf_token": csrf_from(own), "share": share.id})  # a raw post all the same
    assert refused.status_code == 400 and "You shared this yourself" in html_of(refused)
    assert shares(app, case)[0].countersigned_at is None
    page = other.get(url)
    assert other.post(url, data={"csrf_token": csrf_from(page), "share": "not-a-share"}).status_code == 400
    assert other.post(url, data={"csrf_token": csrf_from(page)}).status_code == 400
    done = other.post(url, data={"csrf_token": csrf_from(page), "share": share.id})
    assert done.status_code == 303
    signed = shares(app, case)[0]
    assert signed.countersigned_by == other_account.id and signed.countersigned_at is not None
    assert [e.actor for e in audit_events(app, "share.countersigned")] == [other_account.actor]
    html = html_of(other.get(f"/staff/cases/{case}"))
    assert f"Countersigned by {other_account.name}" in html
    assert lead_account.id != other_account.id


def test_the_leads_list_and_the_queue_link(app, case):
    lead, _ = signed_in(app, "lead")
    officer, officer_account = signed_in(app, "officer")
    assert "Shares to countersign" not in html_of(officer.get("/staff/"))
    assert "No shares are waiting for a countersignature." in html_of(lead.get("/staff/"))
    long_ago = (today() - timedelta(days=21)).isoformat()
    assert post_share(officer, case, agency="health", basis="court", reason=REASON, shared_on=long_ago,
                      what=WHAT).status_code == 303
    assert post_share(officer, case, agency="council", basis="safeguarding", reason=REASON).status_code == 303
    queue = html_of(lead.get("/staff/"))
    assert "2 shares made without consent await a countersignature." in queue
    assert 'href="/staff/shares/countersign"' in queue
    listed = html_of(lead.get("/staff/shares/countersign"))
    rows = listed.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert "Health services" in rows[0] and "Overdue:" in rows[0]  # overdue first
    assert "Council housing team" in rows[1] and "Overdue:" not in rows[1]
    assert case in rows[0] and officer_account.name in rows[0]
    assert WHAT not in listed and REASON not in listed  # no content in the list


def test_the_printed_summary_carries_the_shares_part(app, case, officer):
    client, _ = officer
    assert post_share(client, case, agency="social_services", basis="safeguarding", reason=REASON).status_code == 303
    printed = html_of(client.get(f"/staff/cases/{case}/print"))
    assert REASON in printed and "What they agreed to share" in printed
    without = html_of(client.get(f"/staff/cases/{case}/print?chosen=1&part=report"))
    assert REASON not in without and "What they agreed to share" not in without


@pytest.mark.parametrize("lang, told, police, neither", [
    ("en", "We have shared information with: a support service; the council's housing team.", "the police",
     "We have shared information with"),
    ("cy", "Rydym wedi rhannu gwybodaeth gyda'r canlynol: gwasanaeth cymorth; tîm tai'r cyngor.", "yr heddlu",
     "Rydym wedi rhannu gwybodaeth"),
])
def test_the_reporters_page_names_the_kinds_told_only_when_ticked(app, lang, told, police, neither):
    reporter, reference, _receipt = reporter_with_receipt(app, CONSENTED, lang=lang)
    client, _ = signed_in(app, "officer")
    assert neither not in messages_page(reporter, lang)
    page = html_of(client.get(f"/staff/cases/{reference}/share"))
    assert 'name="tell_reporter"' in page and "Tell the reporter which kind of agency was told" in page
    assert post_share(client, reference, agency="police").status_code == 303  # not ticked
    assert neither not in messages_page(reporter, lang)
    assert post_share(client, reference, agency="idva", tell_reporter="y").status_code == 303
    assert post_share(client, reference, agency="council", basis="safeguarding", reason=REASON,
                      tell_reporter="y").status_code == 303
    shown = messages_page(reporter, lang)
    assert told in shown and police not in shown
    assert WHAT not in shown and REASON not in shown


def test_the_pages_in_welsh(app, case):
    client, _ = signed_in(app, "officer", language="cy")
    page = html_of(client.get(f"/staff/cases/{case}/share"))
    assert "Beth y cytunon nhw i'w rannu" in page and "Ar ba sail gyfreithlon?" in page
    refused = post_share(client, case, agency="health")
    assert refused.status_code == 400 and "Nid yw hyn o fewn yr hyn y cytunon nhw iddo" in html_of(refused)
    assert post_share(client, case, agency="health", basis="safeguarding", reason=REASON).status_code == 303
    html = html_of(client.get(f"/staff/cases/{case}"))
    assert "Yn aros am gydlofnod arweinydd tîm, erbyn" in html and "Gwasanaethau iechyd" in html
    consent = html_of(client.get(f"/staff/cases/{case}/consent"))
    assert "Ydyn nhw'n cytuno i ni rannu gwybodaeth ag asiantaethau eraill?" in consent
    lead, _ = signed_in(app, "lead", language="cy")
    assert "Mae 1 achos o rannu heb ganiatâd yn aros am gydlofnod." in html_of(lead.get("/staff/"))
    assert "Achosion o rannu i'w cydlofnodi" in html_of(lead.get("/staff/shares/countersign"))


def test_a_record_of_sharing_moved_from_the_old_case_entries_still_shows(app, case, officer):
    """Migration 0008 moved old records across unopened: basis safeguarding or consent, no countersignature asked,
    the seal holding only {"what"}."""
    import uuid

    from portal.intake.reports import current_sealer

    client, account = officer
    share_id = str(uuid.uuid4())
    with app.app_context(), dbs(app) as s:
        sealer = current_sealer()
        s.add(InfoShare(id=share_id, report_id=report_row(app, case).id, at=datetime.now(ZoneInfo("UTC")),
                        staff_id=account.id, recipient="marac", shared_on=date(2026, 3, 2), basis="safeguarding",
                        key_id=sealer.key_id, sealed=sealer.seal_json({"what": "Old: the checklist, for MARAC"},
                                                                       "share", share_id)))
        s.commit()
    html = html_of(client.get(f"/staff/cases/{case}"))
    section = html.split("<h2>Information shared</h2>")[1].split("<h2>")[0]
    assert "Old: the checklist, for MARAC" in section and "2 Mar 2026" in section and "MARAC" in section
    assert "countersign" not in section.lower()
