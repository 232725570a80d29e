"""The MARAC pages (issue 17): refer with the criteria the record shows, consent and the reason without it; the
case and its printed summary show each referral; the repeat warning; the meeting and outcome; the referral pack,
built from the case, edited, saved and exported as a printable page and an ODT file, never holding the code word,
check question or cover name. Tampered posts get a 400 or the form again, never a record. English and Welsh."""
from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import date, datetime, timedelta, timezone
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal.intake.reports import current_sealer
from portal.store.risk_models import INCIDENT_PURPOSE, Incident, MaracReferral
from tests.staff_helpers import (
    audit_events,
    csrf_from,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    set_report,
    signed_in,
)

CODE_WORD, COVER, STAFF_CODE = "Blue heron", "Aunty Bea", "Red kite"
ANSWERS = {"your_name": "Siân Ŵyn", "address": "Tŷ Ŷd, 3 Heol y Bryn, CF10 1AA", "contact_methods": ["call", "text"],
           "phone_call": "07700 900982", "voicemail": "no", "say_who": "no", "cover_name": COVER,
           "check_question": CODE_WORD, "safe_days": ["mon"], "safe_times": ["afternoon"], "children": "live",
           "abuser_tenant": "yes", "interpreter": "Polish", "story": "He took my phone.",
           "trusted_person": "My sister Nia, 07700 900111"}
REASON = "High risk of serious harm: threats to kill on Sunday."


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def case(app):  # type: ignore[no-untyped-def]
    return send_report(new_client(app), ANSWERS)


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer", name="Olwen Officer")


def today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def referrals(app, reference: str) -> list[MaracReferral]:  # type: ignore[no-untyped-def]
    with dbs(app) as s:
        return list(s.scalars(select(MaracReferral).where(MaracReferral.report_id == report_row(app, reference).id)))


def refer(client, reference: str, **data):  # type: ignore[no-untyped-def]
    values = {"criteria": ["judgement"], "judgement_reason": "Her fear is rising.", "consent": "refused",
              "override_reason": REASON, "aware": "no", "sent_on": today().isoformat()} | data
    return post_form(client, f"/staff/cases/{reference}/marac", values)


def add_incident(app, reference: str, staff_id: int, on: date) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), dbs(app) as s:
        row_id = str(uuid.uuid4())
        sealer = current_sealer()
        s.add(Incident(id=row_id, report_id=report_row(app, reference).id, at=datetime.now(timezone.utc),
                       staff_id=staff_id, occurred_on=on, police=True, key_id=sealer.key_id,
                       sealed=sealer.seal_json({"number": "1"}, INCIDENT_PURPOSE, row_id)))
        s.commit()


def test_refer_with_consent_refused_and_a_reason_shows_on_the_case_and_on_paper(app, case, officer):
    client, account = officer
    page = html_of(client.get(f"/staff/cases/{case}/marac"))
    assert "What the record shows" in page and "No completed risk assessment on the case." in page
    response = refer(client, case)
    assert response.status_code == 303 and response.headers["Location"] == f"/staff/cases/{case}"
    (row,) = referrals(app, case)
    assert (row.judgement, row.consent, row.person_aware, row.sent_on) == (True, "refused", "no", today())
    assert audit_events(app, "marac.referred")[-1].detail == "criteria:judgement consent:refused override aware:no"
    html = unescape(html_of(client.get(f"/staff/cases/{case}")))
    section = html[html.index('id="marac-title"'):]
    for shown in ("Professional judgement", "They did not agree to the referral", REASON, "No, they do not know",
                  "Her fear is rising.", "Record the meeting and outcome"):
        assert shown in section, shown
    printed = unescape(html_of(client.get(f"/staff/cases/{case}/print")))
    assert REASON in printed and "They did not agree to the referral" in printed
    assert "Record the meeting and outcome" not in printed  # no links on paper


