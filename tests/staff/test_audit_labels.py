"""The audit log in words: every action code the portal writes has a name, and detail codes read as words in
the reader's language, chosen for the action, with ids left out."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from portal.casework.cases import ENTRY_KINDS
from portal.staff.audit_actions import ACTION_NAMES
from portal.staff.audit_labels import action_choices, action_label, actor_label, detail_label
from tests.staff_helpers import dbs, html_of, signed_in

ROOT = Path(__file__).resolve().parents[2] / "portal"
CODE = re.compile(r"\"((?:staff|case|cases|keys|marac|report|share|db|index|indicators|search|settings|audit|round"
                  r"|equality)\.[a-z_-]+)\"")


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def written_in_source() -> set[str]:
    lines = [line for path in ROOT.rglob("*.py") for line in path.read_text(encoding="utf-8").splitlines()
             if "audit(" in line or 'action="' in line]
    found = {code for line in lines for code in CODE.findall(line)}
    found |= {f"case.{kind}_added" for kind in ENTRY_KINDS}  # cases.add_entry
    found |= {f"case.enforcement_{stage}" for stage in ("authorised", "declined")}  # enforcement.decide
    found |= {f"staff.{action}" for action in ("deactivate", "reactivate", "reset-code", "unlock", "reset-password")}
    found |= {"case.risk_started", "case.risk_continued", "case.risk_added", "case.checkin_done",
              "case.checkin_skipped"}  # chosen in a variable
    return found


def test_every_action_the_source_writes_has_a_name_and_nothing_else_does():
    written = written_in_source()
    assert len(written) > 80
    assert written - set(ACTION_NAMES) == set()
    assert set(ACTION_NAMES) - written == set()  # no name for a code nothing writes


def test_actions_and_details_read_as_words_in_english_and_welsh(app):
    people = {"staff:3": "Siân Evans"}
    with app.test_request_context():
        with force_locale("en"):
            assert action_label("case.status_changed") == "Changed a case's status"
            assert detail_label("case.status_changed", "new->contact_attempted") == "New → Contact attempted"
            assert detail_label("case.contact_recorded", "person:call:no_answer outside_window") == (
                "Phone call to the person at risk: No answer; outside the safe times, with a reason")
            assert detail_label("staff.role_changed", "staff:3 officer->lead", people) == (
                "Siân Evans; Triage officer → Team lead")
            assert detail_label("case.task_state", "0b5c3f0e-1111-4222-8333-444455556666 repairs.urgent planned->done"
                                ) == "Repair of damage caused by the abuse (no recharge): Urgent repair; Planned → Done"
            assert detail_label("case.closure_requested", "declined open:no_assessment") == (
                "They did not want further help; No risk assessment has been recorded.")
            assert detail_label("case.safeguarding_outcome", "child:declined") == "A child: Declined"
            assert detail_label("cases.purged", "count:1") == "1 case"
            assert detail_label("case.opened", "marac-export pdf") == "downloading a MARAC referral form; PDF"
            assert detail_label("case.opened", "something_new") == "something_new"  # unknown: as it is
            assert actor_label("cli:root") == "The command line (root)" and actor_label("system:index") == (
                "The portal itself")
        with force_locale("cy"):
            welsh = detail_label("case.status_changed", "new->contact_attempted")
            assert "→" in welsh and "New →" not in welsh and "contact_attempted" not in welsh
            assert action_label("case.opened") != "Opened a case" and action_label("case.opened").strip()
            assert all(label != str(ACTION_NAMES[code]._args[0])  # type: ignore[attr-defined]
                       for code, label in action_choices()), "an action with no Welsh name"


def test_the_log_page_and_filter_show_names_not_codes_in_welsh(app):
    lead, account = signed_in(app, "lead", language="cy")
    with dbs(app) as s:
        from datetime import datetime, timezone

        from portal.store.models import AuditEvent
        s.add(AuditEvent(at=datetime.now(timezone.utc), actor=f"staff:{account.id}", action="case.status_changed",
                         detail="new->contact_attempted"))
        s.commit()
    html = html_of(lead.get("/staff/audit?what=case.status_changed", headers={"Accept-Language": "cy"}))
    assert "case.status_changed</td>" not in html and "contact_attempted" not in html.split("<table")[1]
    with app.test_request_context(), force_locale("cy"):
        assert action_label("case.status_changed") in html
        assert detail_label("case.status_changed", "new->contact_attempted") in html


def test_complaint_and_feedback_details_read_as_words(app):
    with app.test_request_context():
        with force_locale("en"):
            assert detail_label("case.complaint_recorded", "receipt contact delay") == (
                "On the website, with their receipt; How or when we contacted them; How long things took")
            assert detail_label("case.complaint_responded", "partly_upheld late") == "Partly upheld; late"
            assert detail_label("case.complaint_owner", "staff:3", {"staff:3": "Siân Evans"}) == "Siân Evans"
            assert detail_label("settings.complaint_days_changed", "days:15") == "15 working days"
            assert detail_label("case.opened", "complaint") == "a complaint"
        with force_locale("cy"):
            welsh = detail_label("case.complaint_responded", "not_upheld on_time")
            assert "not_upheld" not in welsh and "Not upheld" not in welsh and welsh.strip()
