"""Working a case: opening (audited before decrypting), the safe-contact profile, contact attempts, the status
workflow, DASH, actions, sharing, sealed notes, the ASB prompt, the append-only audit log, Welsh screens.
Contact attempts and safe-contact profiles are tests/casework/test_contact.py."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from portal.crypto.keys import load_private_keys
from portal.crypto.sealing import CannotOpen, Opener
from portal.store.models import AuditEvent, CaseEntry, ContactAttempt
from portal.store.risk_models import RiskAssessment
from tests.staff_helpers import (
    SAFE_TEXT,
    STORY,
    audit_events,
    dbs,
    html_of,
    new_client,
    post_form,
    record_assessment,
    report_row,
    send_report,
    sign_in,
    signed_in,
    staff_row,
)

XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
XSS_ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")
DASH = json.loads((Path(__file__).resolve().parents[2] / "portal" / "data" / "dash.json").read_text("utf-8"))
PLAIN_ITEMS = [q["id"] for q in DASH["questions"] if not q.get("escalation")]
ESCALATION_ITEMS = [q["id"] for q in DASH["questions"] if q.get("escalation")]


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def public(app):  # type: ignore[no-untyped-def]
    return new_client(app)


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


def entries(app, reference: str, kind: str | None = None) -> list[CaseEntry]:  # type: ignore[no-untyped-def]
    report_id = report_row(app, reference).id
    with dbs(app) as s:
        query = select(CaseEntry).where(CaseEntry.report_id == report_id).order_by(CaseEntry.at)
        return list(s.scalars(query.where(CaseEntry.kind == kind) if kind else query))


def assessments(app, reference: str) -> list[RiskAssessment]:  # type: ignore[no-untyped-def]
    report_id = report_row(app, reference).id
    with dbs(app) as s:
        return list(s.scalars(select(RiskAssessment).where(RiskAssessment.report_id == report_id)))


def attempts(app, reference: str) -> list[ContactAttempt]:  # type: ignore[no-untyped-def]
    report_id = report_row(app, reference).id
    with dbs(app) as s:
        return list(s.scalars(select(ContactAttempt).where(ContactAttempt.report_id == report_id)))


def error_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", m) for m in re.findall(r'class="error-message">(.*?)</p>', html, re.S))


# --- opening a case -----------------------------------------------------------------------------------


def test_opening_a_case_is_audited_before_anything_is_decrypted(app, public, officer, monkeypatch):
    client, account = officer
    reference = send_report(public)
    report_id = report_row(app, reference).id
    seen_at_decryption: list[list[str]] = []

    def fail(self, sealed, purpose, record_id):  # type: ignore[no-untyped-def]
        with dbs(app) as s:  # what another connection sees at the moment of decryption: committed rows only
            actions = s.scalars(select(AuditEvent.action).where(AuditEvent.report_id == report_id))
            seen_at_decryption.append(list(actions))
        raise CannotOpen("will not open")

    monkeypatch.setattr(Opener, "open", fail)
    response = client.get(f"/staff/cases/{reference}")
    # The report will not open: the page says so in its place (issue 12), and nothing of it shows.
    assert response.status_code == 200 and "The report cannot be opened." in html_of(response)
    assert STORY not in html_of(response)
    assert seen_at_decryption == [["case.opened"]]
    (event,) = audit_events(app, "case.opened")
    assert (event.actor, event.report_id, event.detail) == (account.actor, report_id, "case")


def test_a_host_without_the_private_key_still_audits_the_attempt(staff_app_factory):
    app = staff_app_factory({"PRIVATE_KEY_DIR": None})
    reference = send_report(new_client(app))
    client, account = signed_in(app, "officer")
    response = client.get(f"/staff/cases/{reference}")
    assert response.status_code == 503
    (event,) = audit_events(app, "case.opened")
    assert event.actor == account.actor and event.report_id == report_row(app, reference).id


def test_each_opening_and_printing_is_audited(app, public, officer):
    client, account = officer
    reference = send_report(public)
    assert client.get(f"/staff/cases/{reference}").status_code == 200
    assert client.get(f"/staff/cases/{reference}/print").status_code == 200
    assert client.get(f"/staff/cases/{reference}").status_code == 200
    assert [(e.actor, e.detail) for e in audit_events(app, "case.opened")] == [
        (account.actor, "case"), (account.actor, "print"), (account.actor, "case")]


def test_an_unknown_reference_is_not_found(app, officer):
    client, _ = officer
    assert client.get("/staff/cases/ABCD-EFGH").status_code == 404
    assert not audit_events(app, "case.opened")


def test_the_safe_contact_profile_comes_before_the_report(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "story": STORY, "safe_days": ["mon"], "say_who": "no",
                                     "cover_name": "Sam from the surgery", "voicemail": "no"})
    html = html_of(client.get(f"/staff/cases/{reference}"))
    profile = html.index("Safe-contact profile")
    for detail in ("07700 900982", "Sam from the surgery", "Monday"):
        assert profile < html.index(detail) < html.index(STORY), detail
    assert html.index("The report") > profile


@pytest.mark.parametrize("page", ["", "/print"])
def test_what_reporters_typed_is_shown_as_text_never_as_markup(app, public, officer, page):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "story": XSS, "say_who": "no", "cover_name": XSS,
                                     "safe_times_note": XSS})
    post_form(client, f"/staff/cases/{reference}/note", {"text": XSS})
    # On paper only if chosen: the profile, with its cover name, is not printed by default.
    everything = "?chosen=1&" + "&".join(f"part={p}" for p in ("report", "notes", "contact", "codeword"))
    html = html_of(client.get(f"/staff/cases/{reference}{page}" + (everything if page else "")))
    for escaped in XSS_ESCAPED:
        assert html.count(escaped) >= 4, escaped  # story, cover name, safe times note, note
    assert "<script>alert" not in html and "<img src=x" not in html


# --- status -------------------------------------------------------------------------------------------


def status(client, reference: str, **data: str):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/status", data)


def test_status_workflow_close_needs_a_reason_and_reopen(app, public, officer):
    client, account = officer
    reference = send_report(public)
    page = html_of(client.get(f"/staff/cases/{reference}/status"))
    offered = re.findall(r'name="status" type="radio" value="([a-z_]+)"', page)
    assert "new" not in offered and {"assessed", "closed"} <= set(offered)

    response = status(client, reference, status="closed")
    assert response.status_code == 400 and "Select why the case is closing" in error_text(html_of(response))
    assert report_row(app, reference).status == "new"
    assert status(client, reference, status="closed", close_reason="bored").status_code == 400
    assert status(client, reference, status="new").status_code == 400  # not a change
    assert status(client, reference, status="sideways").status_code == 400

    assert status(client, reference, status="assessed").status_code == 303
    assert report_row(app, reference).status == "assessed"
    record_assessment(app, reference)
    assert status(client, reference, status="closed", close_reason="support_in_place").status_code == 303
    row = report_row(app, reference)
    assert (row.status, row.is_open, row.close_reason) == ("closed", False, "support_in_place")
    assert row.closed_at is not None
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "Reopen the case" in html and "Support is in place" in html
    assert reference not in html_of(client.get("/staff/"))  # the queue shows open cases
    assert reference in html_of(client.get("/staff/?status=closed"))

    assert status(client, reference, status="case_open").status_code == 303
    row = report_row(app, reference)
    assert (row.status, row.is_open, row.close_reason, row.closed_at) == ("case_open", True, None, None)
    changes = [e.detail for e in audit_events(app, "case.status_changed")]
    assert changes == ["new->assessed", "assessed->closed reason:support_in_place", "closed->case_open"]
    (reopened,) = audit_events(app, "case.reopened")
    assert reopened.actor == account.actor


# --- DASH ---------------------------------------------------------------------------------------------


def dash_answers(yes: list[str], **extra: str) -> dict[str, str]:
    answers = {f"q_{q['id']}": ("yes" if q["id"] in yes else "no") for q in DASH["questions"]}
    return {**answers, **extra}


def risk(client, reference: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/risk", data)


def test_the_checklist_file_has_the_items_these_tests_rely_on():
    assert len(DASH["questions"]) == 24 and len(PLAIN_ITEMS) >= 14
    assert "more_often" in ESCALATION_ITEMS


@pytest.mark.parametrize("yes, extra, level", [
    (PLAIN_ITEMS[:14], {}, "marac"),
    (PLAIN_ITEMS[:13], {}, "standard"),
    (PLAIN_ITEMS[:13], {"judgement_referral": "y", "judgement_reason": "Threats since the checklist"}, "judgement"),
    (PLAIN_ITEMS[:20], {"judgement_referral": "y", "judgement_reason": "Both"}, "marac"),
    ([], {}, "standard"),
])
def test_dash_levels(app, public, officer, yes, extra, level):
    client, _ = officer
    reference = send_report(public)
    response = risk(client, reference, dash_answers(yes, **extra))
    assert response.status_code == 303
    (entry,) = assessments(app, reference)
    assert (entry.level, entry.judgement, entry.score, entry.escalation) == (
        "standard" if level == "standard" else "high", "judgement_referral" in extra, len(yes), False)
    assert report_row(app, reference).status == "assessed"
    assert f"Risk checklist saved: {len(yes)} yes answers." in html_of(client.get(f"/staff/cases/{reference}"))


@pytest.mark.parametrize("item", ESCALATION_ITEMS)
def test_an_escalation_item_answered_yes_flags_escalation(app, public, officer, item):
    client, _ = officer
    reference = send_report(public)
    assert risk(client, reference, dash_answers([item])).status_code == 303
    (entry,) = assessments(app, reference)
    assert (entry.level, entry.score, entry.escalation) == ("standard", 1, True)
    assert "Escalating" in html_of(client.get(f"/staff/cases/{reference}"))


def test_the_workers_judgement_of_escalation_flags_it_too(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    risk(client, reference, dash_answers([], escalation="y"))
    assert assessments(app, reference)[0].escalation is True


def test_a_judgement_referral_needs_a_reason(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    response = risk(client, reference, dash_answers(PLAIN_ITEMS[:13], judgement_referral="y"))
    assert response.status_code == 400 and "Say why you are referring" in error_text(html_of(response))
    assert assessments(app, reference) == []


def test_every_question_must_be_answered(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    answers = dash_answers(PLAIN_ITEMS[:14])
    del answers[f"q_{PLAIN_ITEMS[20]}"]
    response = risk(client, reference, answers)
    number = [q["id"] for q in DASH["questions"]].index(PLAIN_ITEMS[20]) + 1
    assert response.status_code == 400 and error_text(html_of(response)) == (
        f"Error: Answer question {number}: yes, no or not known, or save the checklist to finish later")
    assert risk(client, reference, {**dash_answers([]), f"q_{PLAIN_ITEMS[0]}": "maybe"}).status_code == 400
    assert assessments(app, reference) == [] and report_row(app, reference).status == "new"


def test_repeating_the_checklist_keeps_every_one(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    risk(client, reference, dash_answers(PLAIN_ITEMS[:5]))
    risk(client, reference, dash_answers(PLAIN_ITEMS[:15]))
    assert sorted(e.score for e in assessments(app, reference)) == [5, 15]
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "5 yes answers" in html and "15 yes answers" in html


def test_the_marac_threshold_comes_from_configuration(staff_app_factory):
    app = staff_app_factory({"DASH_MARAC_THRESHOLD": 10})
    reference = send_report(new_client(app))
    client, _ = signed_in(app, "officer")
    assert "10 or more yes answers" in html_of(client.get(f"/staff/cases/{reference}/risk"))
    risk(client, reference, dash_answers(PLAIN_ITEMS[:9]))
    risk(client, reference, dash_answers(PLAIN_ITEMS[:10]))
    assert sorted((e.score, e.level) for e in assessments(app, reference)) == [(9, "standard"), (10, "high")]


# --- actions and sharing ------------------------------------------------------------------------------


def action(client, reference: str, **data):  # type: ignore[no-untyped-def]
    return post_form(client, f"/staff/cases/{reference}/action", data)


@pytest.mark.parametrize("starts, ends, ok", [
    ("2026-01-05", "2026-03-05", True),    # two months
    ("2026-01-05", "2026-02-02", True),    # four weeks: the shortest
    ("2026-01-05", "2026-01-15", False),   # ten days
    ("2026-01-05", "2026-05-05", False),   # four months
    ("2026-03-05", "2026-01-05", False),   # ends before it starts
    ("2026-01-05", "", False),
])
def test_breathing_space_lasts_one_to_three_months(app, public, officer, starts, ends, ok):
    client, _ = officer
    reference = send_report(public)
    response = action(client, reference, kind="breathing_space", starts_on=starts, ends_on=ends)
    assert response.status_code == (303 if ok else 400)
    found = entries(app, reference, "action")
    if ok:
        (entry,) = found
        assert (entry.code, entry.starts_on, entry.ends_on) == (
            "breathing_space", date.fromisoformat(starts), date.fromisoformat(ends))
    else:
        assert found == []


def test_security_needs_the_measures(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    response = action(client, reference, kind="security")
    assert response.status_code == 400 and "Select the security measures" in error_text(html_of(response))
    assert action(client, reference, kind="security", measures=["locks", "video_doorbell"],
                  detail="Fitted on Tuesday").status_code == 303
    (entry,) = entries(app, reference, "action")
    assert entry.code == "security" and entry.starts_on is None
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert "New or stronger locks" in html and "Video doorbell" in html and "Fitted on Tuesday" in html


def test_a_referral_names_who_it_was_to(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    assert action(client, reference, kind="referral").status_code == 400
    assert action(client, reference, kind="referral", referral_to="idva").status_code == 303
    assert entries(app, reference, "action")[0].code == "referral.idva"


# --- notes are sealed ---------------------------------------------------------------------------------


def test_notes_are_sealed_and_open_only_with_the_private_key(app, public, officer, instance):
    client, account = officer
    reference = send_report(public)
    note = "Neighbour heard him at 2am; she is staying with her sister in Llanelli. ŵ"
    assert post_form(client, f"/staff/cases/{reference}/note", {"text": note}).status_code == 303
    (entry,) = entries(app, reference, "note")
    assert note.encode() not in entry.sealed and b"Llanelli" not in entry.sealed
    assert entry.staff_id == account.id and entry.code == ""
    raw = b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    assert b"Llanelli" not in raw
    keys = Opener(load_private_keys(instance / "keys", app.config["KEY_PASSPHRASE"]))
    assert keys.open_json(entry.sealed, "note", entry.id) == {"text": note}
    with pytest.raises(CannotOpen):  # bound to its entry: it will not open as another record
        keys.open_json(entry.sealed, "note", report_row(app, reference).id)
    assert note in html_of(client.get(f"/staff/cases/{reference}"))


def test_everything_typed_on_a_case_is_sealed(app, public, officer, instance):
    client, _ = officer
    reference = send_report(public)
    risk(client, reference, dash_answers(PLAIN_ITEMS[:3], judgement_referral="y",
                                         judgement_reason="Threats via Zorblat",
                                         notes="Risk notes Quixotica", **{f"c_{PLAIN_ITEMS[0]}": "Comment Vexillum"}))
    action(client, reference, kind="repairs", urgency="routine", detail="Action detail Brindlewick")
    assert post_form(client, f"/staff/cases/{reference}/share",
                     {"agency": "idva", "shared_on": "2026-03-02", "basis": "safeguarding", "what": "Shared Marrowfax",
                      "reason": "Reason Gallimaufry"}).status_code == 303  # a record of sharing is an info_share
    assert len(entries(app, reference)) == 1 and len(assessments(app, reference)) == 1
    typed = ("Zorblat", "Quixotica", "Vexillum", "Brindlewick", "Marrowfax", "Gallimaufry")
    raw = b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    for word in typed:
        assert word.encode() not in raw, word
    html = html_of(client.get(f"/staff/cases/{reference}"))
    for word in typed:
        assert word in html, word


def test_an_empty_note_is_refused(app, public, officer):
    client, _ = officer
    reference = send_report(public)
    assert post_form(client, f"/staff/cases/{reference}/note", {"text": ""}).status_code == 400
    assert assessments(app, reference) == []


# --- the ASB prompt -----------------------------------------------------------------------------------


def test_the_asb_prompt_appears_for_noise_and_a_broken_lock(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "story": "The noise is constant and he broke the lock on my door."})
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert 'class="notice notice-warning asb-prompt"' in html and "(noise, lock)" in html


def test_no_asb_prompt_without_signs(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "story": "He checks my phone and takes my money."})
    assert "asb-prompt" not in html_of(client.get(f"/staff/cases/{reference}"))


def test_a_note_can_raise_the_asb_prompt(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "story": "He checks my phone."})
    post_form(client, f"/staff/cases/{reference}/note", {"text": "Housing officer says there were police came twice."})
    assert "asb-prompt" in html_of(client.get(f"/staff/cases/{reference}"))


def test_no_asb_prompt_for_everyday_english_words(app, public, officer):
    """The Welsh stem "clo" (lock) must not match English "clothes" or "close"."""
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT,
                                     "story": "He hides my clothes and will not let me close the curtains."})
    assert "asb-prompt" not in html_of(client.get(f"/staff/cases/{reference}"))


def test_the_asb_prompt_appears_for_a_welsh_report_as_for_an_english_one(app, public):
    """Sent in Welsh, read by a Welsh-speaking officer: no accent on swn, a lock after a nasal mutation."""
    client, _ = signed_in(app, "officer", language="cy")
    reference = send_report(public, {**SAFE_TEXT, "story": "Mae swn ofnadwy bob nos, a thorrodd e fy nghlo. "
                                     "Ffoniodd y cymdogion yr heddlu."}, lang="cy")
    html = html_of(client.get(f"/staff/cases/{reference}"))
    assert 'class="notice notice-warning asb-prompt"' in html and "(swn, nghlo, heddlu)" in html
    quiet = send_report(public, {**SAFE_TEXT, "story": "Mae e'n swnian drwy'r amser ac yn cloi'r drws."}, lang="cy")
    assert "asb-prompt" not in html_of(client.get(f"/staff/cases/{quiet}"))


# --- the audit log is append-only ---------------------------------------------------------------------


def assert_append_only(app) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(app.config["DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_event (at, actor, action, detail) "
                              "VALUES (CURRENT_TIMESTAMP, 'staff:1', 'case.opened', 'case')"))
        for statement in ("UPDATE audit_event SET actor = 'staff:2'", "DELETE FROM audit_event"):
            with pytest.raises(DBAPIError):
                with engine.begin() as conn:
                    conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT actor FROM audit_event")).scalars().all() == ["staff:1"]
    finally:
        engine.dispose()


def test_audit_events_cannot_be_changed_or_deleted(app):
    assert_append_only(app)


def test_audit_events_cannot_be_changed_or_deleted_on_postgresql(pg_schema_url, staff_app_factory):
    assert_append_only(staff_app_factory())


def test_the_audit_log_lists_events_without_content(app, public, officer):
    client, _ = officer
    reference = send_report(public, {**SAFE_TEXT, "story": "A unique story about Porthcawl"})
    client.get(f"/staff/cases/{reference}")
    lead, _ = signed_in(app, "lead")
    html = html_of(lead.get("/staff/audit"))
    assert "Opened a case" in html and "the case page" in html and reference in html and "Porthcawl" not in html
    with dbs(app) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) >= 3


# --- Welsh --------------------------------------------------------------------------------------------


def test_staff_pages_are_in_welsh_for_a_welsh_speaking_officer(app, public):
    reference = send_report(public)
    client, _ = signed_in(app, "officer", language="cy")
    for page in ("/staff/", f"/staff/cases/{reference}", f"/staff/cases/{reference}/risk", "/staff/account"):
        html = html_of(client.get(page))
        assert '<html lang="cy"' in html, page
    assert 'lang="en">English</button>' in html_of(client.get("/staff/"))


def test_the_language_switch_is_saved_with_the_account(app, public):
    send_report(public)
    client, account = signed_in(app, "officer")
    assert '<html lang="en"' in html_of(client.get("/staff/"))
    response = post_form(client, "/staff/language", {"language": "cy", "back": "/staff/?owner=none"},
                         token_from="/staff/")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/?owner=none"
    assert staff_row(app, account.id).language == "cy"
    assert '<html lang="cy"' in html_of(client.get("/staff/"))
    # Saved with the account: another sign-in is in Welsh too.
    again = new_client(app)
    sign_in(app, again, account)
    assert '<html lang="cy"' in html_of(again.get("/staff/"))
    post_form(client, "/staff/language", {"language": "fr", "back": "//evil.example"}, token_from="/staff/")
    assert staff_row(app, account.id).language == "cy"
    response = post_form(client, "/staff/language", {"language": "en", "back": "https://evil.example/"},
                         token_from="/staff/")
    assert response.headers["Location"] == "/staff/" and staff_row(app, account.id).language == "en"


def test_welsh_case_pages_show_the_welsh_checklist(app, public):
    reference = send_report(public)
    client, _ = signed_in(app, "officer", language="cy")
    html = html_of(client.get(f"/staff/cases/{reference}/risk"))
    assert str(escape(DASH["questions"][0]["cy"])) in html and str(escape(DASH["questions"][0]["en"])) not in html