def test_the_refer_page_is_in_welsh_for_a_welsh_speaking_officer(app, case):
    client, _ = signed_in(app, "officer", language="cy")
    page = unescape(html_of(client.get(f"/staff/cases/{case}/marac")))
    assert '<html lang="cy"' in page
    for welsh in ("Atgyfeirio i MARAC", "Yr hyn y mae'r cofnod yn ei ddangos", "Risg uchel amlwg",
                  "Pam atgyfeirio heb eu caniatâd?"):
        assert welsh in page, welsh
    response = refer(client, case, consent="not_sought", override_reason="")
    assert response.status_code == 400
    assert "Nodwch pam rydych chi'n atgyfeirio heb eu caniatâd" in unescape(html_of(response))
    assert refer(client, case, consent="not_sought").status_code == 303
    html = unescape(html_of(client.get(f"/staff/cases/{case}")))
    assert "Atgyfeiriadau MARAC" in html and "Heb ofyn: nid oedd yn ddiogel gofyn iddyn nhw" in html


@pytest.mark.parametrize("tampered", [{"consent": "maybe"}, {"criteria": ["judgement", "bogus"]},
                                      {"aware": "perhaps"}, {"consent": "refused", "override_reason": ""},
                                      {"criteria": ["judgement"], "judgement_reason": ""}, {"criteria": []},
                                      {"criteria": ["escalation"]}, {"sent_on": "2026-13-45"},
                                      {"sent_on": (date.today() + timedelta(days=2)).isoformat()}])
def test_tampered_or_incomplete_referrals_are_refused_and_nothing_is_stored(app, case, officer, tampered):
    client, _ = officer
    response = refer(client, case, **tampered)
    assert response.status_code == 400
    assert referrals(app, case) == [] and not audit_events(app, "marac.referred")


def test_without_a_token_nothing_is_stored(app, case, officer):
    client, _ = officer
    response = client.post(f"/staff/cases/{case}/marac", data={"criteria": "judgement", "consent": "given",
                                                               "aware": "yes", "judgement_reason": "x"})
    assert response.status_code == 400 and referrals(app, case) == []


def test_messages_say_what_to_put_right(app, case, officer):
    client, _ = officer
    future = refer(client, case, sent_on=(today() + timedelta(days=1)).isoformat())
    assert "The date the referral was sent must be today or in the past" in unescape(html_of(future))
    evidence = refer(client, case, criteria=["escalation"])
    assert "Say what shows the criterion you selected: the record does not show it" in unescape(html_of(evidence))
    assert refer(client, case, criteria=["escalation"], evidence="The police told us of 4 call-outs.",
                 consent="given", override_reason="").status_code == 303


def test_the_repeat_warning_is_on_the_case_and_the_referral_form(app, case, officer):
    client, account = officer
    set_report(app, case, received_at=datetime.now(timezone.utc) - timedelta(days=300))
    assert refer(client, case, sent_on=(today() - timedelta(days=100)).isoformat()).status_code == 303
    warning = "A new incident within 12 months of the last MARAC referral: this is a repeat referral."
    assert warning not in unescape(html_of(client.get(f"/staff/cases/{case}")))
    add_incident(app, case, account.id, today() - timedelta(days=3))
    html = unescape(html_of(client.get(f"/staff/cases/{case}")))
    assert warning in html and html.index(warning) < html.index('id="profile-title"')  # near the top
    form = unescape(html_of(client.get(f"/staff/cases/{case}/marac")))
    assert warning in form and re.search(r'value="repeat" checked', form)  # shown by the record: ticked


