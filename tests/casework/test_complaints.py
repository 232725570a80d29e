"""Complaints about how a case was handled (MHA 12.1, whg 3.5), the service: recorded by staff from any channel with
a response deadline in working days (weekends and bank holidays skipped; a lead's setting over the default), an
owner, a state and an outcome with a sealed summary; made by the reporter through the receipt, sealed on the public
side and dated by the triage side; every change audited; an open complaint's deadline is the case's next thing; and
the team's e-mail says, with no content, that a complaint is waiting."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale, ngettext
from sqlalchemy import select

from portal.casework import complaints as cp
from portal.casework.notify import notify
from portal.casework.pending import apply_pending
from portal.intake import conversations as conv
from portal.intake import feedback as fb
from portal.intake.reports import find_by_reference
from portal.store.complaint_models import (
    COMPLAINT_PURPOSE,
    COMPLAINT_REPORTER_PURPOSE,
    COMPLAINT_RESPONSE_PURPOSE,
    Complaint,
)
from portal.store.db import db
from portal.store.models import Report
from tests.casework.test_notify import FROM, TO, SmtpServer, body
from tests.staff_helpers import (
    add_staff,
    audit_events,
    dbs,
    new_client,
    open_case_of,
    send_report,
    work,
)

CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday: Christmas, Boxing Day's substitute and New Year's Day follow
MONDAY = date(2026, 11, 30)


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return add_staff(app, "officer")


@pytest.fixture
def reference(app, officer):  # type: ignore[no-untyped-def]
    return open_case_of(app, officer.id)


def on(monkeypatch, day: date) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cp, "today", lambda _tz: day)


def record(app, reference, staff_id, **given):  # type: ignore[no-untyped-def]
    values = {"channel": "phone", "about": ["delay", "contact"], "text": "Nobody called me back for a week.",
              "received_on": CHRISTMAS_EVE, "language": "cy", **given}
    return work(app, reference, staff_id, lambda s, report, staff: cp.record_complaint(s, report, staff, **values).id)


def complaint(app, complaint_id: str) -> Complaint:
    with dbs(app) as s:
        found = s.get(Complaint, complaint_id)
        assert found is not None
        return found


def test_a_complaint_staff_record_is_due_in_working_days_past_christmas_and_new_year(app, reference, officer,
                                                                                    monkeypatch):
    on(monkeypatch, date(2026, 12, 29))
    complaint_id = record(app, reference, officer.id)
    row = complaint(app, complaint_id)
    # 10 working days from Thursday 24 December 2026: not the 25th, 26th-27th, 28th (Boxing Day's substitute), nor
    # 1 January: Tuesday 12 January 2027.
    assert (row.due_on, row.target_days, row.state, row.outcome) == (date(2027, 1, 12), 10, "open", "")
    assert (row.owner_id, row.recorded_by, row.channel, row.about, row.language) == (
        officer.id, officer.id, "phone", "contact delay", "cy")  # the case's owner; topics in their usual order
    assert row.announced and row.idempotency_hash is None
    with app.app_context():
        from portal.casework.common import opener
        opened = opener().open_json(row.sealed, COMPLAINT_PURPOSE, row.id)
        assert opened == {"text": "Nobody called me back for a week."}
    (event,) = audit_events(app, "case.complaint_recorded")
    assert event.detail == "phone contact delay" and "Nobody" not in event.detail


def test_a_lead_sets_the_working_days_and_a_complaint_already_recorded_keeps_its_deadline(app, reference, officer,
                                                                                          monkeypatch):
    on(monkeypatch, MONDAY)
    before = record(app, reference, officer.id, received_on=MONDAY)
    lead = add_staff(app, "lead")
    changed = work(app, reference, lead.id, lambda s, _r, staff: cp.set_complaint_days(s, staff, 3))
    assert changed and audit_events(app, "settings.complaint_days_changed")[0].detail == "days:3"
    after = record(app, reference, officer.id, received_on=MONDAY)
    assert complaint(app, before).due_on == date(2026, 12, 14)  # 10 working days from Monday 30 November
    assert (complaint(app, after).due_on, complaint(app, after).target_days) == (date(2026, 12, 3), 3)
    for wrong in (0, 61, "5"):
        with pytest.raises(cp.NotATarget):
            work(app, reference, lead.id, lambda s, _r, staff, n=wrong: cp.set_complaint_days(s, staff, n))


def test_the_outcome_is_recorded_with_a_sealed_response_and_then_the_complaint_is_closed(app, reference, officer,
                                                                                        monkeypatch):
    on(monkeypatch, date(2027, 1, 11))
    complaint_id = record(app, reference, officer.id)

    def respond(s, report, staff):  # type: ignore[no-untyped-def]
        cp.record_outcome(s, report, s.get(Complaint, complaint_id), staff, "partly_upheld",
                          "We apologised: the call-back was missed. Calls now go to two officers.")
    work(app, reference, officer.id, respond)
    row = complaint(app, complaint_id)
    assert (row.state, row.outcome, row.responded_on, row.closed_on) == (
        "responded", "partly_upheld", date(2027, 1, 11), None)
    assert audit_events(app, "case.complaint_responded")[0].detail == "partly_upheld on_time"
    with app.app_context():
        from portal.casework.common import opener
        assert "apologised" in opener().open_json(row.response_sealed, COMPLAINT_RESPONSE_PURPOSE, row.id)["text"]
    with pytest.raises(cp.NotOpen):  # answered once
        work(app, reference, officer.id, respond)
    work(app, reference, officer.id,
         lambda s, r, staff: cp.close_complaint(s, r, s.get(Complaint, complaint_id), staff))
    assert (complaint(app, complaint_id).state, complaint(app, complaint_id).closed_on) == ("closed", date(2027, 1, 11))
    assert audit_events(app, "case.complaint_closed")[0].detail == "partly_upheld"


def test_a_late_response_says_so_and_a_withdrawn_complaint_closes_at_once(app, reference, officer, monkeypatch):
    on(monkeypatch, date(2027, 1, 13))  # the day after the deadline
    late, withdrawn = record(app, reference, officer.id), record(app, reference, officer.id, channel="letter")

    def outcome(complaint_id: str, code: str):  # type: ignore[no-untyped-def]
        return lambda s, r, staff: cp.record_outcome(s, r, s.get(Complaint, complaint_id), staff, code, "Summary.")
    work(app, reference, officer.id, outcome(late, "not_upheld"))
    work(app, reference, officer.id, outcome(withdrawn, "withdrawn"))
    assert audit_events(app, "case.complaint_responded")[0].detail == "not_upheld late"
    row = complaint(app, withdrawn)
    assert (row.state, row.outcome, row.responded_on, row.closed_on) == ("closed", "withdrawn", None, date(2027, 1, 13))
    assert len(audit_events(app, "case.complaint_withdrawn")) == 1
    with pytest.raises(cp.NotAnswered):  # closed already
        work(app, reference, officer.id, lambda s, r, staff: cp.close_complaint(s, r, s.get(Complaint, withdrawn),
                                                                                staff))


def test_what_the_rules_refuse(app, reference, officer, monkeypatch):
    on(monkeypatch, MONDAY)
    auditor = add_staff(app, "auditor")
    with pytest.raises(cp.NotYet):  # received tomorrow
        record(app, reference, officer.id, received_on=date(2026, 12, 1))
    with pytest.raises(cp.DueBeforeReceived):
        record(app, reference, officer.id, received_on=MONDAY, due_on=date(2026, 11, 27))
    with pytest.raises(cp.NotAnOwner):  # an auditor answers nothing
        record(app, reference, officer.id, received_on=MONDAY, owner_id=auditor.id)
    with pytest.raises(cp.NotAChannel):
        record(app, reference, officer.id, received_on=MONDAY, channel="pigeon")
    with pytest.raises(cp.NotATopic):
        record(app, reference, officer.id, received_on=MONDAY, about=["weather"])
    with pytest.raises(cp.NoWords):
        record(app, reference, officer.id, received_on=MONDAY, text="   ")
    complaint_id = record(app, reference, officer.id, received_on=MONDAY)
    with pytest.raises(cp.NotAnOutcome):
        work(app, reference, officer.id, lambda s, r, staff: cp.record_outcome(
            s, r, s.get(Complaint, complaint_id), staff, "sorted", "Summary."))
    with pytest.raises(cp.NotYet):  # answered before it arrived
        work(app, reference, officer.id, lambda s, r, staff: cp.record_outcome(
            s, r, s.get(Complaint, complaint_id), staff, "upheld", "Summary.", date(2026, 11, 27)))
    with pytest.raises(cp.NotAnswered):  # an open complaint is answered before it is closed
        work(app, reference, officer.id, lambda s, r, staff: cp.close_complaint(s, r, s.get(Complaint, complaint_id),
                                                                                staff))
    assert complaint(app, complaint_id).state == "open"


def test_a_double_tap_records_one_complaint(app, reference, officer, monkeypatch):
    on(monkeypatch, MONDAY)
    first = record(app, reference, officer.id, received_on=MONDAY, submission_key="k" * 43)
    again = record(app, reference, officer.id, received_on=MONDAY, submission_key="k" * 43)
    assert first == again and len(audit_events(app, "case.complaint_recorded")) == 1


def test_an_open_complaint_is_the_case_s_next_thing_and_moving_its_deadline_is_audited(app, reference, officer,
                                                                                       monkeypatch):
    on(monkeypatch, MONDAY)
    complaint_id = record(app, reference, officer.id, received_on=MONDAY, due_on=date(2026, 12, 1))
    with dbs(app) as s:
        report = s.scalar(select(Report).where(Report.reference == reference))
        assert report.next_kind == "complaint" and report.next_due.date() in (date(2026, 11, 30), date(2026, 12, 1))
    other = add_staff(app, "lead")

    def handle(s, r, staff):  # type: ignore[no-untyped-def]
        row = s.get(Complaint, complaint_id)
        return cp.set_owner(s, r, row, staff, other.id), cp.set_due(s, r, row, staff, date(2026, 12, 10))
    assert work(app, reference, officer.id, handle) == (True, True)
    assert [e.detail for e in audit_events(app, "case.complaint_owner")] == [f"staff:{other.id}"]
    assert [e.detail for e in audit_events(app, "case.complaint_due")] == ["until:2026-12-10"]
    assert work(app, reference, officer.id, handle) == (False, False)  # nothing changed, nothing audited
    with pytest.raises(cp.DueBeforeReceived):
        work(app, reference, officer.id, lambda s, r, staff: cp.set_due(s, r, s.get(Complaint, complaint_id), staff,
                                                                        date(2026, 11, 1)))
    with dbs(app) as s:  # the new deadline is what is next (the case's review falls later)
        report = s.scalar(select(Report).where(Report.reference == reference))
        assert report.next_kind == "complaint" and report.next_due.date() in (date(2026, 12, 9), date(2026, 12, 10))
    work(app, reference, officer.id, lambda s, r, staff: cp.record_outcome(s, r, s.get(Complaint, complaint_id), staff,
                                                                           "upheld", "Sorry."))
    with dbs(app) as s:  # answered: no longer the case's next thing
        assert s.scalar(select(Report).where(Report.reference == reference)).next_kind == "review"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def test_a_complaint_through_the_receipt_is_sealed_by_the_public_side_dated_by_the_triage_side_and_announced(
        instance: Path, staff_app_factory, smtp, monkeypatch):
    app = staff_app_factory({"SMTP": {"host": "127.0.0.1", "port": smtp.port, "user": "", "password": "",
                                      "starttls": False}, "MAIL_FROM": FROM, "NOTIFY_TO": TO,
                             "BASE_URL": "https://portal.example.org"})
    client = new_client(app)
    reference = send_report(client)
    with app.app_context(), dbs(app) as s:  # everything announced so far: only the complaint is new
        notify(s, app.config)
    smtp.inbox.messages.clear()
    with app.test_request_context("/en/"), dbs(app) as s:
        report = find_by_reference(s, reference)
        _digits, conversation, seed = conv.start(s, report, conv.pepper(app.config))
        fb.complain(s, conversation, ["treatment", "nonsense"], "Wombat: the officer was rude to me.", "cy", "key-1")
        fb.complain(s, conversation, ["treatment"], "Wombat: the officer was rude to me.", "cy", "key-1")  # double tap
        (row,) = s.scalars(select(Complaint))
        assert (row.channel, row.about, row.language, row.recorded_by, row.owner_id, row.due_on) == (
            "receipt", "treatment", "cy", None, None, None)
        assert not row.announced
        shown = fb.reporter_complaints(s, conversation, seed)
        assert [c.text for c in shown] == ["Wombat: the officer was rude to me."]
        from portal.crypto.sealing import CannotOpen, Opener
        with pytest.raises(CannotOpen):  # the reporter's copy opens only with the receipt's key
            Opener({}).open(row.reporter_sealed, COMPLAINT_REPORTER_PURPOSE, row.id)
        from portal.casework.common import opener
        assert opener().open_json(row.sealed, COMPLAINT_PURPOSE, row.id)["text"].startswith("Wombat")
        received = row.received_on
    with app.test_request_context("/staff/"), dbs(app) as s:
        apply_pending(s)
        row = s.scalars(select(Complaint)).one()
        assert row.due_on is not None and row.due_on > received and row.target_days == 10
    with app.app_context():
        outcome = notify(db(), app.config)
    assert outcome.complaints == 1 and outcome.sent
    (message,) = smtp.inbox.messages
    text = body(message)
    for lang in ("cy", "en"):
        with app.test_request_context("/"), force_locale(lang):
            assert ngettext("%(num)d new complaint from a reporter is waiting.",
                            "%(num)d new complaints from reporters are waiting.", 1) in text
    assert "Wombat" not in text and "rude" not in text and reference not in text
    with app.app_context():
        assert notify(db(), app.config).complaints == 0  # announced once


def test_deleting_the_conversation_erases_the_reporter_s_copy_of_their_complaint(app):
    reference = send_report(new_client(app))
    with app.test_request_context("/en/"), dbs(app) as s:
        _digits, conversation, _seed = conv.start(s, find_by_reference(s, reference), conv.pepper(app.config))
        fb.complain(s, conversation, [], "Please delete me too.", "en", "key-2")
        conv.delete(s, conversation)
        row = s.scalars(select(Complaint)).one()
        assert row.reporter_sealed is None and row.sealed  # the team's copy stays on the case