def test_the_meeting_and_outcome(app, case, officer):
    client, _ = officer
    refer(client, case, sent_on=(today() - timedelta(days=2)).isoformat())
    (row,) = referrals(app, case)
    url = f"/staff/cases/{case}/marac/outcome?referral={row.id}"
    later = post_form(client, url, {"referral": row.id, "outcome": "IDVA weekly.",
                                    "outcome_on": (today() + timedelta(days=1)).isoformat()})
    assert later.status_code == 400 and "The date of the outcome must be today or in the past" in html_of(later)
    no_date = post_form(client, url, {"referral": row.id, "housing_actions": "Locks."})
    assert no_date.status_code == 400 and "Enter the date of the outcome" in html_of(no_date)
    ahead = (today() + timedelta(days=7)).isoformat()
    assert post_form(client, url, {"referral": row.id, "meeting_on": ahead}).status_code == 303
    assert post_form(client, url, {"referral": row.id, "meeting_on": today().isoformat(),
                                   "outcome": "The IDVA will visit weekly.", "housing_actions": "A sanctuary room.",
                                   "outcome_on": today().isoformat()}).status_code == 303
    html = unescape(html_of(client.get(f"/staff/cases/{case}")))
    assert "The IDVA will visit weekly." in html and "A sanctuary room." in html
    again = unescape(html_of(client.get(url)))  # the form holds what was saved
    assert "The IDVA will visit weekly." in again
    for tampered in ("not-an-id", "\x00", str(uuid.uuid4())):
        assert post_form(client, f"/staff/cases/{case}/marac/outcome", {"referral": tampered},
                         token_from=url).status_code == 400
    assert client.get(f"/staff/cases/{case}/marac/pack?referral=%00").status_code == 404
    other = send_report(new_client(app))  # another case's referral, through this case's pages: not found
    refer(client, other)
    (theirs,) = referrals(app, other)
    assert client.get(f"/staff/cases/{case}/marac/pack?referral={theirs.id}").status_code == 404
    assert post_form(client, f"/staff/cases/{case}/marac/outcome", {"referral": theirs.id, "outcome": "x",
                                                                    "outcome_on": today().isoformat()},
                     token_from=url).status_code == 400
    assert referrals(app, other)[0].outcome_on is None


def test_pages_about_a_referral_on_a_case_with_none(app, case, officer):
    client, _ = officer
    page = client.get(f"/staff/cases/{case}/marac/pack")
    assert page.status_code == 200 and "No MARAC referral yet" in html_of(page)
    assert client.get(f"/staff/cases/{case}/marac/outcome").status_code == 200
    assert post_form(client, f"/staff/cases/{case}/marac/pack", {"person_name": "x"},
                     token_from=f"/staff/cases/{case}/marac").status_code == 400
    assert post_form(client, f"/staff/cases/{case}/marac/pack/export", {"format": "odt"},
                     token_from=f"/staff/cases/{case}/marac").status_code == 400


def odt_text(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as odt:
        assert odt.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        return odt.read("content.xml").decode("utf-8") + odt.read("meta.xml").decode("utf-8")


def _pack_fields(html: str) -> dict[str, str]:
    return {name: unescape(value).lstrip("\n") for name, value in
            re.findall(r'<textarea class="textarea" id="([a-z_]+)" name="[a-z_]+" rows="[0-9]+"[^>]*>(.*?)</textarea>',
                       html, re.S)}


def test_the_pack_is_built_edited_saved_and_exported_without_any_code_word(app, case, officer):
    client, account = officer
    # The person later gave staff a new code word: that is never on the pack either.
    profile = f"/staff/cases/{case}/profile/person"
    assert post_form(client, profile, {"contact_methods": ["call"], "phone_call": "07700 900982",
                                       "check_question": STAFF_CODE, "say_who": "no", "voicemail": "no",
                                       "cover_name": COVER}).status_code == 303
    refer(client, case)
    (row,) = referrals(app, case)
    url = f"/staff/cases/{case}/marac/pack?referral={row.id}"
    page = client.get(url)
    html = unescape(html_of(page))
    assert page.status_code == 200 and audit_events(app, "marac.pack_built")
    fields = _pack_fields(html_of(page))
    assert fields["person_name"] == "Siân Ŵyn" and fields["person_address"].startswith("Tŷ Ŷd")
    assert "07700 900982" in fields["person_phone"] and "Safe to call: yes" in fields["person_phone"]
    assert "Olwen Officer" in fields["referrer"] and "Example Housing" in fields["referrer"]
    assert "Children live in the home" in fields["children"] and "Polish" in fields["language_needs"]
    assert REASON in fields["consent"] and "Met: Professional judgement" in fields["criteria"]
    assert "No earlier MARAC referral on this case or linked cases." in fields["criteria"]  # as when referred
    assert fields["previous_maracs"] == "None on our records."
    assert "No. Do not leave a voicemail" in fields["leave_message"]
    for secret in (CODE_WORD, COVER, STAFF_CODE):
        assert secret not in html, secret
    # The officer edits; a code word typed in is refused, with the form back as typed.
    fields.update(afraid_of="Her ex-partner, Gareth.", children="Two: aged 4 and 7. Ysgol Gynradd Llŷn.")
    sneaked = post_form(client, url, {**fields, "referral": row.id, "safe_to_talk": "Ask for aunty bea"})
    assert sneaked.status_code == 400 and "Take out the code word" in html_of(sneaked)
    assert "Ask for aunty bea" in unescape(html_of(sneaked)) and referrals(app, case)[0].pack_sealed is None
    saved = post_form(client, url, {**fields, "referral": row.id})
    assert saved.status_code == 303
    shown = unescape(html_of(client.get(saved.headers["Location"])))
    assert "Referral pack saved" in shown and "Her ex-partner, Gareth." in shown
    exports = {}
    for fmt in ("html", "odt"):
        response = post_form(client, f"/staff/cases/{case}/marac/pack/export", {"referral": row.id, "format": fmt},
                             token_from=url)
        assert response.status_code == 200, fmt
        exports[fmt] = response
    printed = unescape(html_of(exports["html"]))
    assert "Her ex-partner, Gareth." in printed and "OFFICIAL-SENSITIVE" in printed and "Siân Ŵyn" in printed
    odt = exports["odt"]
    assert odt.mimetype == "application/vnd.oasis.opendocument.text"
    assert f'filename="marac-referral-{case}.odt"' in odt.headers["Content-Disposition"]
    text = unescape(odt_text(odt.get_data()))
    assert "Siân Ŵyn" in text and "Tŷ Ŷd" in text and "Ysgol Gynradd Llŷn." in text and "Gareth" in text
    for secret in (CODE_WORD, COVER, STAFF_CODE):
        assert secret.lower() not in printed.lower() and secret.lower() not in text.lower(), secret
    assert [e.detail for e in audit_events(app, "marac.pack_exported")] == [
        f"referral:{row.id} format:html", f"referral:{row.id} format:odt"]
    opened = [e.detail for e in audit_events(app, "case.opened")]
    assert "marac-pack" in opened and "marac-export odt" in opened
    bad = post_form(client, f"/staff/cases/{case}/marac/pack/export", {"referral": row.id, "format": "docx"},
                    token_from=url)
    assert bad.status_code == 400


def test_an_export_is_refused_once_the_saved_pack_holds_a_new_code_word(app, case, officer):
    client, _ = officer
    refer(client, case)
    (row,) = referrals(app, case)
    url = f"/staff/cases/{case}/marac/pack?referral={row.id}"
    fields = _pack_fields(html_of(client.get(url)))
    assert post_form(client, url, {**fields, "referral": row.id, "afraid_of": "Her brother Huw."}).status_code == 303
    profile = f"/staff/cases/{case}/profile/person"
    post_form(client, profile, {"contact_methods": ["call"], "phone_call": "07700 900982", "check_question": "Huw"})
    refused = post_form(client, f"/staff/cases/{case}/marac/pack/export", {"referral": row.id, "format": "odt"},
                        token_from=url)
    assert refused.status_code == 400 and "Take out the code word" in html_of(refused)
    assert not audit_events(app, "marac.pack_exported")


def test_the_pack_page_in_welsh(app, case):
    client, _ = signed_in(app, "officer", language="cy")
    refer(client, case)
    (row,) = referrals(app, case)
    page = unescape(html_of(client.get(f"/staff/cases/{case}/marac/pack?referral={row.id}")))
    assert "Pecyn atgyfeirio MARAC" in page and "Yn ddiogel i ffonio: ydy" in page
    assert csrf_from(page)


def test_who_must_not_see_the_report_is_never_on_the_pack(app):
    reference = send_report(new_client(app), {**ANSWERS, "must_not_see": "Gareth from the repairs team"})
    client, _ = signed_in(app, "lead")
    refer(client, reference)
    (row,) = referrals(app, reference)
    page = unescape(html_of(client.get(f"/staff/cases/{reference}/marac/pack?referral={row.id}")))
    assert "Siân Ŵyn" in page and "Gareth" not in page
